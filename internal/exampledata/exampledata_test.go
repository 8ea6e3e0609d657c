package exampledata_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/exampledata"
)

// Every family has example data, whose CSV header is the family's record
// contract, since the exporter reads the columns by name.
func TestEveryFamilyHasExampleData(t *testing.T) {
	for _, name := range collectors.Names() {
		e, ok := exampledata.Lookup(name)
		if !ok {
			t.Errorf("family %s has no example data: add internal/exampledata/%s.go", name, name)
			continue
		}
		if e.Bench == nil {
			t.Errorf("family %s has no benchmark records", name)
		}
		f, _ := collectors.Lookup(name)
		var want []string
		for _, c := range f.Columns() {
			want = append(want, c.Name)
		}
		if got := e.Table.Header(); !slices.Equal(got, want) {
			t.Errorf("%s contract columns = %v, want the %s contract's %v", e.Table.Name, got, name, want)
		}
	}
}

// Every entry is read by a collection of the demo configuration, a family
// or a configured indicator, whose record contract its CSV header is.
func TestEveryEntryHoldsItsCollectionsContract(t *testing.T) {
	cfg, err := config.Load("../../examples/demo.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exampledata.Entries() {
		i := slices.IndexFunc(cfg.Families, func(f *config.Family) bool { return f.Name == e.Name })
		if i < 0 {
			t.Errorf("examples/demo.yml configures nothing named %s to read its example data", e.Name)
			continue
		}
		if _, builtIn := collectors.Lookup(e.Name); builtIn == e.Indicator {
			t.Errorf("entry %s: Indicator is %v, but it is %s", e.Name, e.Indicator, map[bool]string{true: "a family", false: "no family"}[builtIn])
		}
		var want []string
		for _, c := range cfg.Families[i].Collector.Columns() {
			want = append(want, c.Name)
		}
		if got := e.Table.Header(); !slices.Equal(got, want) {
			t.Errorf("%s contract columns = %v, want %s's %v", e.Table.Name, got, e.Name, want)
		}
	}
}

// A coded column has a code for every value its contract allows, and for
// nothing else, so that the record query maps every one of them back.
func TestCodesCoverTheVocabulary(t *testing.T) {
	for _, name := range collectors.Names() {
		e, ok := exampledata.Lookup(name)
		if !ok {
			continue
		}
		f, _ := collectors.Lookup(name)
		for _, c := range f.Columns() {
			codes, ok := e.Table.Columns[e.Table.Index(c.Name)].Map.(exampledata.Codes)
			if !ok {
				continue
			}
			var values []string
			for _, code := range codes {
				values = append(values, code.Value)
			}
			if got, want := slices.Sorted(slices.Values(values)), slices.Sorted(slices.Values(c.Allowed)); !slices.Equal(got, want) {
				t.Errorf("%s.%s codes values %v, want the contract's %v", name, c.Name, got, want)
			}
		}
	}
}

// The committed schema and configurations are those the entries give.
func TestCommittedExamplesAreCurrent(t *testing.T) {
	files, err := exampledata.Files()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join("../../examples", path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("examples/%s is out of date: run go generate ./examples", path)
		}
	}
}

func TestQuery(t *testing.T) {
	e := exampledata.Entry{Table: exampledata.Table{Name: "checks", Columns: []exampledata.Column{
		{Contract: "check_ref", Source: "id"},
		{Contract: "site", Source: "site_code", Map: exampledata.Upper},
		{Contract: "kind", Source: "kind", Map: exampledata.DisplayName},
		// FAIL lower-cases to fail, so only the other two need a WHEN.
		{Contract: "result", Source: "outcome", Map: exampledata.Coded("pass", "OK", "fail", "FAIL", "void", "X")},
		{Source: "remarks"},
	}}}
	want := `SELECT id AS check_ref,
       site_code AS site,
       replace(kind, ' ', '_') AS kind,
       CASE outcome
         WHEN 'OK' THEN 'pass'
         WHEN 'X'  THEN 'void'
         ELSE outcome
       END AS result
FROM checks
`
	if got := exampledata.Query(e); got != want {
		t.Errorf("query:\n%s\nwant:\n%s", got, want)
	}
}

func TestStored(t *testing.T) {
	codes := exampledata.Coded("pass", "OK", "fail", "FAIL")
	for _, c := range []struct {
		mapping  exampledata.Mapping
		in, want string
	}{
		{codes, "pass", "OK"},
		// A value the source system has no code for is kept upper-cased,
		// for the query to pass through and the exporter to reject.
		{codes, "inconclusive", "INCONCLUSIVE"},
		{exampledata.Upper, "harbour", "HARBOUR"},
		{exampledata.DisplayName, "prohibited_item", "Prohibited item"},
	} {
		if got := (exampledata.Column{Map: c.mapping}).Stored(c.in); got != c.want {
			t.Errorf("Stored(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
