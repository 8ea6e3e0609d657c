package records_test

import (
	"slices"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/bench/dataset"
	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

var benchNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// benchShape is a family's shape for the 40 sites of the benchmark dataset,
// with its default settings.
func benchShape(b *testing.B, family string) *records.Shape {
	b.Helper()
	f, ok := collectors.Lookup(family)
	if !ok {
		b.Fatalf("family %s not registered", family)
	}
	return f.Shape(collectors.DefaultSettings(f, dataset.SiteCodes()))
}

// BenchmarkAggregatorAdd is the Go side of a CSV collection without the
// parsing: validating, grouping and measuring one record (ns/op is per
// record). The records are
// the benchmark dataset's at 0.01x, added round and round.
func BenchmarkAggregatorAdd(b *testing.B) {
	spec := dataset.Spec{Scale: 0.01, Seed: 1, Now: benchNow}
	for _, family := range collectors.Names() {
		b.Run(family, func(b *testing.B) {
			shape := benchShape(b, family)
			t, _ := spec.Table(family)
			var recs []records.Record
			for r := range t.Records(shape.Columns) {
				recs = append(recs, slices.Clone(r))
			}
			agg := shape.NewAggregator(records.Env{Now: benchNow})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				agg.Add(recs[i%len(recs)])
			}
		})
	}
}

// BenchmarkAggregateSQL is building a family's aggregate query for 40 sites,
// once per PostgreSQL collection.
func BenchmarkAggregateSQL(b *testing.B) {
	for _, family := range collectors.Names() {
		b.Run(family, func(b *testing.B) {
			shape := benchShape(b, family)
			all := func(string) bool { return true }
			var n int
			b.ReportAllocs()
			for b.Loop() {
				q, err := shape.AggregateSQL("SELECT * FROM records", all)
				if err != nil {
					b.Fatal(err)
				}
				n = len(q)
			}
			b.ReportMetric(float64(n), "query-bytes")
		})
	}
}
