package sourcesystem_test

import (
	"slices"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/sourcesystem"
)

// Both generators write a table's contract columns as the CSV header and the
// exporter reads them by name, so they must be the family's record contract.
func TestTablesHoldTheContracts(t *testing.T) {
	for _, tb := range sourcesystem.Tables() {
		f, ok := collectors.Lookup(tb.Family)
		if !ok {
			t.Errorf("table %s: no family %s", tb.Name, tb.Family)
			continue
		}
		var want []string
		for _, c := range f.Columns() {
			want = append(want, c.Name)
		}
		if got := tb.Header(); !slices.Equal(got, want) {
			t.Errorf("%s contract columns = %v, want the %s contract's %v", tb.Name, got, tb.Family, want)
		}
	}
}
