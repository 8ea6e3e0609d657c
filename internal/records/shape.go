package records

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Type is the declared type of a record column.
type Type uint8

// Column types. Enum values are compared trimmed and lower-cased against the
// column's vocabulary, so "CCTV " and "cctv" are the same equipment type.
const (
	TypeText Type = iota
	TypeEnum
	TypeBool
	TypeTime
	// TypeNumber is a finite number: NaN and infinities are rejected as
	// invalid, in SQL as in a CSV cell.
	TypeNumber
)

func (t Type) String() string {
	return [...]string{"text", "enum", "boolean", "time", "number"}[t]
}

// SQLType is the PostgreSQL type a column of type t holds once read.
func (t Type) SQLType() string {
	return [...]string{"text", "text", "boolean", "timestamptz", "float8"}[t]
}

// Column is one column of a family's record contract.
type Column struct {
	Name     string
	Type     Type
	Required bool
	// Allowed is an enum column's vocabulary; any other value is rejected.
	Allowed []string
	// Doc says what the column means, for the record contract in docs/.
	Doc string
	// Zone is the time zone of a time column's date-only values (a cell of
	// the form 2006-01-02, or a PostgreSQL date): the whole of that day in
	// it. nil is UTC.
	Zone *time.Location
	// Deadline makes a date-only value the last instant of its day (a due
	// date, an expiry: "until the end of the day"), rather than its first
	// (an event on that day).
	Deadline bool
}

// Check rejects a record for Reason when Bad is TRUE.
type Check struct {
	Reason string
	Bad    Expr
}

// Key is a grouping expression. Its value becomes a label value, so it must
// come from a bounded vocabulary, never from free text.
type Key struct {
	Name string
	Expr Expr
}

// Agg is how a measure combines records within a group.
type Agg uint8

// Aggregations.
const (
	Sum Agg = iota
	Max
	// Count counts the accepted records whose expression is TRUE: 0, not
	// NaN, when none is. PostgreSQL counts with a FILTER, cheaper than
	// summing a CASE.
	Count
)

// Measure is a numeric expression aggregated per group; NULL values are skipped
// and a group with no non-NULL value has NaN. A Count's expression is a
// condition.
type Measure struct {
	Name string
	Agg  Agg
	Expr Expr
	// bins is the run of bins the measure is one of (CountByBin,
	// CountInBins), which counts it instead of Expr; nil for a measure of
	// its own. A run's measures are consecutive, its first first.
	bins *bins
}

// Shape says how a family turns its records into groups: which columns a
// record has, which records to reject, and what to count per group.
type Shape struct {
	Columns []Column
	Checks  []Check
	Keys    []Key
	// Derived are values computed once per accepted record, for keys and
	// measures that read one many times (Derive).
	Derived  []Key
	Measures []Measure
	// Identities are the record identities declared with Unique.
	Identities []Identity
	index      map[string]int
}

// Identity is what identifies one record in its source system: one or more
// text or enum columns, compared as normalised (trimmed, enums lower-cased).
// Every record whose identity another record shares is rejected for Reason,
// each copy alike: which copy is right cannot be told, and keeping the first
// would make the result depend on the order of the rows.
type Identity struct {
	Reason  string
	Columns []string
	index   []int
}

// NewShape starts a shape with the given record contract.
func NewShape(columns []Column) *Shape {
	s := &Shape{Columns: columns, index: make(map[string]int, len(columns))}
	for i, c := range columns {
		s.index[c.Name] = i
	}
	return s
}

// Col refers to a column of the contract. Naming a column the contract does
// not have is a programming error.
func (s *Shape) Col(name string) Expr {
	i, ok := s.index[name]
	if !ok {
		panic("records: shape has no column " + name)
	}
	return col{name: name, index: i}
}

// Column returns the named column of the contract.
func (s *Shape) Column(name string) (Column, bool) {
	i, ok := s.index[name]
	if !ok {
		return Column{}, false
	}
	return s.Columns[i], true
}

// Reject adds a record check.
func (s *Shape) Reject(reason string, bad Expr) { s.Checks = append(s.Checks, Check{reason, bad}) }

