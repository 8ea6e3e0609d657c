package collectors_test

import (
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/bench/dataset"
	"github.com/sems-exporter/sems_exporter/collectors"
)

// BenchmarkMetrics is deriving a family's indicators from its groups, the
// step after the source's aggregation in every collection, for the 40 sites
// of the benchmark dataset (at 0.1x, every group already has records).
func BenchmarkMetrics(b *testing.B) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	spec := dataset.Spec{Scale: 0.1, Seed: 1, Now: now}
	for _, name := range collectors.Names() {
		b.Run(name, func(b *testing.B) {
			f, _ := collectors.Lookup(name)
			settings := collectors.DefaultSettings(f, dataset.SiteCodes())
			shape := f.Shape(settings)
			t, _ := spec.Table(name)
			res := t.Aggregate(shape, now)
			var n int
			b.ReportAllocs()
			for b.Loop() {
				n = len(f.Metrics(shape, res, settings))
			}
			b.ReportMetric(float64(len(res.Groups)), "groups")
			b.ReportMetric(float64(n), "metrics")
		})
	}
}
