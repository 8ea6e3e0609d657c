package collectors

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

// indicatorSettings are an indicator's settings with organisation-wide
// levels and, for some sites, their own.
func indicatorSettings(f Family, sites []string, green, amber float64, site map[string][2]float64) *Settings {
	s := testSettings(f, sites...)
	t := s.Targets.(*IndicatorTargets)
	t.Green, t.Amber = green, amber
	for _, name := range sites {
		st := s.SiteTargets[name].(*IndicatorTargets)
		st.Green, st.Amber = green, amber
		if l, ok := site[name]; ok {
			st.Green, st.Amber = l[0], l[1]
		}
	}
	return s
}

// A share over a 30-day window with a breakdown. testNow is
// 2026-03-10T12:00:00Z; 30 days earlier is 2026-02-08T12:00:00Z (28 days of
// February 2026 take Feb 8 to Mar 8, two more to Mar 10).
func TestIndicatorShare(t *testing.T) {
	f := NewIndicator(IndicatorDefinition{
		Name: "gate_checks", Title: "Gate checks passed", Description: "Share of gate checks passed.",
		Measure: MeasureShare, Unit: UnitRatio, Window: 30 * day,
		Breakdown: &Breakdown{Title: "Zone", Values: []string{"landside", "airside"}},
	})
	s := indicatorSettings(f, []string{"north", "south"}, 0.9, 0.8, map[string][2]float64{"south": {0.6, 0.5}})
	got, rejected := collect(t, f, s, `ref,site,at,breakdown,met
G1,north,2026-03-01T00:00:00Z,landside,true
G2,north,2026-03-02T00:00:00Z,landside,false
G3,north,2026-03-03T00:00:00Z,Airside,yes
G4,north,2026-02-08T12:00:00Z,airside,true
G5,north,2026-02-08T11:59:59Z,airside,false
G6,south,2026-03-05T00:00:00Z,landside,true
G7,south,2026-03-06T00:00:00Z,landside,false
,south,2026-03-08T00:00:00Z,airside,true
G8,north,2026-03-01T00:00:00Z,tunnel,true
G9,north,2026-03-01T00:00:00Z,airside,maybe
G10,north,,airside,true
G11,north,2026-03-10T12:06:00Z,airside,true
G12,south,2026-03-07T00:00:00Z,airside,true
G12,south,2026-03-07T00:00:00Z,airside,true
G13,west,2026-03-07T00:00:00Z,airside,true
`)
	expect(t, got, map[string]float64{
		// north in the window: G1, G3 and G4 (exactly 30 days old) met, G2
		// did not; G5 is one second too old. 3/4 = 0.75, below amber 0.8.
		`sems_kpi_numerator{kpi="gate_checks",site="north"}`:   3,
		`sems_kpi_denominator{kpi="gate_checks",site="north"}`: 4,
		`sems_kpi_ratio{kpi="gate_checks",site="north"}`:       0.75,
		`sems_kpi_rag_status{kpi="gate_checks",site="north"}`:  RAGRed,
		// south: G6 and the record without a reference met, G7 did not:
		// 2/3, green against south's own 0.6.
		`sems_kpi_ratio{kpi="gate_checks",site="south"}`:                                  2.0 / 3,
		`sems_kpi_rag_status{kpi="gate_checks",site="south"}`:                             RAGGreen,
		`sems_kpi_target_ratio{kpi="gate_checks",rag="green",site="south"}`:               0.6,
		`sems_kpi_target_ratio{kpi="gate_checks",rag="amber",site="north"}`:               0.8,
		`sems_kpi_organisation_target_ratio{kpi="gate_checks",rag="green"}`:               0.9,
		`sems_kpi_organisation_ratio{kpi="gate_checks"}`:                                  5.0 / 7,
		`sems_kpi_organisation_rag_status{kpi="gate_checks"}`:                             RAGRed,
		`sems_indicator_numerator{breakdown="landside",kpi="gate_checks",site="north"}`:   1,
		`sems_indicator_denominator{breakdown="landside",kpi="gate_checks",site="north"}`: 2,
		`sems_indicator_numerator{breakdown="airside",kpi="gate_checks",site="north"}`:    2,
		`sems_indicator_denominator{breakdown="airside",kpi="gate_checks",site="north"}`:  2,
		`sems_indicator_numerator{breakdown="airside",kpi="gate_checks",site="south"}`:    1,
		`sems_indicator_denominator{breakdown="landside",kpi="gate_checks",site="south"}`: 2,
		`sems_indicator_breakdown_info{kpi="gate_checks",title="Zone"}`:                   1,
		`sems_indicator_window_seconds{kpi="gate_checks"}`:                                30 * 86400,
	})
	want := map[string]float64{"unknown_breakdown": 1, "invalid_met": 1, "missing_at": 1, "future_at": 1,
		"duplicate_ref": 2, "unknown_site": 1}
	if !maps.Equal(rejected, want) {
		t.Errorf("rejected = %v, want %v", rejected, want)
	}
}

