package collectors

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

const capaHeader = "action_ref,site,kind,origin,priority,raised_at,due_at,closed_at,effectiveness_reviewed_at\n"

func TestCapa(t *testing.T) {
	var b strings.Builder
	b.WriteString(capaHeader)
	// testNow is 2026-03-10T12:00:00Z; 30 days before is 2026-02-08T12:00Z,
	// 60 days 2026-01-09T12:00Z, 90 days 2025-12-10T12:00Z.
	b.WriteString(`N1,north,corrective,audit,high,2026-02-08T13:00:00+01:00,2026-03-10T12:00:00Z,,
N2,north,corrective,incident,high,2026-02-08T11:59:59Z,2026-03-01T00:00:00Z,,
N3,north,corrective,covert_test,high,2025-12-01T00:00:00-05:00,2026-01-01T00:00:00Z,,
N4,north,corrective,audit,high,2026-01-05T00:00:00Z,2026-02-05T00:00:00Z,2026-02-05T01:00:00+01:00,
N5,north,corrective,inspection,high,2026-01-01T00:00:00Z,2026-01-31T00:00:00Z,2026-02-01T00:00:00Z,2026-02-01T01:00:00+01:00
N6,north,corrective,audit,high,2025-11-01T00:00:00Z,2025-12-31T00:00:00Z,2025-12-10T12:00:00Z,2025-12-20T00:00:00Z
N7,north,corrective,management_review,high,2025-11-01T00:00:00Z,2025-12-31T00:00:00Z,2025-12-10T11:59:59Z,
N8,north, Preventive ,Staff_Report,LOW,2026-01-09T12:00:00Z,2026-03-17T12:00:00Z,,
N9,north,preventive,management_review,low,2025-12-10T12:00:00Z,2026-03-17T12:00:01Z,,
S1,south,corrective,incident,medium,2026-03-10T12:05:00Z,2026-04-10T00:00:00Z,,
S2,south,corrective,audit,medium,2026-02-01T00:00:00Z,2026-02-20T00:00:00Z,2026-02-19T23:00:00-02:00,2026-02-21T00:00:00Z
S3,south,corrective,inspection,medium,2026-02-01T00:00:00Z,2026-02-20T00:00:00Z,2026-02-20T00:30:00+01:00,
R1,north,improvement,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,,
R2,north,corrective,audit,urgent,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,,
R3,north,corrective,hearsay,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,,
R4,west,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,,
,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,,
R6,north,corrective,audit,high,2026-02-01T00:00:00Z,,,
R7,north,corrective,audit,high,soon,2026-03-01T00:00:00Z,,
R8,north,corrective,audit,high,2026-03-10T12:05:01Z,2026-04-01T00:00:00Z,,
R9,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,2026-03-11T00:00:00Z,
R10,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,2026-02-10T00:00:00Z,2026-03-12T00:00:00Z
R11,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-01-31T23:59:59Z,,
R12,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,2026-01-31T00:00:00Z,
R13,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,2026-02-10T00:00:00Z,2026-02-09T23:59:59Z
R14,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,,2026-02-09T00:00:00Z
R15,north,corrective,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,n/a,
R16,north,corrective
`)
	for i := range 8 {
		fmt.Fprintf(&b, "S%d,south,preventive,audit,high,2026-02-01T00:00:00Z,2026-03-01T00:00:00Z,2026-02-15T00:00:00Z,2026-02-20T00:00:00Z\n", 100+i)
	}
	f := capa{}
	s := testSettings(f, "north", "south", "harbour")
	s.SiteTargets["south"].(*capaTargets).OverdueAgeThreshold = model.Duration(30 * 24 * time.Hour)
	s.SiteTargets["harbour"].(*capaTargets).ClosedOnTime = RatioTarget{Green: 0.85, Amber: 0.70}
	got, rejected := collect(t, f, s, b.String())

	expect(t, got, map[string]float64{
		// north/corrective/high open: N1 raised 13:00+01:00 = 12:00Z, exactly
		// 30 d = 2592000 s old, stays in 0-30d; N2 is 1 s older, 31-60d; N3
		// raised 2025-12-01T05:00Z is 99 d 7 h old, over-90d.
		`sems_capa_open{age_band="0-30d",kind="corrective",priority="high",site="north"}`:    1,
		`sems_capa_open{age_band="31-60d",kind="corrective",priority="high",site="north"}`:   1,
		`sems_capa_open{age_band="61-90d",kind="corrective",priority="high",site="north"}`:   0,
		`sems_capa_open{age_band="over-90d",kind="corrective",priority="high",site="north"}`: 1,
		// N1 is due exactly now: not overdue but due soon. N2 and N3 overdue.
		`sems_capa_overdue{kind="corrective",priority="high",site="north"}`:  2,
		`sems_capa_due_soon{kind="corrective",priority="high",site="north"}`: 1,
		// Oldest overdue: N3, 99*86400 + 7*3600 = 8578800 s (N2: 2592001).
		`sems_capa_overdue_oldest_age_seconds{kind="corrective",priority="high",site="north"}`: 8578800,
		// Longest overdue: N3 due 2026-01-01, 31+28+9 d 12 h = 68*86400 + 43200
		// = 5918400 s (N2 due 2026-03-01: 9 d 12 h = 820800 s).
		`sems_capa_overdue_longest_seconds{kind="corrective",priority="high",site="north"}`: 5918400,
		// Closed in the 90 d window: N4 (33.5 d ago), N5, and N6 closed exactly
		// 90 d ago; N7, 1 s earlier, is outside. On time: N4 (closed
		// 01:00+01:00, exactly its due time) and N6; N5 a day late. 2/3.
		`sems_capa_closed_in_window{kind="corrective",priority="high",site="north"}`:         3,
		`sems_capa_closed_on_time_in_window{kind="corrective",priority="high",site="north"}`: 2,
		`sems_capa_closed_on_time_ratio{kind="corrective",priority="high",site="north"}`:     2.0 / 3,
		// north/preventive/low (N8 normalised from " Preventive " and "LOW"):
		// N8 exactly 60 d old is 31-60d, N9 exactly 90 d is 61-90d. N8 due in
		// exactly 7 d is due soon, N9 due in 7 d 1 s is not.
		`sems_capa_open{age_band="0-30d",kind="preventive",priority="low",site="north"}`:      0,
		`sems_capa_open{age_band="31-60d",kind="preventive",priority="low",site="north"}`:     1,
		`sems_capa_open{age_band="61-90d",kind="preventive",priority="low",site="north"}`:     1,
		`sems_capa_open{age_band="over-90d",kind="preventive",priority="low",site="north"}`:   0,
		`sems_capa_due_soon{kind="preventive",priority="low",site="north"}`:                   1,
		`sems_capa_overdue{kind="preventive",priority="low",site="north"}`:                    0,
		`sems_capa_overdue_oldest_age_seconds{kind="preventive",priority="low",site="north"}`: 0,
		`sems_capa_overdue_longest_seconds{kind="preventive",priority="low",site="north"}`:    0,
		`sems_capa_closed_in_window{kind="preventive",priority="low",site="north"}`:           0,
		// south/corrective/medium: S1 raised exactly 5 min ahead (the
		// tolerance) is accepted, age -300 s, in 0-30d. S2 closed
		// 23:00-02:00 = 2026-02-20T01:00Z, after its due time; S3 closed
		// 00:30+01:00 = 2026-02-19T23:30Z, before it. 1/2.
		`sems_capa_open{age_band="0-30d",kind="corrective",priority="medium",site="south"}`:    1,
		`sems_capa_closed_in_window{kind="corrective",priority="medium",site="south"}`:         2,
		`sems_capa_closed_on_time_in_window{kind="corrective",priority="medium",site="south"}`: 1,
		`sems_capa_closed_on_time_ratio{kind="corrective",priority="medium",site="south"}`:     0.5,
		`sems_capa_closed_on_time_ratio{kind="preventive",priority="high",site="south"}`:       1, // S100-S107: 8/8
		`sems_capa_open{age_band="0-30d",kind="preventive",priority="high",site="south"}`:      0,
		// Priorities and origins without records are zero-filled for a site
		// and kind with any.
		`sems_capa_open{age_band="over-90d",kind="corrective",priority="low",site="north"}`: 0,
		`sems_capa_overdue{kind="corrective",priority="medium",site="north"}`:               0,
		`sems_capa_closed_in_window{kind="preventive",priority="medium",site="south"}`:      0,
		`sems_capa_raised_total{kind="preventive",origin="audit",site="north"}`:             0,
		// Raised: every accepted record, open or closed, in or out of window.
		`sems_capa_raised_total{kind="corrective",origin="audit",site="north"}`:             3, // N1, N4, N6
		`sems_capa_raised_total{kind="corrective",origin="management_review",site="north"}`: 1, // N7
		`sems_capa_raised_total{kind="preventive",origin="staff_report",site="north"}`:      1, // N8
		`sems_capa_raised_total{kind="preventive",origin="audit",site="south"}`:             8,
		// Awaiting review: N4 and N7 (out of window still counts); N5 was
		// reviewed at the instant it closed (01:00+01:00), which is allowed.
		`sems_capa_awaiting_effectiveness_review{kind="corrective",site="north"}`: 2,
		`sems_capa_awaiting_effectiveness_review{kind="preventive",site="north"}`: 0,
		`sems_capa_awaiting_effectiveness_review{kind="corrective",site="south"}`: 1, // S3
		// The threshold per site: default 90 d = 7776000 s, south 30 d.
		`sems_capa_overdue_age_threshold_seconds{site="north"}`:   7776000,
		`sems_capa_overdue_age_threshold_seconds{site="south"}`:   2592000,
		`sems_capa_overdue_age_threshold_seconds{site="harbour"}`: 7776000,
		`sems_capa_window_seconds{}`:                              7776000,
		// Headline: north 2/3 = 0.667, red (< 0.80); south (1+8)/(2+8) = 0.9,
		// exactly green.
		`sems_kpi_ratio{kpi="capa_on_time",site="north"}`:      2.0 / 3,
		`sems_kpi_rag_status{kpi="capa_on_time",site="north"}`: RAGRed,
		`sems_kpi_ratio{kpi="capa_on_time",site="south"}`:      0.9,
		`sems_kpi_rag_status{kpi="capa_on_time",site="south"}`: RAGGreen,
		// Organisation: (2+9)/(3+10) = 11/13 = 0.846, amber; the mean of the
		// site ratios (0.783) would be red.
		`sems_kpi_organisation_ratio{kpi="capa_on_time"}`:                      11.0 / 13,
		`sems_kpi_organisation_rag_status{kpi="capa_on_time"}`:                 RAGAmber,
		`sems_kpi_target_ratio{kpi="capa_on_time",rag="green",site="north"}`:   0.90,
		`sems_kpi_target_ratio{kpi="capa_on_time",rag="amber",site="north"}`:   0.80,
		`sems_kpi_target_ratio{kpi="capa_on_time",rag="green",site="harbour"}`: 0.85,
		`sems_kpi_organisation_target_ratio{kpi="capa_on_time",rag="green"}`:   0.90,
	})
	expectAbsent(t, got,
		// Nothing closed in the window, so no ratio is made up.
		`sems_capa_closed_on_time_ratio{kind="preventive",priority="low",site="north"}`,
		`sems_capa_closed_on_time_ratio{kind="corrective",priority="low",site="north"}`,
		`sems_capa_open{age_band="0-30d",kind="corrective",priority="high",site="west"}`,
		// harbour has no records: targets only.
		`sems_kpi_ratio{kpi="capa_on_time",site="harbour"}`,
		`sems_capa_awaiting_effectiveness_review{kind="corrective",site="harbour"}`,
		`sems_capa_raised_total{kind="corrective",origin="audit",site="harbour"}`,
		`sems_capa_overdue{kind="corrective",priority="high",site="harbour"}`)
	expect(t, rejected, map[string]float64{
		"unknown_kind": 1, "unknown_priority": 1, "unknown_origin": 1, "unknown_site": 1,
		"missing_action_ref": 1, "missing_due_at": 1, "invalid_raised_at": 1, "invalid_closed_at": 1,
		"future_raised_at": 1, "future_closed_at": 1, "future_effectiveness_reviewed_at": 1,
		"due_before_raised": 1, "closed_before_raised": 1,
		"reviewed_before_closed": 2, // R13 reviewed 1 s before closing, R14 reviewed while open
		"malformed_row":          1,
	})
	if len(rejected) != 15 {
		t.Errorf("rejected = %v, want exactly the 15 reasons above", rejected)
	}
}

