package collectors_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/exampledata"
	"github.com/sems-exporter/sems_exporter/internal/metricsdoc"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// TestEveryFamilyHasItsArtefacts lists, for each registered family, every
// piece it still lacks beyond its Go file, so that a new family fails here
// at once, naming them, rather than in tests that wait for a collection the
// demo never runs. docs/extending.md lists the same pieces.
func TestEveryFamilyHasItsArtefacts(t *testing.T) {
	doc, err := metricsdoc.Load("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	demo := configuredFamilies(t, "../examples/demo.yml")
	postgres := configuredFamilies(t, "../examples/postgres.yml")
	manager, err := os.ReadFile("../dashboards/security-manager/security-manager.json")
	if err != nil {
		t.Fatal(err)
	}
	alerts := familyAlerts(t)
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		var missing []string
		page := "docs/families/" + name + ".md"
		if _, err := os.Stat("../" + page); err != nil {
			missing = append(missing, "its record contract page "+page)
		}
		for _, m := range described(f) {
			if _, ok := doc[m]; !ok {
				missing = append(missing, "docs/metrics.md entry for "+m)
			}
		}
		if e, ok := exampledata.Lookup(name); !ok || e.Bench == nil {
			missing = append(missing, "its example data, with benchmark records: internal/exampledata/"+name+".go")
		}
		if !demo[name] || !postgres[name] {
			missing = append(missing, "its entries in examples/demo.yml and examples/postgres.yml: go generate ./examples")
		}
		if !strings.Contains(string(manager), "sems_"+name+"_") {
			missing = append(missing, "a panel of its own metrics on the Security Manager dashboard (dashboards/generate)")
		}
		for _, a := range alerts[name] {
			if _, err := os.Stat("../docs/runbooks/" + a + ".md"); err != nil {
				missing = append(missing, "the runbook docs/runbooks/"+a+".md of its alert "+a)
			}
		}
		if len(missing) > 0 {
			t.Errorf("family %s lacks:\n  - %s", name, strings.Join(missing, "\n  - "))
		}
	}
}

// described lists the names of the metrics a family describes.
func described(f collectors.Family) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		f.Describe(ch)
		close(ch)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	var out []string
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// configuredFamilies reads which families a configuration file configures.
func configuredFamilies(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Families map[string]yaml.Node `yaml:"families"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]bool{}
	for name := range cfg.Families {
		out[name] = true
	}
	return out
}

// familyAlerts maps a family label to the alerts that carry it.
func familyAlerts(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, file := range []string{"../rules/sems.alerts.yml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var rules struct {
			Groups []struct {
				Rules []struct {
					Alert  string            `yaml:"alert"`
					Labels map[string]string `yaml:"labels"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &rules); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				if f := r.Labels["family"]; r.Alert != "" && f != "" {
					out[f] = append(out[f], r.Alert)
				}
			}
		}
	}
	return out
}

// TestRecordContractsAreDocumented holds the record contract table of each
// family's page to its Columns(), cell by cell: name, type, whether
// required, the default vocabulary and the meaning.
func TestRecordContractsAreDocumented(t *testing.T) {
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\| ([a-z]+) \\| (yes|no)[^|]*\\|([^|]*)\\| (.*) \\|$")
	code := regexp.MustCompile("`([^`]+)`")
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		page, err := os.ReadFile("../docs/families/" + name + ".md")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		_, section, ok := strings.Cut(string(page), "\n## Record contract\n")
		if !ok {
			t.Errorf("docs/families/%s.md has no Record contract section", name)
			continue
		}
		section, _, _ = strings.Cut(section, "\n## ")
		var documented []string
		for _, line := range strings.Split(section, "\n") {
			m := row.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			documented = append(documented, m[1])
			i := slices.IndexFunc(f.Columns(), func(c records.Column) bool { return c.Name == m[1] })
			if i < 0 {
				t.Errorf("docs/families/%s.md documents a column %s the contract does not have", name, m[1])
				continue
			}
			c := f.Columns()[i]
			var allowed []string
			for _, v := range code.FindAllStringSubmatch(m[4], -1) {
				allowed = append(allowed, v[1])
			}
			if c.Type != records.TypeEnum || c.Name == "site" {
				allowed = nil // the sites are configured; booleans list their spellings
			}
			want := []string{c.Type.String(), map[bool]string{true: "yes", false: "no"}[c.Required], fmt.Sprint(c.Allowed), c.Doc}
			got := []string{m[2], m[3], fmt.Sprint(allowed), m[5]}
			if !slices.Equal(got, want) {
				t.Errorf("docs/families/%s.md, column %s: type, required, values, meaning\n  documented %q\n  contract   %q", name, c.Name, got, want)
			}
		}
		var cols []string
		for _, c := range f.Columns() {
			cols = append(cols, c.Name)
		}
		if !slices.Equal(documented, cols) {
			t.Errorf("docs/families/%s.md documents the columns %v, the contract has %v in that order", name, documented, cols)
		}
	}
}
