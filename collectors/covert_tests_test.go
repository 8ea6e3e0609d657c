package collectors

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// Times are relative to testNow, 2026-03-10T12:00:00Z: 90 days earlier is
// 2025-12-10T12:00:00Z (28 days of February + 31 of January + 31 of
// December), 365 days earlier 2025-03-10T12:00:00Z, and the 14-day action
// grace ends at 2026-02-24T12:00:00Z.
func TestCovertTests(t *testing.T) {
	var b strings.Builder
	b.WriteString("test_ref,site,test_type,conducted_by,conducted_at,result,failure_cause,linked_action_ref\n")
	b.WriteString(`N1,north,screening_threat_item,regulator,2026-03-01T10:00:00Z,pass,,
N2,north,screening_threat_item,regulator,2025-12-10T12:00:00Z,fail,people,
N3,north,screening_threat_item,regulator,2025-12-10T11:59:59Z,pass,,
N4,north,screening_threat_item,internal,2026-02-24T13:00:00+01:00,fail,equipment,
N5,north,screening_threat_item,internal,2026-02-24T06:59:59-05:00,fail,procedure,CA-17
N6,north,screening_threat_item,internal,2026-02-20T00:00:00Z,fail,procedure,
N7,north,access_control,third_party,2025-03-10T12:00:00Z,fail,people,
N8,north,access_control,third_party,2024-01-01,pass,,
N9,north,access_control,third_party,2026-03-09,PASS,equipment,
N10, North ,Vehicle_Search,internal,2026-03-05 00:00:00,fail, People ,
N11,north,vehicle_search,internal,2026-03-10T12:05:00Z,pass,,
R1,west,access_control,internal,2026-03-01T00:00:00Z,pass,,
R2,north,tailgating,internal,2026-03-01T00:00:00Z,pass,,
R3,north,access_control,auditor,2026-03-01T00:00:00Z,pass,,
R4,north,access_control,internal,2026-03-01T00:00:00Z,inconclusive,,
R5,north,access_control,internal,2026-03-01T00:00:00Z,fail,,CA-9
R6,north,access_control,internal,2026-03-01T00:00:00Z,fail,weather,
R7,north,access_control,internal,2026-03-10T12:05:01Z,pass,,
,north,access_control,internal,2026-03-01T00:00:00Z,pass,,
R9,north,access_control,internal,last week,pass,,
R10,north,access_control
`)
	for i := range 9 {
		fmt.Fprintf(&b, "S%d,south,staff_search,internal,2026-03-01T00:00:00Z,pass,,\n", 100+i)
	}
	b.WriteString("S200,south,staff_search,internal,2026-03-02T00:00:00Z,fail,people,CA-1\n")

	f := covertTests{}
	s := testSettings(f, "north", "south")
	s.SiteTargets["south"] = &covertTestsTargets{Pass: RatioTarget{Green: 0.95, Amber: 0.85}}
	got, rejected := collect(t, f, s, b.String())

	expect(t, got, map[string]float64{
		// north/screening_threat_item: regulator passes N1 and N3, fails N2;
		// internal fails N4, N5, N6 and no pass, which still shows as 0.
		`sems_covert_tests_total{conducted_by="regulator",result="pass",site="north",test_type="screening_threat_item"}`: 2,
		`sems_covert_tests_total{conducted_by="regulator",result="fail",site="north",test_type="screening_threat_item"}`: 1,
		`sems_covert_tests_total{conducted_by="internal",result="pass",site="north",test_type="screening_threat_item"}`:  0,
		`sems_covert_tests_total{conducted_by="internal",result="fail",site="north",test_type="screening_threat_item"}`:  3,
		// N2 is exactly 90 days old and inside the window, N3 one second older
		// and outside it; both are inside 365 days.
		`sems_covert_tests_in_window{conducted_by="regulator",result="pass",site="north",test_type="screening_threat_item",window="90d"}`:  1,
		`sems_covert_tests_in_window{conducted_by="regulator",result="pass",site="north",test_type="screening_threat_item",window="365d"}`: 2,
		`sems_covert_tests_in_window{conducted_by="regulator",result="fail",site="north",test_type="screening_threat_item",window="90d"}`:  1,
		`sems_covert_tests_in_window{conducted_by="internal",result="fail",site="north",test_type="screening_threat_item",window="90d"}`:   3,
		`sems_covert_tests_in_window{conducted_by="internal",result="pass",site="north",test_type="screening_threat_item",window="90d"}`:   0,
		// 90d: N1 of N1, N2, N4, N5, N6 = 1/5; 365d: N1, N3 of those five and N3 = 2/6.
		`sems_covert_tests_pass_ratio{site="north",test_type="screening_threat_item",window="90d"}`:  0.2,
		`sems_covert_tests_pass_ratio{site="north",test_type="screening_threat_item",window="365d"}`: 2.0 / 6,
		// Causes: N2 people, N4 equipment, N5 and N6 procedure, in both windows.
		`sems_covert_tests_failures_in_window{failure_cause="people",site="north",test_type="screening_threat_item",window="90d"}`:     1,
		`sems_covert_tests_failures_in_window{failure_cause="equipment",site="north",test_type="screening_threat_item",window="90d"}`:  1,
		`sems_covert_tests_failures_in_window{failure_cause="procedure",site="north",test_type="screening_threat_item",window="90d"}`:  2,
		`sems_covert_tests_failures_in_window{failure_cause="procedure",site="north",test_type="screening_threat_item",window="365d"}`: 2,
		// No action: N2 (90 d old) and N6 (18.5 d); N4 (+01:00, so 12:00Z) is
		// exactly 14 days old, not more; N5 (-05:00, so 11:59:59Z) has an action.
		`sems_covert_tests_failures_without_action{site="north",test_type="screening_threat_item"}`: 2,

		// north/access_control: N7 fails exactly 365 days ago, N8 passes
		// before both windows, N9 passes with a cause that is ignored.
		`sems_covert_tests_total{conducted_by="third_party",result="pass",site="north",test_type="access_control"}`:                   2,
		`sems_covert_tests_total{conducted_by="third_party",result="fail",site="north",test_type="access_control"}`:                   1,
		`sems_covert_tests_in_window{conducted_by="third_party",result="pass",site="north",test_type="access_control",window="365d"}`: 1,
		`sems_covert_tests_in_window{conducted_by="third_party",result="fail",site="north",test_type="access_control",window="90d"}`:  0,
		`sems_covert_tests_in_window{conducted_by="third_party",result="fail",site="north",test_type="access_control",window="365d"}`: 1,
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="90d"}`:                                          1,   // N9 alone
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="365d"}`:                                         0.5, // N9 of N7, N9
		`sems_covert_tests_failures_in_window{failure_cause="equipment",site="north",test_type="access_control",window="90d"}`:        0,
		`sems_covert_tests_failures_in_window{failure_cause="people",site="north",test_type="access_control",window="90d"}`:           0,
		`sems_covert_tests_failures_in_window{failure_cause="people",site="north",test_type="access_control",window="365d"}`:          1,
		`sems_covert_tests_failures_without_action{site="north",test_type="access_control"}`:                                          1,

		// north/vehicle_search: N10 (spaces and capitals normalised) failed
		// 5.5 days ago, within the grace; N11 is 5 min ahead, within the
		// clock tolerance, and counts in the windows.
		`sems_covert_tests_failures_in_window{failure_cause="people",site="north",test_type="vehicle_search",window="90d"}`:       1,
		`sems_covert_tests_total{conducted_by="internal",result="pass",site="north",test_type="vehicle_search"}`:                  1,
		`sems_covert_tests_in_window{conducted_by="internal",result="pass",site="north",test_type="vehicle_search",window="90d"}`: 1,
		`sems_covert_tests_pass_ratio{site="north",test_type="vehicle_search",window="90d"}`:                                      0.5,
		`sems_covert_tests_failures_without_action{site="north",test_type="vehicle_search"}`:                                      0,

		// south/staff_search: 9 passes and 1 failure with an action.
		`sems_covert_tests_pass_ratio{site="south",test_type="staff_search",window="90d"}`: 0.9,
		`sems_covert_tests_failures_without_action{site="south",test_type="staff_search"}`: 0,
		`sems_covert_tests_action_grace_seconds{}`:                                         1209600, // 14 * 86400

		// Headline over 90 days: north passes N1, N9, N11 of 5 + 1 + 2 = 8
		// tests, 3/8 = 0.375, red. South 9/10 = 0.9 would be green by the
		// organisation's target, but its own green of 0.95 makes it amber.
		`sems_kpi_ratio{kpi="covert_test_pass",site="north"}`:                    0.375,
		`sems_kpi_rag_status{kpi="covert_test_pass",site="north"}`:               RAGRed,
		`sems_kpi_ratio{kpi="covert_test_pass",site="south"}`:                    0.9,
		`sems_kpi_rag_status{kpi="covert_test_pass",site="south"}`:               RAGAmber,
		`sems_kpi_target_ratio{kpi="covert_test_pass",rag="green",site="south"}`: 0.95,
		`sems_kpi_target_ratio{kpi="covert_test_pass",rag="green",site="north"}`: 0.90,
		// Organisation: (3+9)/(8+10) = 12/18 = 0.6667, red; never the mean of
		// the site ratios (0.6375).
		`sems_kpi_organisation_ratio{kpi="covert_test_pass"}`:      12.0 / 18,
		`sems_kpi_organisation_rag_status{kpi="covert_test_pass"}`: RAGRed,
	})
	expectAbsent(t, got,
		// No record for this tester, so no zero-filled series either.
		`sems_covert_tests_total{conducted_by="third_party",result="pass",site="north",test_type="screening_threat_item"}`,
		`sems_covert_tests_total{conducted_by="internal",result="pass",site="west",test_type="access_control"}`,
		// A pass's cause never becomes a failure.
		`sems_covert_tests_failures_in_window{failure_cause="",site="north",test_type="access_control",window="90d"}`,
		`sems_covert_tests_in_window{conducted_by="regulator",result="pass",site="north",test_type="screening_threat_item",window="12w6d"}`)
	expect(t, rejected, map[string]float64{
		"unknown_site": 1, "unknown_test_type": 1, "unknown_conducted_by": 1, "unknown_result": 1,
		"missing_failure_cause": 1, "unknown_failure_cause": 1, "future_conducted_at": 1,
		"missing_test_ref": 1, "invalid_conducted_at": 1, "malformed_row": 1,
	})
	if len(rejected) != 10 {
		t.Errorf("rejected = %v, want exactly the 10 reasons above", rejected)
	}
}

