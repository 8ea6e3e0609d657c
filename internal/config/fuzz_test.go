package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/examples"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// FuzzParse feeds the loader arbitrary text. It must never panic; a refused
// file gets errors that each name the file, a line and the problem; an
// accepted one yields families ready to run, whose label values (sites,
// sources, vocabularies) all have the bounded form of a label value.
//
// CI: go test -run='^$' -fuzz='^FuzzParse$' -fuzztime=20s ./internal/config
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "sems.yml")
	postgres, err := os.ReadFile("../../examples/postgres.yml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(examples.DemoConfig)
	f.Add(postgres)
	f.Add([]byte(valid))
	f.Add([]byte(base))
	f.Add([]byte("sites: [north]\nsources:\n  e: {type: csv, directory: csv}\nfamilies:\n  covert_tests: {source: e, file: c.csv, vocabulary: {result: [pass, fail]}, options: {windows: [30d, 1y]}}\n"))
	f.Add([]byte("sites: [north]\nsources:\n  e: {type: csv, directory: csv}\nfamilies:\n  incidents:\n    source: e\n    file: i.csv\n    vocabulary: {severity: [p1, p2]}\n    targets: {resolution: {p1: 1h, p2: 4h}}\n    site_targets: {north: {resolution: {p1: 30m}}}\n"))
	f.Add([]byte("sites: &s [north]\nsources:\n  e: {type: csv, directory: csv}\nfamilies:\n  training: {source: e, file: t.csv, schedule: \"0 6 * * *\", timeout: 1m, columns: {person_ref: Staff}}\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(path, data)
		if err != nil {
			if c != nil {
				t.Fatal("Parse returned a configuration and an error")
			}
			for _, l := range strings.Split(err.Error(), "\n") {
				if l == path+": the file is empty" {
					continue
				}
				if !namesFileAndLine(path, l) {
					t.Fatalf("error line %q does not read %s:LINE: PROBLEM", l, path)
				}
			}
			return
		}
		for _, s := range c.Sites {
			if !labelValue.MatchString(s) {
				t.Fatalf("accepted site %q", s)
			}
		}
		for name := range c.Sources {
			if !labelValue.MatchString(name) {
				t.Fatalf("accepted source name %q: it becomes the source label", name)
			}
		}
		if len(c.Families) == 0 {
			t.Fatal("accepted a configuration without families")
		}
		for _, fam := range c.Families {
			if fam.Cron == nil || fam.Settings == nil || fam.Collector == nil || c.Sources[fam.Source] == nil {
				t.Fatalf("family %s accepted half-configured: %+v", fam.Name, fam)
			}
			if fam.Timeout <= 0 {
				t.Fatalf("family %s accepted with timeout %v", fam.Name, fam.Timeout)
			}
			for col, values := range fam.Settings.Vocabulary {
				for _, v := range values {
					if !labelValue.MatchString(v) {
						t.Fatalf("family %s accepted %s value %q", fam.Name, col, v)
					}
				}
			}
			// The family can run: its shape builds and renders as SQL.
			shape := fam.Collector.Shape(fam.Settings)
			if _, err := shape.AggregateSQL("SELECT 1", func(string) bool { return true }); err != nil {
				t.Fatalf("family %s: %v", fam.Name, err)
			}
			for _, col := range shape.Columns {
				if col.Type == records.TypeEnum && len(col.Allowed) == 0 {
					t.Fatalf("family %s accepted an empty vocabulary for %s", fam.Name, col.Name)
				}
			}
		}
	})
}
