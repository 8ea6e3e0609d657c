package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// write puts a configuration and an empty csv directory in a temp dir.
func write(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sems.yml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const valid = `sites: [north, south]
sources:
  exports:
    type: csv
    directory: csv
families:
  equipment:
    source: exports
    file: equipment.csv
    columns: {asset_ref: "Asset ID"}
    targets:
      serviceable_ratio: {green: 0.97, amber: 0.94}
    site_targets:
      north:
        serviceable_ratio: {green: 0.99}
`

func TestLoadValid(t *testing.T) {
	path := write(t, valid)
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Families) != 1 || c.Families[0].Name != "equipment" {
		t.Fatalf("families = %+v", c.Families)
	}
	f := c.Families[0]
	if f.Schedule != DefaultSchedule || time.Duration(f.Timeout) != DefaultTimeout {
		t.Errorf("defaults: schedule %q timeout %v", f.Schedule, f.Timeout)
	}
	if want := filepath.Join(filepath.Dir(path), "csv"); c.Sources["exports"].Directory != want {
		t.Errorf("directory = %q, want %q (relative to the config file)", c.Sources["exports"].Directory, want)
	}
	// north: organisation 0.97/0.94 overlaid with green 0.99; south: 0.97/0.94.
	type ratio struct{ green, amber float64 }
	for site, want := range map[string]ratio{"north": {0.99, 0.94}, "south": {0.97, 0.94}} {
		got := targetsOf(t, f.Settings.SiteTargets[site])
		if got.Green != want.green || got.Amber != want.amber {
			t.Errorf("%s targets = %+v, want %+v", site, got, want)
		}
	}
	if org := targetsOf(t, f.Settings.Targets); org.Green != 0.97 || org.Amber != 0.94 {
		t.Errorf("organisation targets = %+v", org)
	}
}

// targetsOf reads equipment targets back through their YAML form, which is
// how an operator sees them.
func targetsOf(t *testing.T, v any) collectors.RatioTarget {
	t.Helper()
	out, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Serviceable collectors.RatioTarget `yaml:"serviceable_ratio"`
	}
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	return back.Serviceable
}

func TestLoadDSN(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(secret, []byte("postgres://reader:s3cret@db/sems\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SEMS_TEST_DSN", " postgres://env@db/sems ")
	text := `sites: [north]
sources:
  fromenv: {type: postgres, dsn_env: SEMS_TEST_DSN}
  fromfile: {type: postgres, dsn_file: ` + secret + `, max_connections: 3}
families:
  equipment: {source: fromenv, query: "SELECT 1"}
`
	c, err := Load(write(t, text))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := c.Sources["fromenv"].DSN(); got != "postgres://env@db/sems" {
		t.Errorf("env DSN = %q", got)
	}
	if got := c.Sources["fromfile"].DSN(); got != "postgres://reader:s3cret@db/sems" {
		t.Errorf("file DSN = %q", got)
	}
	if c.Sources["fromenv"].MaxConnections != DefaultMaxConnections || c.Sources["fromfile"].MaxConnections != 3 {
		t.Errorf("max connections = %d, %d", c.Sources["fromenv"].MaxConnections, c.Sources["fromfile"].MaxConnections)
	}
}

func TestLoadErrors(t *testing.T) {
	// Each case breaks the valid file in one place; the error must name the
	// file, the line and the problem.
	cases := []struct {
		name, old, new string
		line           int
		msg            string
	}{
		{"unknown top-level key", "sites: [north, south]\n", "sites: [north, south]\nsitez: []\n", 2, `unknown key "sitez" in the top level`},
		{"unknown family key", "    file: equipment.csv\n", "    file: equipment.csv\n    scheduel: daily\n", 10, `unknown key "scheduel" in families.equipment`},
		{"invalid cron", "    file: equipment.csv\n", "    file: equipment.csv\n    schedule: \"61 * * * *\"\n", 10, `invalid schedule "61 * * * *"`},
		{"unknown family", "  equipment:\n", "  equipmnet:\n", 7, `unknown family "equipmnet"`},
		{"unknown target key", "      serviceable_ratio: {green: 0.97, amber: 0.94}\n", "      serviceable_ratio: {green: 0.97, amber: 0.94}\n      critical_outages: 2h\n", 13, `unknown key "critical_outages" in families.equipment.targets`},
		{"bad duration", "    file: equipment.csv\n", "    file: equipment.csv\n    timeout: soon\n", 10, "families.equipment.timeout"},
		{"target out of order", "{green: 0.97, amber: 0.94}", "{green: 0.90, amber: 0.94}", 12, "amber <= green"},
		{"override for unknown site", "      north:\n", "      west:\n", 14, `"west" is not a configured site`},
		{"bad site code", "sites: [north, south]", "sites: [north, South Terminal]", 1, `"South Terminal" is not a site code`},
		{"unknown source", "    source: exports\n", "    source: warehouse\n", 8, `unknown source "warehouse"`},
		{"query on csv", "    file: equipment.csv\n", "    file: equipment.csv\n    query: SELECT 1\n", 10, "query is for postgres sources"},
		{"bad source type", "    type: csv\n", "    type: mysql\n", 4, `type must be "postgres" or "csv"`},
		{"missing directory", "    directory: csv\n", "    directory: nowhere\n", 5, "does not exist"},
		{"column not in contract", `{asset_ref: "Asset ID"}`, `{asset_id: "Asset ID"}`, 10, `"asset_id" is not a column of the equipment record contract`},
		{"syntax error", "    type: csv\n", "    type: csv: yes\n", 4, "mapping values are not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(valid, tc.old) {
				t.Fatalf("test case does not apply: %q not in the valid config", tc.old)
			}
			path := write(t, strings.Replace(valid, tc.old, tc.new, 1))
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			prefix := path + ":" + strconv.Itoa(tc.line) + ": "
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, prefix) && strings.Contains(line, tc.msg) {
					return
				}
			}
			t.Errorf("error %q\nwant a line starting %q containing %q", err, prefix, tc.msg)
		})
	}
}

func TestLoadSecretErrors(t *testing.T) {
	text := `sites: [north]
sources:
  db:
    type: postgres
    dsn_env: SEMS_TEST_UNSET_DSN
  db2:
    type: postgres
families:
  equipment: {source: db, query: "SELECT 1"}
`
	os.Unsetenv("SEMS_TEST_UNSET_DSN")
	path := write(t, text)
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load succeeded with an unset DSN variable")
	}
	// Both problems are reported at once, each at its own line.
	for _, want := range []string{
		path + ":5: sources.db: environment variable SEMS_TEST_UNSET_DSN is not set",
		path + ":7: sources.db2: a postgres source needs dsn_env or dsn_file",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nwant it to contain %q", err, want)
		}
	}
}
