package source_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sems-exporter/sems_exporter/bench/dataset"
	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// BenchmarkReadCSV is a whole CSV collection in Go: parsing, validating and
// aggregating one family's export of the benchmark dataset at 0.1x (1,000
// assets to 64,000 training requirements) from memory. MB/s is of CSV text.
func BenchmarkReadCSV(b *testing.B) {
	spec := dataset.Spec{Scale: 0.1, Seed: 1, Now: now}
	dir := b.TempDir()
	if err := spec.WriteCSV(dir); err != nil {
		b.Fatal(err)
	}
	for _, t := range spec.Tables() {
		b.Run(t.Family, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join(dir, t.File))
			if err != nil {
				b.Fatal(err)
			}
			f, _ := collectors.Lookup(t.Family)
			req := source.Request{Shape: f.Shape(collectors.DefaultSettings(f, dataset.SiteCodes())), Now: now}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := source.ReadCSV(context.Background(), bytes.NewReader(data), req)
				if err != nil {
					b.Fatal(err)
				}
				if res.Read() != float64(t.Count) {
					b.Fatalf("read %g records, want %d", res.Read(), t.Count)
				}
			}
			b.ReportMetric(float64(t.Count)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
