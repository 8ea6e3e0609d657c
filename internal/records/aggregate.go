package records

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"strings"
)

// Aggregator groups records in Go, as the SQL from AggregateSQL groups them in
// PostgreSQL. It keeps one entry per group, never the records themselves.
//
// A shape with identities (Shape.Unique) needs two passes over the records:
// CountIdentity for every record, then Add for every record. Only a 128-bit
// hash of each identity value is kept between the passes, about 16 bytes a
// record, not the records nor the values.
type Aggregator struct {
	shape      *Shape
	env        Env
	rejections []rejection
	groups     map[string]*Group
	keyBuf     []string
	recBuf     Record
	// hash is hashIdentity, unless a test weakens it.
	hash func([]byte) idHash
	// seeds are hashIdentity's, random per aggregator.
	seeds [2]maphash.Seed
	// copies holds, per identity, the hash of every counted value; from the
	// first Add on, sorted, only the hashes of the values counted twice or
	// more.
	copies [][]idHash
	adding bool
	idBuf  []byte
	// unknown tallies the values of the records rejected as
	// unknown_<column>, by reason.
	unknown map[string]*unknownTally
}

// NewAggregator starts an aggregation at the evaluation time in env.
func (s *Shape) NewAggregator(env Env) *Aggregator {
	a := &Aggregator{
		shape:      s,
		env:        env,
		rejections: s.rejections(),
		groups:     map[string]*Group{},
		keyBuf:     make([]string, len(s.Keys)),
		seeds:      [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		copies:     make([][]idHash, len(s.Identities)),
	}
	a.hash = a.hashIdentity
	a.unknown = map[string]*unknownTally{}
	for reason, col := range s.unknownColumns() {
		a.unknown[reason] = &unknownTally{column: col, values: map[string]float64{}, seed: a.seeds[0]}
	}
	return a
}

// idHash is a 128-bit hash of an identity value: hashIdentity makes it of
// two 64-bit hashes with independent random seeds. Records are taken for
// copies when their hashes are equal, so a value counted once is rejected as
// a copy if its hash meets another value's. Taking the hash for a random
// function, among n values that happens with a probability of about
// n*n/2^129: some 10^-27 at a million records, 10^-25 at ten million. The
// seeds are made per aggregator, so values whose hashes meet cannot be
// prepared in advance.
type idHash [2]uint64

func (a *Aggregator) hashIdentity(value []byte) idHash {
	return idHash{maphash.Bytes(a.seeds[0], value), maphash.Bytes(a.seeds[1], value)}
}

func compareIDHash(x, y idHash) int {
	if c := cmp.Compare(x[0], y[0]); c != 0 {
		return c
	}
	return cmp.Compare(x[1], y[1])
}

// CountIdentity counts a record under each identity of the shape, reading its
// identity columns only. A record is a copy only of records counted here: with
// identities, count every record that will be added, all before the first Add.
func (a *Aggregator) CountIdentity(rec Record) {
	if a.adding {
		panic("records: CountIdentity after Add")
	}
	for i := range a.shape.Identities {
		if key, ok := a.identity(i, rec); ok {
			a.copies[i] = append(a.copies[i], a.hash(key))
		}
	}
}

// identity is the record's value of identity i as exact bytes (a composite
// one length-prefixed, so that no two values meet), false when it holds a
// NULL.
func (a *Aggregator) identity(i int, rec Record) ([]byte, bool) {
	cols := a.shape.Identities[i].index
	buf := a.idBuf[:0]
	for _, c := range cols {
		v := rec[c]
		if v.Kind != KindString {
			return nil, false
		}
		if len(cols) > 1 {
			buf = binary.AppendUvarint(buf, uint64(len(v.S)))
		}
		buf = append(buf, v.S...)
	}
	a.idBuf = buf
	return buf, true
}

// startAdding ends the counting: it keeps the hashes of copies only, once
// each, so that the hashes seen once can be freed while the records are added.
func (a *Aggregator) startAdding() {
	a.adding = true
	for i, hashes := range a.copies {
		slices.SortFunc(hashes, compareIDHash)
		var dups []idHash
		for j := 1; j < len(hashes); j++ {
			if hashes[j] == hashes[j-1] && (j == 1 || hashes[j] != hashes[j-2]) {
				dups = append(dups, hashes[j])
			}
		}
		a.copies[i] = dups
	}
}

func (a *Aggregator) duplicate(i int, rec Record) bool {
	key, ok := a.identity(i, rec)
	if !ok {
		return false
	}
	_, dup := slices.BinarySearchFunc(a.copies[i], a.hash(key), compareIDHash)
	return dup
}

// Add validates one record and counts it in its group, or as rejected
// under the reason it returns.
func (a *Aggregator) Add(rec Record) (rejected string) {
	if !a.adding {
		a.startAdding()
	}
	if reason := a.reject(rec); reason != "" {
		a.AddRejected(reason)
		if t, ok := a.unknown[reason]; ok {
			t.add(rec[t.column].S)
		}
		return reason
	}
	if len(a.shape.Derived) > 0 {
		a.recBuf = append(a.recBuf[:0], rec...)
		for _, d := range a.shape.Derived {
			a.recBuf = append(a.recBuf, d.Expr.Eval(a.recBuf, a.env))
		}
		rec = a.recBuf
	}
	for i, k := range a.shape.Keys {
		a.keyBuf[i] = k.Expr.Eval(rec, a.env).S
	}
	id := strings.Join(a.keyBuf, "\x00")
	g, ok := a.groups[id]
	if !ok {
		g = &Group{Keys: slices.Clone(a.keyBuf), Values: a.shape.initialValues()}
		a.groups[id] = g
	}
	g.Count++
	for i := 0; i < len(a.shape.Measures); i++ {
		m := a.shape.Measures[i]
		if m.bins != nil {
			m.bins.count(rec, a.env, g.Values[i:i+m.bins.n])
			i += m.bins.n - 1 // a run as one, as Shape.measureRuns walks it
			continue
		}
		v := m.Expr.Eval(rec, a.env)
		if m.Agg == Count {
			if v.truth() {
				g.Values[i]++
			}
			continue
		}
		if v.Kind == KindNumber {
			g.Values[i] = Combine(m.Agg, g.Values[i], v.F)
		}
	}
	return ""
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
	for i, id := range a.shape.Identities {
		if a.duplicate(i, rec) {
			return id.Reason
		}
	}
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
	res := NewResult(out)
	res.Now = a.env.Now
	for _, c := range a.shape.Columns {
		if t := a.unknown[UnknownReason(c.Name)]; t != nil && t.records > 0 {
			res.Unknown = append(res.Unknown, newUnknown(c.Name, t.records, t.distinct(), t.values))
		}
	}
	return res
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

// initialValues are an accepted group's measures before its first record:
// NaN, "no value", but 0 for a count, as PostgreSQL's count() gives.
func (s *Shape) initialValues() []float64 {
	v := make([]float64, len(s.Measures))
	for i, m := range s.Measures {
		if m.Agg != Count {
			v[i] = math.NaN()
		}
	}
	return v
}