// A sum where lower is better, graded per site and, by limits of its own,
// for the organisation.
func TestIndicatorSumLowerIsBetter(t *testing.T) {
	f := NewIndicator(IndicatorDefinition{
		Name: "disruption", Title: "Disruption minutes", Description: "Minutes of disruption caused by security.",
		Measure: MeasureSum, Unit: "minutes", Direction: LowerIsBetter, Window: 30 * day,
		OrganisationTargets: &Thresholds{Green: 100, Amber: 200},
	})
	s := indicatorSettings(f, []string{"north", "south", "valley"}, 60, 120, nil)
	got, rejected := collect(t, f, s, `ref,site,at,value
D1,north,2026-03-01T00:00:00Z,45
D2,north,2026-03-05T00:00:00Z,30.5
D3,north,2026-01-01T00:00:00Z,500
D4,south,2026-03-02T00:00:00Z,2e1
D6,south,2026-03-03T00:00:00Z,NaN
D7,south,2026-03-03T00:00:00Z,1_000
D8,south,2026-03-03T00:00:00Z,
D9,valley,2025-12-01T00:00:00Z,10
`)
	expect(t, got, map[string]float64{
		// north: 45 + 30.5 = 75.5 in the window (D3 is older): above green 60,
		// within amber 120.
		`sems_kpi_value{kpi="disruption",site="north"}`:      75.5,
		`sems_kpi_rag_status{kpi="disruption",site="north"}`: RAGAmber,
		`sems_kpi_value{kpi="disruption",site="south"}`:      20,
		`sems_kpi_rag_status{kpi="disruption",site="south"}`: RAGGreen,
		// valley has a record, none in the window: 0, not a gap.
		`sems_kpi_value{kpi="disruption",site="valley"}`:                   0,
		`sems_kpi_rag_status{kpi="disruption",site="valley"}`:              RAGGreen,
		`sems_kpi_target_value{kpi="disruption",rag="green",site="north"}`: 60,
		`sems_kpi_target_value{kpi="disruption",rag="amber",site="north"}`: 120,
		`sems_kpi_organisation_value{kpi="disruption"}`:                    95.5,
		`sems_kpi_organisation_rag_status{kpi="disruption"}`:               RAGGreen,
		`sems_kpi_organisation_target_value{kpi="disruption",rag="amber"}`: 200,
		`sems_indicator_window_seconds{kpi="disruption"}`:                  30 * 86400,
	})
	expectAbsent(t, got, `sems_kpi_ratio{kpi="disruption",site="north"}`, `sems_kpi_numerator{kpi="disruption",site="north"}`,
		`sems_kpi_organisation_ratio{kpi="disruption"}`)
	want := map[string]float64{"invalid_value": 2, "missing_value": 1}
	if !maps.Equal(rejected, want) {
		t.Errorf("rejected = %v, want %v", rejected, want)
	}
}

