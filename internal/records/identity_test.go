package records

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"
)

// countAndAdd passes the references through agg as the CSV reader does:
// every record counted, then every record added. A nil reference is NULL.
func countAndAdd(agg *Aggregator, refs []any) Result {
	recs := make([]Record, len(refs))
	for i, ref := range refs {
		raw, _ := ref.(string)
		recs[i] = Record{ParseCell(Column{Type: TypeText}, raw), Str("a"), {}}
	}
	for _, r := range recs {
		agg.CountIdentity(r)
	}
	for _, r := range recs {
		agg.Add(r)
	}
	return agg.Result()
}

// TestDuplicatesExactAmongMany hides three copied references among 10,000
// unique ones: D1 and D2 twice each, D3 three times, spread through the
// records. Every copy is rejected, 2 + 2 + 3 = 7, and nothing else: the
// 10,000 unique references are accepted, in group a.
func TestDuplicatesExactAmongMany(t *testing.T) {
	var refs []any
	for i := range 10_000 {
		refs = append(refs, fmt.Sprintf("U%05d", i))
		switch i {
		case 0, 9_999:
			refs = append(refs, "D1")
		case 1_000, 5_000:
			refs = append(refs, "D2")
		case 2_000, 4_000, 8_000:
			refs = append(refs, "D3")
		}
	}
	got := describe(countAndAdd(refShape().NewAggregator(Env{Now: uniqueNow}), refs))
	want := []string{`"" ["a"] 10000 [NaN]`, `"duplicate_ref" [""] 7 [NaN]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDuplicatesOnHashCollision shows what meeting hashes do, with a hash so
// weak that references of one length meet: R1 and R2 are taken for copies
// of each other, though neither is copied; R10, alone of its length, and
// the two references of NULL are no copies.
func TestDuplicatesOnHashCollision(t *testing.T) {
	agg := refShape().NewAggregator(Env{Now: uniqueNow})
	agg.hash = func(value []byte) idHash { return idHash{uint64(len(value))} }
	got := describe(countAndAdd(agg, []any{"R1", "R2", "R10", nil, nil}))
	want := []string{`"" ["a"] 1 [NaN]`, `"duplicate_ref" [""] 2 [NaN]`, `"missing_ref" [""] 2 [NaN]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// BenchmarkCountIdentityMemory counts the identities of a training export of
// 80,000 people with 8 courses each (640,000 records, a two-column identity)
// and reports, per record, the heap they hold until the first Add and the
// bytes allocated to count them.
func BenchmarkCountIdentityMemory(b *testing.B) {
	s := NewShape([]Column{
		{Name: "person", Type: TypeText, Required: true},
		{Name: "course", Type: TypeText, Required: true},
	})
	s.Unique("duplicate_requirement", "person", "course")
	courses := []string{"security_awareness", "sems_induction", "insider_risk", "export_control",
		"classified_handling", "visitor_escort", "incident_reporting", "travel_briefing"}
	people := make([]string, 80_000)
	for i := range people {
		people[i] = fmt.Sprintf("P%07d", i+1)
	}
	n := len(people) * len(courses)
	rec := Record{{Kind: KindString}, {Kind: KindString}}
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		agg := s.NewAggregator(Env{})
		for _, p := range people {
			for _, c := range courses {
				rec[0].S, rec[1].S = p, c
				agg.CountIdentity(rec)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(agg)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "live-B/record")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "alloc-B/record")
}
