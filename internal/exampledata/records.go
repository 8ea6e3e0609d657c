package exampledata

import (
	"iter"
	"slices"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Records yields the table's records as the exporter's CSV reader gives them
// to an aggregation, in the order of cols, the family's contract: for
// benchmarks of the Go side without the cost of writing and parsing CSV.
// The record is reused between rows.
func (t BenchTable) Records(cols []records.Column) iter.Seq[records.Record] {
	pos := make([]int, len(cols))
	for i, c := range cols {
		pos[i] = slices.IndexFunc(t.Columns, func(tc Column) bool { return tc.Contract == c.Name })
	}
	return func(yield func(records.Record) bool) {
		rec := make(records.Record, len(cols))
		for row := range t.Rows() {
			for i, c := range cols {
				rec[i] = records.Value{}
				if pos[i] < 0 {
					continue
				}
				switch v := row[pos[i]].(type) {
				case string:
					rec[i] = records.ParseCell(c, v)
				case bool:
					rec[i] = records.Bool(v)
				case time.Time:
					rec[i] = records.Time(v)
				}
			}
			if !yield(rec) {
				return
			}
		}
	}
}

// Aggregate aggregates the table's records with the shape in Go, as the
// CSV reader does without the CSV: every record's identity counted, then
// every record added.
func (t BenchTable) Aggregate(shape *records.Shape, now time.Time) records.Result {
	agg := shape.NewAggregator(records.Env{Now: now})
	for r := range t.Records(shape.Columns) {
		agg.CountIdentity(r)
	}
	for r := range t.Records(shape.Columns) {
		agg.Add(r)
	}
	return agg.Result()
}