func TestCovertTestsWindows(t *testing.T) {
	f := covertTests{}
	s := testSettings(f, "north")
	opts := s.Options.(*covertTestsOptions)
	opts.Windows = []model.Duration{model.Duration(30 * 24 * time.Hour), model.Duration(7 * 24 * time.Hour), model.Duration(36 * time.Hour)}
	opts.ActionGrace = model.Duration(24 * time.Hour)
	got, _ := collect(t, f, s, `test_ref,site,test_type,conducted_by,conducted_at,result,failure_cause,linked_action_ref
A,north,access_control,internal,2026-03-09T00:00:00Z,pass,,
B,north,access_control,internal,2026-03-01T00:00:00Z,fail,procedure,
C,north,access_control,internal,2026-02-01T00:00:00Z,fail,people,
`)
	expect(t, got, map[string]float64{
		// A is 36 h old, in every window; B 9.5 days, only in 30d; C 37.5
		// days, in none. 36 h is not a whole number of days: "1d12h".
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="30d"}`:                                      0.5, // A of A, B
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="7d"}`:                                       1,
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="1d12h"}`:                                    1,
		`sems_covert_tests_in_window{conducted_by="internal",result="fail",site="north",test_type="access_control",window="30d"}`: 1,
		`sems_covert_tests_in_window{conducted_by="internal",result="fail",site="north",test_type="access_control",window="7d"}`:  0,
		`sems_covert_tests_failures_in_window{failure_cause="people",site="north",test_type="access_control",window="30d"}`:       0,
		// B and C are older than the 1-day grace and have no action.
		`sems_covert_tests_failures_without_action{site="north",test_type="access_control"}`: 2,
		`sems_covert_tests_action_grace_seconds{}`:                                           86400,
		// The headline uses the first window, 30d: 1/2.
		`sems_kpi_ratio{kpi="covert_test_pass",site="north"}`: 0.5,
	})
	expectAbsent(t, got,
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="90d"}`,
		`sems_covert_tests_pass_ratio{site="north",test_type="access_control",window="365d"}`)
}