// A trend-only count without a time: no target, no RAG, anywhere.
func TestIndicatorTrendOnlyCount(t *testing.T) {
	f := NewIndicator(IndicatorDefinition{
		Name: "reports", Title: "Reports", Description: "Reports made.",
		Measure: MeasureCount, Unit: "reports", TrendOnly: true,
		Breakdown: &Breakdown{Title: "Channel", Values: []string{"a", "b"}},
	})
	s := testSettings(f, "north", "south")
	got, _ := collect(t, f, s, "site,breakdown\nnorth,a\nnorth,a\nnorth,b\nsouth,b\n")
	expect(t, got, map[string]float64{
		`sems_kpi_value{kpi="reports",site="north"}`:                     3,
		`sems_kpi_value{kpi="reports",site="south"}`:                     1,
		`sems_kpi_organisation_value{kpi="reports"}`:                     4,
		`sems_indicator_value{breakdown="a",kpi="reports",site="north"}`: 2,
		`sems_indicator_value{breakdown="b",kpi="reports",site="north"}`: 1,
		`sems_indicator_value{breakdown="a",kpi="reports",site="south"}`: 0,
		`sems_indicator_value{breakdown="b",kpi="reports",site="south"}`: 1,
	})
	for k := range got {
		if strings.Contains(k, "rag") || strings.Contains(k, "target") || strings.Contains(k, "window") {
			t.Errorf("a trend-only indicator without a window exports %s", k)
		}
	}
}

// A ratio of per-record numerators and denominators.
func TestIndicatorRatio(t *testing.T) {
	f := NewIndicator(IndicatorDefinition{
		Name: "audits", Title: "Audits completed against plan", Description: "Audits completed over audits planned.",
		Measure: MeasureRatio, Unit: UnitRatio,
	})
	s := indicatorSettings(f, []string{"north", "south"}, 0.8, 0.6, nil)
	got, rejected := collect(t, f, s, "site,numerator,denominator\nnorth,3,4\nnorth,2,2\nnorth,5,4\nnorth,-1,4\nsouth,0,0\n")
	expect(t, got, map[string]float64{
		// north: (3 + 2) / (4 + 2) = 5/6; south planned nothing: no ratio.
		`sems_kpi_ratio{kpi="audits",site="north"}`:       5.0 / 6,
		`sems_kpi_rag_status{kpi="audits",site="north"}`:  RAGGreen,
		`sems_kpi_numerator{kpi="audits",site="south"}`:   0,
		`sems_kpi_denominator{kpi="audits",site="south"}`: 0,
		`sems_kpi_organisation_ratio{kpi="audits"}`:       5.0 / 6,
		`sems_kpi_organisation_rag_status{kpi="audits"}`:  RAGGreen,
	})
	expectAbsent(t, got, `sems_kpi_ratio{kpi="audits",site="south"}`, `sems_kpi_rag_status{kpi="audits",site="south"}`)
	want := map[string]float64{"numerator_above_denominator": 1, "negative_numerator": 1}
	if !maps.Equal(rejected, want) {
		t.Errorf("rejected = %v, want %v", rejected, want)
	}
	if reasons := f.Shape(s).Reasons(); !slices.Contains(reasons, "negative_denominator") {
		t.Errorf("reasons %v lack negative_denominator", reasons)
	}
}

func TestIndicatorTargetsValidate(t *testing.T) {
	for _, c := range []struct {
		measure      Measure
		direction    Direction
		green, amber float64
		ok           bool
	}{
		{MeasureShare, HigherIsBetter, 0.9, 0.8, true},
		{MeasureShare, HigherIsBetter, 0.8, 0.9, false},
		{MeasureShare, HigherIsBetter, 1.2, 0.9, false},
		{MeasureShare, LowerIsBetter, 0.1, 0.2, true},
		{MeasureSum, LowerIsBetter, 60, 120, true},
		{MeasureSum, LowerIsBetter, 120, 60, false},
		{MeasureSum, HigherIsBetter, 120, 60, true},
		{MeasureCount, HigherIsBetter, 5, 5, true},
	} {
		def := IndicatorDefinition{Measure: c.measure, Direction: c.direction}
		tg := NewIndicator(def).NewTargets().(*IndicatorTargets)
		tg.Green, tg.Amber = c.green, c.amber
		if err := tg.Validate(); (err == nil) != c.ok {
			t.Errorf("%s %s green %g amber %g: err = %v, want ok %v", c.measure, c.direction, c.green, c.amber, err, c.ok)
		}
	}
}