// Unique declares a record identity: records that share their values of the
// columns (none of them NULL) are all rejected for reason. Only text and enum
// columns can identify a record. A record with a NULL in one of the columns
// is no copy of anything; a required column rejects it as missing_<column>.
func (s *Shape) Unique(reason string, columns ...string) {
	if len(columns) == 0 {
		panic("records: an identity needs at least one column")
	}
	id := Identity{Reason: reason, Columns: slices.Clone(columns)}
	for _, name := range columns {
		i, ok := s.index[name]
		if !ok {
			panic("records: shape has no column " + name)
		}
		if t := s.Columns[i].Type; t != TypeText && t != TypeEnum {
			panic(fmt.Sprintf("records: identity column %s is a %s column; only text and enum columns identify a record", name, t))
		}
		id.index = append(id.index, i)
	}
	s.Identities = append(s.Identities, id)
}

// IdentityColumns marks, by position in Columns, the columns an identity
// reads: all a reader needs to parse to count identities.
func (s *Shape) IdentityColumns() []bool {
	out := make([]bool, len(s.Columns))
	for _, id := range s.Identities {
		for _, i := range id.index {
			out[i] = true
		}
	}
	return out
}

// Derive computes e once per accepted record, and returns the expression
// that reads it: for a value that many measures read, such as a record's
// month, so that it is computed once rather than once per measure. It is
// NULL for a rejected record, so that no check may read it. An expression
// already derived, under any name, is read from where it was first derived,
// not computed again.
func (s *Shape) Derive(name string, e Expr) Expr {
	sql := e.SQL()
	for i, d := range s.Derived {
		if d.Expr.SQL() == sql {
			return col{name: derivedColumn(d.Name), index: len(s.Columns) + i}
		}
	}
	s.Derived = append(s.Derived, Key{name, e})
	return col{name: derivedColumn(name), index: len(s.Columns) + len(s.Derived) - 1}
}

func derivedColumn(name string) string { return "sems_derived_" + name }

// GroupBy adds a grouping key.
func (s *Shape) GroupBy(name string, e Expr) { s.Keys = append(s.Keys, Key{name, e}) }

// SumOf, MaxOf and CountIf add measures.
func (s *Shape) SumOf(name string, e Expr) {
	s.Measures = append(s.Measures, Measure{Name: name, Agg: Sum, Expr: e})
}
func (s *Shape) MaxOf(name string, e Expr) {
	s.Measures = append(s.Measures, Measure{Name: name, Agg: Max, Expr: e})
}
func (s *Shape) CountIf(name string, cond Expr) {
	s.Measures = append(s.Measures, Measure{Name: name, Agg: Count, Expr: cond})
}

// KeyIndex and MeasureIndex find a key or measure by name.
func (s *Shape) KeyIndex(name string) int {
	return mustIndex(len(s.Keys), func(i int) bool { return s.Keys[i].Name == name }, "key", name)
}

func (s *Shape) MeasureIndex(name string) int {
	return mustIndex(len(s.Measures), func(i int) bool { return s.Measures[i].Name == name }, "measure", name)
}

func mustIndex(n int, match func(int) bool, what, name string) int {
	for i := range n {
		if match(i) {
			return i
		}
	}
	panic(fmt.Sprintf("records: shape has no %s %s", what, name))
}

// Reasons for rejecting a record on its columns alone.
func MissingReason(column string) string { return "missing_" + column }
func UnknownReason(column string) string { return "unknown_" + column }
func InvalidReason(column string) string { return "invalid_" + column }

// DuplicateReason is the usual reason of an identity of one column.
func DuplicateReason(column string) string { return "duplicate_" + column }

// ReasonMalformedRow rejects a CSV row whose field count differs from the header.
const ReasonMalformedRow = "malformed_row"

// rejection is one step of record validation, in order: the first that
// applies names the reason. The same list renders the SQL CASE and runs in Go.
//
// The duplicate checks of the identities come before every rejection in this
// list (and before a CSV cell that cannot be read): a copy is counted as a
// copy whatever else is wrong with it, so that duplicate_<column> counts
// every record that shares its identity. A record whose identity holds a NULL
// is no copy, so a missing reference is still counted as missing_<column>.
type rejection struct {
	reason string
	bad    Expr
}