func TestCovertTestsEmpty(t *testing.T) {
	f := covertTests{}
	got, rejected := collect(t, f, testSettings(f, "north"),
		"test_ref,site,test_type,conducted_by,conducted_at,result\n")
	// No tests: the grace and targets are exposed, no rate is made up.
	expect(t, got, map[string]float64{
		`sems_covert_tests_action_grace_seconds{}`:                               1209600,
		`sems_kpi_target_ratio{kpi="covert_test_pass",rag="green",site="north"}`: 0.90,
		`sems_kpi_target_ratio{kpi="covert_test_pass",rag="amber",site="north"}`: 0.80,
	})
	expectAbsent(t, got,
		`sems_kpi_ratio{kpi="covert_test_pass",site="north"}`,
		`sems_kpi_organisation_ratio{kpi="covert_test_pass"}`)
	if len(got) != 5 {
		t.Errorf("got %d samples, want the grace and 4 targets: %v", len(got), got)
	}
	if len(rejected) != 0 {
		t.Errorf("rejected = %v, want none", rejected)
	}
}

func TestCovertTestsValidate(t *testing.T) {
	day := model.Duration(24 * time.Hour)
	for _, tc := range []struct {
		name string
		opts covertTestsOptions
		ok   bool
	}{
		{"defaults", *covertTests{}.NewOptions().(*covertTestsOptions), true},
		{"zero grace", covertTestsOptions{Windows: []model.Duration{day}}, true},
		{"no window", covertTestsOptions{ActionGrace: day}, false},
		{"zero window", covertTestsOptions{Windows: []model.Duration{day, 0}}, false},
		{"same window twice", covertTestsOptions{Windows: []model.Duration{day, 2 * day, day}}, false},
		{"negative grace", covertTestsOptions{Windows: []model.Duration{day}, ActionGrace: -day}, false},
	} {
		if err := tc.opts.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	f := covertTests{}
	s := testSettings(f, "north")
	for _, tc := range []struct {
		vocab []string
		ok    bool
	}{
		{[]string{"fail", "pass"}, true},
		{[]string{"pass", "fail", "inconclusive"}, false},
		{[]string{"pass", "failed"}, false},
	} {
		s.Vocabulary["result"] = tc.vocab
		if err := f.ValidateSettings(s); (err == nil) != tc.ok {
			t.Errorf("result vocabulary %v: ValidateSettings() = %v, want ok %v", tc.vocab, err, tc.ok)
		}
	}
	bad := covertTestsTargets{Pass: RatioTarget{Green: 0.8, Amber: 0.9}}
	if bad.Validate() == nil {
		t.Error("amber above green was accepted")
	}
}
