package bench_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/bench"
	"github.com/sems-exporter/sems_exporter/collectors"
)

// TestPipeline runs the whole benchmark at 0.01x so that it cannot rot: the
// dataset loaded with COPY and written as CSV, the floor timed with psql,
// the exporter binary collecting, scraped and measured. It checks that the
// report is complete and consistent, never how fast anything was.
func TestPipeline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log strings.Builder
	rep, err := bench.Run(ctx, bench.Options{
		Root: "..", Scales: []float64{0.01}, Main: 0.01, Seed: 1, Runs: 1, Budget: time.Minute,
		ScrapeFor: 500 * time.Millisecond, Concurrency: []int{1, 4}, CSV: true, Periods: true, Log: &log,
	})
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, log.String())
	}
	t.Logf("progress:\n%s", log.String())

	if len(rep.Scales) != 1 {
		t.Fatalf("%d scales reported, want 1", len(rep.Scales))
	}
	s := rep.Scales[0]
	// At 0.01x: 10,000 assets -> 100; 250,000 incidents -> 2,500; 50,000
	// actions -> 500; 80,000 staff -> 800, times 8 courses -> 6,400
	// requirements; 20,000 tests -> 200; 100,000 reports -> 1,000; 1,400
	// governance activities -> 14; 12,000 provider returns -> 120; 800
	// self-assessments -> 8, times 43 answers -> 344. In all 11,178.
	want := map[string]int{"equipment": 100, "incidents": 2500, "capa": 500, "training": 6400, "covert_tests": 200,
		"reporting": 1000, "governance": 14, "providers": 120, "self_assessment": 344}
	if s.Records != 11178 {
		t.Errorf("%d records loaded, want 11178", s.Records)
	}
	if len(s.Family) != len(collectors.Names()) {
		t.Fatalf("%d families measured, want %d", len(s.Family), len(collectors.Names()))
	}
	for _, f := range s.Family {
		if f.Records != want[f.Family] || f.Read != float64(want[f.Family]) {
			t.Errorf("%s: %d records loaded and %g read by the exporter, want %d", f.Family, f.Records, f.Read, want[f.Family])
		}
		if len(f.Floor) != 1 || len(f.Exporter) != 1 || !positive(f.FloorMedian) || !positive(f.ExporterMedian) || !positive(f.Ratio) {
			t.Errorf("%s: timings %v (floor) and %v (exporter), ratio %g", f.Family, f.Floor, f.Exporter, f.Ratio)
		}
	}
	if !positive(s.Total.Ratio) || s.Total.Records != 11178 {
		t.Errorf("total: %+v", s.Total)
	}
	if !positive(s.PeakRSS) || s.Series.SeMS == 0 || s.Series.All <= s.Series.SeMS {
		t.Errorf("peak RSS %g, series %+v", s.PeakRSS, s.Series)
	}
	if s.Series.RecordLabels != 0 {
		t.Errorf("%d label values look like record references", s.Series.RecordLabels)
	}

	// The families that count records by month: their period indicators
	// are measured, with, without and their floor once each, and the
	// hand-written floors of period-floors run too. A time may be 0 at
	// 0.01x (the clock counts 10 ms), never less.
	var periodFamilies, handFloors []string
	for _, p := range s.Periods {
		periodFamilies = append(periodFamilies, p.Family)
		if len(p.With) != 1 || len(p.Without) != 1 || len(p.Floor) != 1 || p.WithMedian < 0 || p.WithoutMedian < 0 || p.FloorMedian < 0 {
			t.Errorf("periods of %s: %+v", p.Family, p)
		}
		if len(p.HandFloor) == 1 && p.HandFloorMedian >= 0 {
			handFloors = append(handFloors, p.Family)
		}
	}
	if want := []string{"capa", "covert_tests", "incidents", "training"}; !slices.Equal(handFloors, want) {
		t.Errorf("hand-written floors measured for %v, want %v", handFloors, want)
	}
	if want := []string{"capa", "covert_tests", "incidents", "providers", "reporting", "training"}; !slices.Equal(periodFamilies, want) {
		t.Errorf("period indicators measured for %v, want %v", periodFamilies, want)
	}
	if ser := s.Series; ser.KPIPeriod == 0 || ser.KPIPeriod > ser.KPIPeriodBound || ser.Period < ser.KPIPeriod {
		t.Errorf("period series: %+v", ser)
	}

	sr := rep.Scrapes
	if sr == nil || len(sr.Phases) != 2 {
		t.Fatalf("scrape phases: %+v", sr)
	}
	for _, ph := range sr.Phases {
		if ph.HTTP.N == 0 || ph.Errors != 0 || ph.Baseline.N == 0 || !positive(ph.P99Ratio) || !positive(ph.PeakRSS) {
			t.Errorf("%d scrapers: %+v", ph.Concurrency, ph)
		}
	}
	q := sr.Queries
	// Every aggregate query is a collection's, give or take the collections
	// in flight when the phases began and ended; a collection runs 6
	// statements (BEGIN, the settings, the column probe, the aggregate,
	// ROLLBACK, the role and lock check). A scrape that reached the
	// database would add to both.
	if q.Scrapes == 0 || math.Abs(q.Aggregates-q.Collections) > float64(q.InFlight) || q.Statements > 6*(q.Collections+float64(q.InFlight)) {
		t.Errorf("source queries during the scrape phases: %+v", q)
	}

	if rep.CSV == nil || len(rep.CSV.Family) != len(collectors.Names()) || !rep.CSV.SameRecords {
		t.Errorf("CSV: %+v", rep.CSV)
	}
	md := rep.Markdown()
	for _, part := range []string{"| 0.01x | **total** | 11,178 |  |", "### /metrics under concurrent scrapers", "Same records read and rejected from CSV as from PostgreSQL: true.", "### Period indicators: their cost against their floor"} {
		if !strings.Contains(md, part) {
			t.Errorf("the report lacks %q:\n%s", part, md)
		}
	}
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
