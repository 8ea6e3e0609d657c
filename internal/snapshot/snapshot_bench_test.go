package snapshot

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/prometheus/client_golang/prometheus"
	promcollectors "github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sems-exporter/sems_exporter/bench/dataset"
	"github.com/sems-exporter/sems_exporter/collectors"
)

// largeSnapshot is the snapshot of the benchmark dataset's 40 sites (at
// 0.1x: every label combination already has records, so the series are
// those of any larger scale), and a registry holding the same indicators,
// as client_golang's handler would serve them.
func largeSnapshot(b *testing.B) (*Snapshot, *prometheus.Registry, int) {
	b.Helper()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	spec := dataset.Spec{Scale: 0.1, Seed: 1, Now: now}
	snap := New()
	var fams []Family
	for _, name := range collectors.Names() {
		fams = append(fams, Family{Name: name, Source: "security_db", Interval: time.Minute})
	}
	snap.Configure(fams)
	var all []prometheus.Metric
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		settings := collectors.DefaultSettings(f, dataset.SiteCodes())
		shape := f.Shape(settings)
		t, _ := spec.Table(name)
		res := t.Aggregate(shape, now)
		metrics := f.Metrics(shape, res, settings)
		if err := snap.Succeeded(name, Collection{Metrics: metrics, Read: res.Read(), Rejected: res.Rejected(), At: now, Took: time.Second}); err != nil {
			b.Fatal(err)
		}
		all = append(all, metrics...)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(unchecked(all))
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	series := 0
	for _, mf := range mfs {
		series += len(mf.GetMetric())
	}
	return snap, reg, series
}

// BenchmarkScrape is what one scrape of a large snapshot costs.
//
//   - gather, encode: the snapshot's const metrics written to protobuf
//     structs, checked and sorted; then those families encoded as text, the
//     floor of any exposition.
//   - promhttp: both on every scrape, as client_golang's handler would.
//   - handler, handler-gzip: the exporter's handler between two collections,
//     serving the snapshot's encoding made once per change.
//   - handler-after-collection: a collection changes the snapshot before
//     every scrape, so the snapshot is encoded again each time (by the
//     collection, in the variant scraped): what a change costs.
func BenchmarkScrape(b *testing.B) {
	snap, reg, series := largeSnapshot(b)
	b.Run("gather", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(series), "series")
	})
	b.Run("encode", func(b *testing.B) {
		mfs, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		var buf bytes.Buffer
		format := expfmt.NewFormat(expfmt.TypeTextPlain)
		for b.Loop() {
			buf.Reset()
			if err := encode(&buf, format, mfs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(series), "series")
	})
	b.Run("promhttp", func(b *testing.B) {
		serve(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), "", nil, series)
	})
	own := prometheus.NewRegistry()
	own.MustRegister(promcollectors.NewGoCollector(), promcollectors.NewProcessCollector(promcollectors.ProcessCollectorOpts{}))
	h := snap.Handler(own, slog.New(slog.DiscardHandler))
	b.Run("handler", func(b *testing.B) { serve(b, h, "", nil, series) })
	b.Run("handler-gzip", func(b *testing.B) { serve(b, h, "gzip", nil, series) })
	b.Run("handler-after-collection", func(b *testing.B) {
		// A failed collection changes the health metrics, so the snapshot.
		serve(b, h, "", func() { snap.Failed("equipment", time.Second) }, series)
	})
}

// serve scrapes h in a loop; before is called before each scrape.
func serve(b *testing.B, h http.Handler, encoding string, before func(), series int) {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	b.ReportAllocs()
	for b.Loop() {
		if before != nil {
			before()
		}
		h.ServeHTTP(discard{header: http.Header{}}, req)
	}
	b.ReportMetric(float64(series), "series")
}

// discard is a response writer that keeps nothing, as a fast network would.
type discard struct{ header http.Header }

func (d discard) Header() http.Header       { return d.header }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