func (s *Shape) rejections() []rejection {
	var out []rejection
	// PostgreSQL holds infinite timestamps, which no CSV cell can: they are
	// rejected first, as the CSV reader rejects a cell it cannot read.
	for _, c := range s.Columns {
		if c.Type == TypeTime || c.Type == TypeNumber {
			out = append(out, rejection{InvalidReason(c.Name), infinite{s.Col(c.Name), c.Type}})
		}
	}
	for _, c := range s.Columns {
		ref := s.Col(c.Name)
		if c.Required {
			out = append(out, rejection{MissingReason(c.Name), IsNull(ref)})
		}
		if c.Type == TypeEnum {
			out = append(out, rejection{UnknownReason(c.Name), notIn{ref, c.Allowed}})
		}
	}
	for _, ch := range s.Checks {
		out = append(out, rejection{ch.Reason, ch.Bad})
	}
	return out
}

// Reasons lists every reason this shape can reject a record for, CSV-only
// ones included: the vocabulary of the rejected-records metric.
func (s *Shape) Reasons() []string {
	out := []string{ReasonMalformedRow}
	for _, id := range s.Identities {
		out = append(out, id.Reason)
	}
	for _, c := range s.Columns {
		if c.Type == TypeBool || c.Type == TypeTime || c.Type == TypeNumber {
			out = append(out, InvalidReason(c.Name))
		}
	}
	for _, r := range s.rejections() {
		out = append(out, r.reason)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

type notIn struct {
	e       Expr
	allowed []string
}

func (n notIn) SQL() string {
	if len(n.allowed) == 0 {
		return "(" + n.e.SQL() + " IS NOT NULL)"
	}
	quoted := make([]string, len(n.allowed))
	for i, a := range n.allowed {
		quoted[i] = lit{Str(a)}.SQL()
	}
	return "(" + n.e.SQL() + " NOT IN (" + strings.Join(quoted, ", ") + "))"
}

func (n notIn) Eval(rec Record, env Env) Value {
	v := n.e.Eval(rec, env)
	if v.IsNull() {
		return Value{}
	}
	return Bool(!slices.Contains(n.allowed, v.S))
}

// Group is one row of aggregated records. Rejected records are grouped by
// reason alone: their keys are empty and their measures NaN.
type Group struct {
	Reject string
	Keys   []string
	Count  float64
	Values []float64
}

// Result is the outcome of aggregating one family's records.
type Result struct {
	Groups []Group
	// Now is the evaluation time the records were aggregated at: the
	// periods of the family's period indicators are counted back from it.
	Now time.Time
	// Modified is when the source last changed, if it can tell: a CSV
	// file's modification time.
	Modified time.Time
	// CanWrite is whether the database role read through can write, nil
	// for a source without one.
	CanWrite *bool
	// LocksReleased counts the session-level advisory locks the record
	// query left held on the database connection, which the source then
	// released, or closed the connection to end; a failed collection's
	// result holds it too.
	LocksReleased int
	// Unknown says, for each enum column in the order of the columns, what
	// may be named of the values of the records rejected as
	// unknown_<column>; a column without such records has no entry.
	Unknown []Unknown
}

// Read is the number of records read, accepted or not.
func (r Result) Read() float64 {
	var n float64
	for _, g := range r.Groups {
		n += g.Count
	}
	return n
}

// Rejected counts rejected records by reason.
func (r Result) Rejected() map[string]float64 {
	out := map[string]float64{}
	for _, g := range r.Groups {
		if g.Reject != "" {
			out[g.Reject] += g.Count
		}
	}
	return out
}

// Accepted returns the groups of accepted records.
func (r Result) Accepted() []Group {
	var out []Group
	for _, g := range r.Groups {
		if g.Reject == "" {
			out = append(out, g)
		}
	}
	return out
}

// Combine folds measure value b into a according to agg, NaN meaning "none".
func Combine(agg Agg, a, b float64) float64 {
	switch {
	case math.IsNaN(b):
		return a
	case math.IsNaN(a):
		return b
	case agg == Max:
		return math.Max(a, b)
	}
	return a + b
}

// infinite is TRUE for an infinite timestamp, or a number that is NaN or
// infinite. A CSV cell holding one is invalid before any expression sees it,
// so in Go it is never TRUE.
type infinite struct {
	e Expr
	t Type
}

func (i infinite) SQL() string {
	if i.t == TypeNumber {
		// NaN equals NaN in PostgreSQL, unlike in IEEE arithmetic.
		return "(" + i.e.SQL() + " IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))"
	}
	return "(NOT isfinite(" + i.e.SQL() + "))"
}

func (i infinite) Eval(rec Record, env Env) Value {
	if i.e.Eval(rec, env).IsNull() {
		return Value{}
	}
	return Bool(false)
}
