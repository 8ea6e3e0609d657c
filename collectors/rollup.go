package collectors

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// total is a set of groups rolled up to fewer keys.
type total struct {
	Labels []string
	Count  float64
	values []float64
	shape  *records.Shape
}

// Value returns the rolled-up measure of that name, 0 when no record had one.
func (t total) Value(measure string) float64 {
	v := t.values[t.shape.MeasureIndex(measure)]
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// rollUp combines the accepted groups by the named keys, measures by their own
// aggregation. The totals come back ordered by their labels.
func rollUp(shape *records.Shape, res records.Result, by ...string) []total {
	idx := make([]int, len(by))
	for i, k := range by {
		idx[i] = shape.KeyIndex(k)
	}
	byID := map[string]*total{}
	for _, g := range res.Accepted() {
		labels := make([]string, len(idx))
		for i, k := range idx {
			labels[i] = g.Keys[k]
		}
		id := labelKey(labels...)
		t, ok := byID[id]
		if !ok {
			t = &total{Labels: labels, values: slices.Clone(g.Values), shape: shape}
			t.Count = g.Count
			byID[id] = t
			continue
		}
		t.Count += g.Count
		for i, m := range shape.Measures {
			t.values[i] = records.Combine(m.Agg, t.values[i], g.Values[i])
		}
	}
	out := make([]total, 0, len(byID))
	for _, t := range byID {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b total) int { return slices.Compare(a.Labels, b.Labels) })
	return out
}

// totals indexes rolled-up totals by their labels, for looking up a label
// combination that may have no records: it then counts 0.
type totals map[string]total

// totalsBy rolls the groups up by the named keys and indexes the totals.
func totalsBy(shape *records.Shape, res records.Result, by ...string) totals {
	ts := rollUp(shape, res, by...)
	out := make(totals, len(ts))
	for _, t := range ts {
		out[labelKey(t.Labels...)] = t
	}
	return out
}

// Count is the number of records with these labels.
func (ts totals) Count(labels ...string) float64 { return ts[labelKey(labels...)].Count }

// Value is the rolled-up measure of the records with these labels.
func (ts totals) Value(measure string, labels ...string) float64 {
	t, ok := ts[labelKey(labels...)]
	if !ok {
		return 0
	}
	return t.Value(measure)
}

func labelKey(labels ...string) string { return strings.Join(labels, "\x00") }

// vocabulary is the allowed values of an enum column of the shape.
func vocabulary(shape *records.Shape, column string) []string {
	c, _ := shape.Column(column)
	return c.Allowed
}

// rejectFuture rejects records whose timestamp lies in the future, beyond a
// tolerance for clocks that differ between the source and the exporter.
func rejectFuture(shape *records.Shape, columns ...string) {
	for _, c := range columns {
		shape.Reject("future_"+c, records.Lt(records.SecondsSince(shape.Col(c)), records.Number(-futureTolerance.Seconds())))
	}
}

const futureTolerance = 5 * time.Minute

// metricsOut collects const metrics; a family builds its output with it.
type metricsOut []prometheus.Metric

func (m *metricsOut) add(desc *prometheus.Desc, typ prometheus.ValueType, v float64, labels ...string) {
	*m = append(*m, prometheus.MustNewConstMetric(desc, typ, v, labels...))
}

func (m *metricsOut) gauge(desc *prometheus.Desc, v float64, labels ...string) {
	m.add(desc, prometheus.GaugeValue, v, labels...)
}

// snapshotNote ends every family metric's help: the value is as of the last
// scheduled collection, as the exporter guidelines ask an exporter that does
// not query its source on scrape to say.
const snapshotNote = " As of the family's last scheduled collection; scrapes never query the source."

func newDesc(family, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, family, name), help+snapshotNote, labels, nil)
}

// seconds converts a configured duration to the base unit of every metric.
func seconds(d model.Duration) float64 { return time.Duration(d).Seconds() }