func TestCapaOptions(t *testing.T) {
	f := capa{}
	s := testSettings(f, "north")
	opts := s.Options.(*capaOptions)
	opts.Window = model.Duration(30 * 24 * time.Hour)
	opts.DueSoon = model.Duration(24 * time.Hour)
	got, _ := collect(t, f, s, capaHeader+`A,north,corrective,audit,high,2026-01-01T00:00:00Z,2026-03-01T00:00:00Z,2026-02-08T12:00:00Z,
B,north,corrective,audit,high,2026-01-01T00:00:00Z,2026-03-01T00:00:00Z,2026-02-08T11:59:59Z,
C,north,corrective,audit,high,2026-03-01T00:00:00Z,2026-03-11T12:00:00Z,,
D,north,corrective,audit,high,2026-03-01T00:00:00Z,2026-03-11T12:00:01Z,,
`)
	expect(t, got, map[string]float64{
		// A closed exactly 30 d ago is in the window, B 1 s earlier is not.
		`sems_capa_closed_in_window{kind="corrective",priority="high",site="north"}`: 1,
		// C due in exactly 1 d is due soon, D 1 s later is not.
		`sems_capa_due_soon{kind="corrective",priority="high",site="north"}`: 1,
		`sems_capa_window_seconds{}`:                                         2592000,
	})
}

