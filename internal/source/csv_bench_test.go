package source_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

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

// BenchmarkCSVPeakHeap collects each family's CSV export of the benchmark
// dataset at 1x (10,000 assets to 640,000 training requirements) from a
// file, as a collection does, and reports the heap's peak above what it
// held before, sampled every millisecond. Unlike PostgreSQL's, a CSV
// collection's memory grows with its records: duplicate detection holds
// every record's identity.
//
//	go test -run='^$' -bench=CSVPeakHeap -benchtime=1x ./internal/source
func BenchmarkCSVPeakHeap(b *testing.B) {
	spec := dataset.Spec{Scale: 1, Seed: 1, Now: now}
	dir := b.TempDir()
	if err := spec.WriteCSV(dir); err != nil {
		b.Fatal(err)
	}
	old := time.Now().Add(-time.Minute) // written: no need to wait for it to settle
	for _, t := range spec.Tables() {
		if err := os.Chtimes(filepath.Join(dir, t.File), old, old); err != nil {
			b.Fatal(err)
		}
	}
	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	inUse := func() uint64 {
		metrics.Read(heap)
		return heap[0].Value.Uint64()
	}
	for _, t := range spec.Tables() {
		b.Run(t.Family, func(b *testing.B) {
			f, _ := collectors.Lookup(t.Family)
			req := source.Request{Shape: f.Shape(collectors.DefaultSettings(f, dataset.SiteCodes())), File: t.File, Now: now}
			var peak uint64
			for b.Loop() {
				runtime.GC()
				base := inUse()
				done := make(chan struct{})
				sampled := make(chan uint64)
				go func() {
					var p uint64
					for {
						p = max(p, inUse())
						select {
						case <-done:
							sampled <- p
							return
						case <-time.After(time.Millisecond):
						}
					}
				}()
				res, err := source.CSV{Dir: dir}.Aggregate(context.Background(), req)
				close(done)
				if p := <-sampled; p > base {
					peak = max(peak, p-base)
				}
				if err != nil {
					b.Fatal(err)
				}
				if res.Read() != float64(t.Count) {
					b.Fatalf("read %g records, want %d", res.Read(), t.Count)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(peak)/float64(t.Count), "heap-B/record")
		})
	}
}
