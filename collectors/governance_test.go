package collectors

import (
	"strings"
	"testing"
	"time"
)

const governanceCSV = `activity_ref,site,kind,planned_for,completed_at
A1,north,security_policy_review,2026-02-01,2026-01-25T10:00:00Z
A2,north,risk_register_review,2026-03-01,
A3,north,risk_register_review,2025-02-01,2025-02-10
A4,north,internal_audit,2026-06-15,
A5,north,internal_audit,2026-01-20,2026-02-05
A6,north,emergency_exercise,2026-03-10,
O1,,management_review,2026-01-31,2026-01-31T09:00:00Z
O2,,external_audit,,2024-06-01
O3,,management_review,2025-12-15,2026-01-10
S1,south,sems_training_review,2026-02-10,
R1,north,fire_drill,2026-02-01,
R2,north,internal_audit,,
R3,north,internal_audit,2026-02-01,2026-03-10T12:05:01Z
R4,north,internal_audit,2026-02-01,
R4,north,internal_audit,2026-02-02,
R5,west,internal_audit,2026-02-01,
`

func TestGovernance(t *testing.T) {
	f := governance{}
	got, rejected := collect(t, f, testSettings(f, "north", "south"), governanceCSV)
	// testNow is 2026-03-10T12:00Z; the financial year is 2026 (January).
	expect(t, got, map[string]float64{
		// A1: 2026-01-25T10:00 to now is 44 d 2 h = 3801600 + 7200.
		`sems_governance_last_completed_age_seconds{kind="security_policy_review",site="north"}`: 44*86400 + 7200,
		`sems_governance_interval_exceeded{kind="security_policy_review",site="north"}`:          0,
		// A3, the last completed, on 2025-02-10T00:00: 393 d 12 h, beyond
		// 365 d.
		`sems_governance_last_completed_age_seconds{kind="risk_register_review",site="north"}`: 393*86400 + 43200,
		`sems_governance_interval_exceeded{kind="risk_register_review",site="north"}`:          1,
		// A2, planned for 2026-03-01 and not done.
		`sems_governance_overdue{kind="risk_register_review",site="north"}`:           1,
		`sems_governance_planned_this_year{kind="risk_register_review",site="north"}`: 1,
		`sems_governance_due_this_year{kind="risk_register_review",site="north"}`:     1,
		// A4 (June) and A5 (January) planned this year; A5 alone due, and
		// completed late (2026-02-05 after 2026-01-20).
		`sems_governance_planned_this_year{kind="internal_audit",site="north"}`:           2,
		`sems_governance_due_this_year{kind="internal_audit",site="north"}`:               1,
		`sems_governance_completed_on_time_this_year{kind="internal_audit",site="north"}`: 0,
		`sems_governance_completed_this_year{kind="internal_audit",site="north"}`:         1,
		`sems_governance_overdue{kind="internal_audit",site="north"}`:                     0,
		// A6 is planned for today, due at the end of it: neither due nor
		// overdue; never completed, so past its interval.
		`sems_governance_due_this_year{kind="emergency_exercise",site="north"}`:     0,
		`sems_governance_overdue{kind="emergency_exercise",site="north"}`:           0,
		`sems_governance_interval_exceeded{kind="emergency_exercise",site="north"}`: 1,
		// Organisation-wide: O1 completed 2026-01-31T09:00, on its planned
		// day: 38 d 3 h ago, on time. O3 was planned last year.
		`sems_governance_last_completed_age_seconds{kind="management_review",site="organisation"}`:  38*86400 + 10800,
		`sems_governance_completed_on_time_this_year{kind="management_review",site="organisation"}`: 1,
		`sems_governance_due_this_year{kind="management_review",site="organisation"}`:               1,
		// O2, unplanned, 2024-06-01 to 2026-03-10T12:00: 365 + 273 + 9.5 d,
		// within the external audit's 3 years.
		`sems_governance_last_completed_age_seconds{kind="external_audit",site="organisation"}`: 647.5 * 86400,
		`sems_governance_interval_exceeded{kind="external_audit",site="organisation"}`:          0,
		`sems_governance_planned_this_year{kind="external_audit",site="organisation"}`:          0,
		`sems_governance_overdue{kind="sems_training_review",site="south"}`:                     1,
		`sems_governance_max_interval_seconds{kind="external_audit"}`:                           3 * 365 * 86400,
		`sems_governance_max_interval_seconds{kind="management_review"}`:                        365 * 86400,
		// Headline: north on time A1 of due A1, A2, A5: 1/3, red; the
		// organisation-wide 1/1; south 0/1. Organisation (1 + 1 + 0) /
		// (3 + 1 + 1) = 0.4, red.
		`sems_kpi_ratio{kpi="governance_on_time",site="north"}`:        1.0 / 3,
		`sems_kpi_rag_status{kpi="governance_on_time",site="north"}`:   RAGRed,
		`sems_kpi_ratio{kpi="governance_on_time",site="organisation"}`: 1,
		`sems_kpi_ratio{kpi="governance_on_time",site="south"}`:        0,
		`sems_kpi_organisation_ratio{kpi="governance_on_time"}`:        0.4,
		`sems_kpi_organisation_rag_status{kpi="governance_on_time"}`:   RAGRed,
	})
	expectAbsent(t, got,
		// S1 never completed: no age.
		`sems_governance_last_completed_age_seconds{kind="sems_training_review",site="south"}`,
		`sems_governance_overdue{kind="internal_audit",site="west"}`)
	expect(t, rejected, map[string]float64{
		"unknown_kind": 1, "neither_planned_nor_completed": 1, "future_completed_at": 1,
		"duplicate_activity_ref": 2, "unknown_site": 1,
	})
	if len(rejected) != 5 {
		t.Errorf("rejected = %v, want exactly the 5 reasons above", rejected)
	}
}