func TestCapaEmpty(t *testing.T) {
	f := capa{}
	got, rejected := collect(t, f, testSettings(f, "north"), capaHeader)
	// No actions: targets and settings are still exposed, nothing else.
	expect(t, got, map[string]float64{
		`sems_kpi_target_ratio{kpi="capa_on_time",rag="green",site="north"}`: 0.90,
		`sems_capa_overdue_age_threshold_seconds{site="north"}`:              7776000,
		`sems_capa_window_seconds{}`:                                         7776000,
		`sems_capa_due_soon_horizon_seconds{}`:                               604800, // 7 d
	})
	expectAbsent(t, got,
		`sems_kpi_ratio{kpi="capa_on_time",site="north"}`,
		`sems_kpi_organisation_ratio{kpi="capa_on_time"}`,
		`sems_kpi_organisation_rag_status{kpi="capa_on_time"}`)
	if len(got) != 7 {
		t.Errorf("got %d samples %v, want only the 7 target and setting samples", len(got), got)
	}
	if len(rejected) != 0 {
		t.Errorf("rejected = %v, want none", rejected)
	}
}

func TestCapaValidate(t *testing.T) {
	f := capa{}
	if err := f.NewOptions().(*capaOptions).Validate(); err != nil {
		t.Errorf("default options: %v", err)
	}
	if err := f.NewTargets().(*capaTargets).Validate(); err != nil {
		t.Errorf("default targets: %v", err)
	}
	for _, o := range []capaOptions{{Window: 0, DueSoon: 1}, {Window: 1, DueSoon: -1}} {
		if o.Validate() == nil {
			t.Errorf("options %+v accepted, want an error", o)
		}
	}
	for _, tg := range []capaTargets{
		{ClosedOnTime: RatioTarget{Green: 0.9, Amber: 0.8}},
		{ClosedOnTime: RatioTarget{Green: 0.8, Amber: 0.9}, OverdueAgeThreshold: 1},
	} {
		if tg.Validate() == nil {
			t.Errorf("targets %+v accepted, want an error", tg)
		}
	}
}
