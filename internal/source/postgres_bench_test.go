package source_test

import (
	"context"
	"testing"

	"github.com/sems-exporter/sems_exporter/internal/source"
)

// BenchmarkPostgresCollection is one collection of a nine-record table
// through the source, as the scheduler runs it: the connection from the
// pool, the read-only transaction and its settings, the column probe, the
// aggregate query, and the role and advisory-lock check after the
// rollback. With so few records it is the collection's fixed cost, what
// it adds to the bare aggregate query.
func BenchmarkPostgresCollection(b *testing.B) {
	pg, _ := openDB(b, "bench_collection", equipmentSQL)
	req := source.Request{Shape: equipmentShape(b), Query: "SELECT * FROM assets", Now: now}
	for b.Loop() {
		if _, err := pg.Aggregate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
