package records

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Aggregator groups records in Go, as the SQL from AggregateSQL groups them in
// PostgreSQL. It keeps one entry per group, never the records themselves.
type Aggregator struct {
	shape      *Shape
	env        Env
	rejections []rejection
	groups     map[string]*Group
	keyBuf     []string
}

// NewAggregator starts an aggregation at the evaluation time in env.
func (s *Shape) NewAggregator(env Env) *Aggregator {
	return &Aggregator{
		shape:      s,
		env:        env,
		rejections: s.rejections(),
		groups:     map[string]*Group{},
		keyBuf:     make([]string, len(s.Keys)),
	}
}

// Add validates one record and counts it in its group, or as rejected.
func (a *Aggregator) Add(rec Record) {
	if reason := a.reject(rec); reason != "" {
		a.AddRejected(reason)
		return
	}
	for i, k := range a.shape.Keys {
		a.keyBuf[i] = k.Expr.Eval(rec, a.env).S
	}
	id := strings.Join(a.keyBuf, "\x00")
	g, ok := a.groups[id]
	if !ok {
		g = &Group{Keys: slices.Clone(a.keyBuf), Values: nanSlice(len(a.shape.Measures))}
		a.groups[id] = g
	}
	g.Count++
	for i, m := range a.shape.Measures {
		if v := m.Expr.Eval(rec, a.env); v.Kind == KindNumber {
			g.Values[i] = Combine(m.Agg, g.Values[i], v.F)
		}
	}
}

// AddRejected counts a record rejected before it could be evaluated.
func (a *Aggregator) AddRejected(reason string) {
	id := "\x01" + reason
	g, ok := a.groups[id]
	if !ok {
		g = &Group{Reject: reason, Keys: make([]string, len(a.shape.Keys)), Values: nanSlice(len(a.shape.Measures))}
		a.groups[id] = g
	}
	g.Count++
}

func (a *Aggregator) reject(rec Record) string {
	for i, v := range rec {
		if v.Kind == KindInvalid {
			return InvalidReason(a.shape.Columns[i].Name)
		}
	}
	for _, r := range a.rejections {
		if r.bad.Eval(rec, a.env).truth() {
			return r.reason
		}
	}
	return ""
}

// Result returns the groups in a stable order.
func (a *Aggregator) Result() Result {
	out := make([]Group, 0, len(a.groups))
	for _, g := range a.groups {
		out = append(out, *g)
	}
	return NewResult(out)
}

// NewResult sorts groups into the order every backend returns them in.
func NewResult(groups []Group) Result {
	slices.SortFunc(groups, func(x, y Group) int {
		if c := cmp.Compare(x.Reject, y.Reject); c != 0 {
			return c
		}
		return slices.Compare(x.Keys, y.Keys)
	})
	return Result{Groups: groups}
}

func nanSlice(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}
