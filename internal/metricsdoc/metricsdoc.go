// Package metricsdoc reads docs/metrics.md, the metrics reference that the
// exporter, the rules and the dashboards agree on, so tests can hold each of
// them to it.
package metricsdoc

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Metric is one documented metric.
type Metric struct {
	Name, Type string
	Labels     []string
	// PostgresOnly is set for a metric its meaning says is absent for CSV
	// sources, which the CSV demo cannot serve.
	PostgresOnly bool
}

// row matches a reference table row: | `name` | type | `label`, ... | meaning |
var row = regexp.MustCompile("^\\|\\s*`([a-z_:][a-z0-9_:]*)`\\s*\\|\\s*(counter|gauge|histogram|summary)\\s*\\|([^|]*)\\|")

var label = regexp.MustCompile("`([a-z_][a-z0-9_]*)`")

// Load reads the reference's metric tables.
func Load(path string) (map[string]Metric, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]Metric{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := row.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		if _, dup := out[m[1]]; dup {
			return nil, fmt.Errorf("%s:%d: %s is documented twice", path, n, m[1])
		}
		metric := Metric{Name: m[1], Type: m[2], PostgresOnly: strings.Contains(sc.Text(), "absent for CSV sources")}
		for _, l := range label.FindAllStringSubmatch(m[3], -1) {
			metric.Labels = append(metric.Labels, l[1])
		}
		out[m[1]] = metric
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no metric tables found", path)
	}
	return out, sc.Err()
}
