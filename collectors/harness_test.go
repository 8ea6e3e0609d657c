package collectors

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/promtest"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// testNow is the evaluation time of the family tests.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type fixed struct {
	f  Family
	ms []prometheus.Metric
}

func (c fixed) Describe(ch chan<- *prometheus.Desc) { c.f.Describe(ch) }
func (c fixed) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.ms {
		ch <- m
	}
}

// collect runs a family over CSV text through the real CSV reader, Go
// aggregator and a pedantic registry, and returns the flattened samples and
// the rejected-record counts.
func collect(t *testing.T, f Family, s *Settings, csvText string) (map[string]float64, map[string]float64) {
	t.Helper()
	shape := f.Shape(s)
	res, err := source.ReadCSV(context.Background(), strings.NewReader(csvText), source.Request{Shape: shape, Now: testNow})
	if err != nil {
		t.Fatalf("reading records: %v", err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(fixed{f, f.Metrics(shape, res, s)})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	return promtest.Flatten(mfs), res.Rejected()
}

// expect compares selected samples with hand-computed values.
func expect(t *testing.T, got, want map[string]float64) {
	t.Helper()
	promtest.Expect(t, got, want)
}

// expectAbsent checks that no sample with that key exists.
func expectAbsent(t *testing.T, got map[string]float64, keys ...string) {
	t.Helper()
	promtest.ExpectAbsent(t, got, keys...)
}

func testSettings(f Family, sites ...string) *Settings { return DefaultSettings(f, sites) }

// descriptors returns every descriptor the family describes.
func descriptors(f Family) []*prometheus.Desc {
	ch := make(chan *prometheus.Desc)
	go func() {
		f.Describe(ch)
		close(ch)
	}()
	var out []*prometheus.Desc
	for d := range ch {
		out = append(out, d)
	}
	return out
}
