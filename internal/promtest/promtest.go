// Package promtest flattens gathered metrics into "name{label="value",...}"
// keys, the form tests compare against hand-computed values, and compares
// them.
package promtest

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// Flatten maps every sample to its value. Labels are sorted by name;
// histograms give their _bucket, _sum and _count samples.
func Flatten(families []*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for _, mf := range families {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			labels := m.GetLabel()
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[Key(name, labels)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[Key(name, labels)] = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				out[Key(name, labels)] = m.GetUntyped().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					le := formatLe(b.GetUpperBound())
					out[Key(name+"_bucket", labels, "le", le)] = float64(b.GetCumulativeCount())
				}
				out[Key(name+"_bucket", labels, "le", "+Inf")] = float64(h.GetSampleCount())
				out[Key(name+"_sum", labels)] = h.GetSampleSum()
				out[Key(name+"_count", labels)] = float64(h.GetSampleCount())
			}
		}
	}
	return out
}

func formatLe(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return fmt.Sprint(v)
}

// Key renders a sample's identity; extra is a list of name, value pairs.
func Key(name string, labels []*dto.LabelPair, extra ...string) string {
	var pairs []string
	for _, l := range labels {
		pairs = append(pairs, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		pairs = append(pairs, fmt.Sprintf("%s=%q", extra[i], extra[i+1]))
	}
	slices.Sort(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// Sample is the key of a sample named name with the labels given as name,
// value pairs, as Flatten writes it.
func Sample(name string, labels ...string) string { return Key(name, nil, labels...) }

// Expect compares selected samples with hand-computed values, to 1e-9.
func Expect(t testing.TB, got, want map[string]float64) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		switch v := want[k]; {
		case !ok:
			t.Errorf("missing sample %s (want %g)", k, v)
		case math.Abs(g-v) >= 1e-9:
			t.Errorf("%s = %g, want %g", k, g, v)
		}
	}
}

// ExpectAbsent checks that no sample with any of these keys exists.
func ExpectAbsent(t testing.TB, got map[string]float64, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := got[k]; ok {
			t.Errorf("unexpected sample %s = %g", k, v)
		}
	}
}
