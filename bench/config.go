package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/bench/dataset"
)

// exporterConfig is the configuration of one exporter run: the record
// queries of examples/postgres.yml unchanged, the group's 40 sites with the
// default targets, and the families, schedule and source chosen for the run
// (none of the example's configured indicators).
type exporterConfig struct {
	families []string
	schedule string
	// csvDir reads the families from CSV exports instead of PostgreSQL.
	csvDir string
}

// dsnEnv is the variable the configurations name for the connection string.
const dsnEnv = "SEMS_BENCH_POSTGRES_DSN"

// write renders the configuration from examples/postgres.yml (example is its
// text) into dir and returns the file's path.
func (c exporterConfig) write(example []byte, dir, name string) (string, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(example, &doc); err != nil {
		return "", fmt.Errorf("reading examples/postgres.yml: %w", err)
	}
	doc["sites"] = dataset.SiteCodes()
	doc["sources"] = map[string]any{"security_db": map[string]any{"type": "postgres", "dsn_env": dsnEnv, "max_connections": 2}}
	// The benchmark measures the families; the example's configured
	// indicators read tables the benchmark's dataset does not have.
	delete(doc, "indicators")
	fams, ok := doc["families"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("examples/postgres.yml has no families")
	}
	for name, v := range fams {
		f := v.(map[string]any)
		if !slices.Contains(c.families, name) {
			delete(fams, name)
			continue
		}
		f["schedule"] = c.schedule
		// The example's per-site targets name the demo's sites, not the
		// group's.
		delete(f, "site_targets")
		// So do the reporting family's headcounts.
		if o, ok := f["options"].(map[string]any); ok {
			delete(o, "headcount")
		}
		// Long enough for 10x the group on a small machine: a timeout would
		// be a failed collection, not a measurement.
		f["timeout"] = "15m"
		if c.csvDir != "" {
			f["source"] = "exports"
			f["file"] = name + ".csv"
			delete(f, "query")
		}
	}
	if c.csvDir != "" {
		doc["sources"] = map[string]any{"exports": map[string]any{"type": "csv", "directory": c.csvDir}}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".yml")
	return path, os.WriteFile(path, out, 0o644)
}
