// Package records defines the record contract of a KPI family and the
// aggregation shape that turns records into grouped counts.
//
// A shape is written once, as expressions, and evaluated two ways: compiled to
// SQL so that PostgreSQL aggregates the records where they live, or evaluated
// in Go over records read from a CSV export. Both paths follow SQL's rules for
// NULL, so they give the same groups from the same records.
package records

import "time"

// Kind is the dynamic type of a Value.
type Kind uint8

// The kinds of values an expression produces.
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindTime
	KindBool
	// KindInvalid marks a CSV cell that could not be parsed as its column's type.
	// PostgreSQL enforces column types itself, so only CSV records carry it.
	KindInvalid
)

// Value is one typed cell or intermediate result.
type Value struct {
	Kind Kind
	S    string
	F    float64
	T    time.Time
	B    bool
}

// Str, Num, Time and Bool build values of each kind.
func Str(s string) Value     { return Value{Kind: KindString, S: s} }
func Num(f float64) Value    { return Value{Kind: KindNumber, F: f} }
func Time(t time.Time) Value { return Value{Kind: KindTime, T: t} }
func Bool(b bool) Value      { return Value{Kind: KindBool, B: b} }

// IsNull reports whether v is SQL NULL. An invalid cell is not NULL: it is
// rejected before any expression sees it.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// truth is SQL's test in WHEN and FILTER: only TRUE counts, NULL does not.
func (v Value) truth() bool { return v.Kind == KindBool && v.B }

// Record is one source record, its cells in the order of the shape's columns.
type Record []Value
