package snapshot

import (
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/promtest"
)

// TestLocksReleasedCounter: the advisory locks a family's collections left
// held are counted for the families that read a database, from 0, across
// failures and a reload that drops the family's values, and counting them
// is no collection.
func TestLocksReleasedCounter(t *testing.T) {
	const (
		db    = `sems_collection_source_advisory_locks_released_total{family="incidents",source="db"}`
		files = `sems_collection_source_advisory_locks_released_total{family="equipment",source="files"}`
		runs  = `sems_collections_total{family="incidents",source="db"}`
	)
	s := New()
	parts := func(basis string) []Part {
		return []Part{{Name: "incidents", Source: "db", Database: true, Basis: basis}, {Name: "equipment", Source: "files"}}
	}
	got := func() map[string]float64 {
		t.Helper()
		mfs, err := s.Gather()
		if err != nil {
			t.Fatal(err)
		}
		return promtest.Flatten(mfs)
	}
	s.Configure(parts("a"))
	if m := got(); m[db] != 0 {
		t.Errorf("before any collection: %s = %v, want 0", db, m[db])
	} else if _, ok := m[files]; ok {
		t.Errorf("%s is served for a CSV family", files)
	}
	s.LocksReleased("incidents", 2)
	s.Failed("incidents", time.Second)
	s.LocksReleased("incidents", 1)
	s.Configure(parts("b")) // another source: the values go, the counters stay
	// 2 + 1 locks, in one counted collection.
	if m := got(); m[db] != 3 || m[runs] != 1 {
		t.Errorf("%s = %v, %s = %v; want 3 and 1", db, m[db], runs, m[runs])
	}
}
