// Package exampledata defines the example data of every record contract, one
// file per contract, from which everything else is derived: the example
// source system's table (examples/postgres/schema.sql), the record query
// that maps it back to the contract (examples/postgres.yml), the example
// configurations (examples/demo.yml), the demonstration records
// (examples/csv, examples/postgres/seed.sql and the exporter's --demo) and
// the benchmark records at any scale (bench/).
//
// An entry registers itself in init, keyed by the name of the record
// contract its records are for: a family today, a configured indicator as
// well, since an entry knows nothing of how the records are aggregated.
package exampledata

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// Entry is the example data of one record contract.
type Entry struct {
	// Name is the record contract's: the family (or indicator) reading the
	// records.
	Name string
	// Order places the entry among the others: the schema creates and the
	// seed loads the tables in it, so a table comes after those it refers
	// to, and the demonstration draws its records from one random stream in
	// it. A new entry takes the next number, which leaves every other
	// entry's demonstration records as they were.
	Order int
	Table Table
	// Settings is YAML added to the family's block in both example
	// configurations, indented as its keys, comments included. For a
	// configured indicator it is the indicator's whole definition.
	Settings string
	// Indicator marks the records of a configured indicator, which the
	// example configurations define under indicators rather than families.
	Indicator bool
	// QueryNote is a comment above the record query in postgres.yml.
	QueryNote string
	// Demo draws the demonstration records; see DemoOf.
	Demo DemoGen
	// Bench generates the benchmark records at a spec's scale; the count
	// is the number of records they yield. Every family has them; an entry
	// without is left out of the benchmark.
	Bench func(Spec) (count int, rows func(yield func([]any) bool))
}

var registry = map[string]Entry{}

// Register adds an entry; it panics on a duplicate name or an incomplete
// entry, as a programming error found by the first test.
func Register(e Entry) {
	if _, dup := registry[e.Name]; dup {
		panic("exampledata: " + e.Name + " registered twice")
	}
	if e.Table.Name == "" || e.Demo == nil {
		panic(fmt.Sprintf("exampledata: %s lacks its table or demonstration records", e.Name))
	}
	registry[e.Name] = e
}

// Lookup returns the entry of a record contract.
func Lookup(name string) (Entry, bool) {
	e, ok := registry[name]
	return e, ok
}

// Names returns the names of every entry, sorted.
func Names() []string { return slices.Sorted(maps.Keys(registry)) }

// Entries returns every entry in their Order.
func Entries() []Entry {
	return slices.SortedFunc(maps.Values(registry), func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Name, b.Name))
	})
}
