package sourcesystem_test

import (
	"slices"
	"testing"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/sourcesystem"
)

// Both generators write a table's contract columns as the CSV header and the
// exporter reads them by name, so they must be the record contract of the
// family, or configured indicator, that the demo configuration reads them
// with.
func TestTablesHoldTheContracts(t *testing.T) {
	cfg, err := config.Load("../../examples/demo.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range sourcesystem.Tables() {
		i := slices.IndexFunc(cfg.Families, func(f *config.Family) bool { return f.Name == tb.Family })
		if i < 0 {
			t.Errorf("table %s: examples/demo.yml configures no family or indicator %s", tb.Name, tb.Family)
			continue
		}
		var want []string
		for _, c := range cfg.Families[i].Collector.Columns() {
			want = append(want, c.Name)
		}
		if got := tb.Header(); !slices.Equal(got, want) {
			t.Errorf("%s contract columns = %v, want the %s contract's %v", tb.Name, got, tb.Family, want)
		}
	}
}