// A financial year starting in April: at 2026-03-10 it is FY2025, April
// 2025 to March 2026, taken from the organisation's calendar.
func TestGovernanceFinancialYear(t *testing.T) {
	f := governance{}
	s := testSettings(f, "north", "south")
	s.Calendar.FirstMonth = time.April
	got, _ := collect(t, f, s, governanceCSV)
	expect(t, got, map[string]float64{
		// A2 (March 2026) in the year, A3 (February 2025) before it.
		`sems_governance_planned_this_year{kind="risk_register_review",site="north"}`: 1,
		// A5 (January 2026) in it, A4 (June 2026) in the next.
		`sems_governance_planned_this_year{kind="internal_audit",site="north"}`: 1,
		// O3 (December 2025, completed late) and O1 (on time) are both in
		// it now.
		`sems_governance_due_this_year{kind="management_review",site="organisation"}`:               2,
		`sems_governance_completed_on_time_this_year{kind="management_review",site="organisation"}`: 1,
		// (1 + 1 + 0) / (3 + 2 + 1) = 1/3.
		`sems_kpi_organisation_ratio{kpi="governance_on_time"}`: 1.0 / 3,
	})
}

func TestGovernanceValidateSettings(t *testing.T) {
	f := governance{}
	for _, tc := range []struct {
		name  string
		sites []string
		edit  func(*Settings)
		want  string
	}{
		{"defaults", []string{"north"}, func(*Settings) {}, ""},
		{"a site named organisation", []string{"north", "organisation"}, func(*Settings) {}, "label of what belongs to the whole organisation"},
		{"a kind without interval", []string{"north"}, func(s *Settings) {
			s.Vocabulary["kind"] = []string{"internal_audit", "board_review"}
		}, `no interval for kind "board_review"`},
		{"an interval of no kind", []string{"north"}, func(s *Settings) {
			s.Options.(*governanceOptions).MaxInterval["board_reveiw"] = 1
		}, `"board_reveiw" is not a kind`},
	} {
		s := testSettings(f, tc.sites...)
		tc.edit(s)
		err := f.ValidateSettings(s)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: ValidateSettings() = %v, want %q", tc.name, err, tc.want)
		}
	}
}
