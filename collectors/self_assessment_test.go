package collectors

import (
	"strings"
	"testing"
)

const selfAssessmentCSV = `assessment_ref,assessed_at,site,statement,answer
B,2026-03-01,north,1,yes
B,2026-03-01,north,2,in_part
B,2026-03-01,north,3,no
B,2026-03-01,north,14,Yes
B,2026-03-01,north,15,n_a
B,2026-03-01,north,30,not_sure
B,2026-03-01,north,31,yes
B,2026-03-01,north,40,n_a
A,2025-09-01,north,1,no
A,2025-09-01,north,2,no
A,2025-09-01,north,3,no
A,2025-09-01,north,14,in_part
A,2025-09-01,north,30,yes
A,2025-09-01,north,40,yes
O,2026-01-15,,1,yes
O,2026-01-15,,43,in_part
R,2026-02-01,south,44,yes
R,2026-02-01,south,4,maybe
D,2026-02-01,south,5,yes
D,2026-02-01,south,5,no
F,2026-03-11,south,6,yes
W,2026-02-01,west,7,yes
`

func TestSelfAssessment(t *testing.T) {
	f := selfAssessment{}
	got, rejected := collect(t, f, testSettings(f, "north", "south"), selfAssessmentCSV)
	expect(t, got, map[string]float64{
		// north's latest, B (2026-03-01): plan (1 + 0.5 + 0) / 3 = 0.5; do
		// 1 / 1 (15 is n/a); check (0 + 1) / 2; act only n/a: no score.
		`sems_self_assessment_score{section="plan",site="north"}`:  0.5,
		`sems_self_assessment_score{section="do",site="north"}`:    1,
		`sems_self_assessment_score{section="check",site="north"}`: 0.5,
		// The previous, A (2025-09-01): plan 0, do 0.5, check 1, act 1.
		`sems_self_assessment_previous_score{section="plan",site="north"}`: 0,
		`sems_self_assessment_previous_score{section="act",site="north"}`:  1,
		`sems_self_assessment_score_change{section="plan",site="north"}`:   0.5,
		`sems_self_assessment_score_change{section="do",site="north"}`:     0.5,
		`sems_self_assessment_score_change{section="check",site="north"}`:  -0.5,
		// The gaps of B: 3 (no) and 30 (not sure).
		`sems_self_assessment_gap{answer="no",section="plan",site="north",statement="3"}`:         1,
		`sems_self_assessment_gap{answer="not_sure",section="check",site="north",statement="30"}`: 1,
		`sems_self_assessment_answers{answer="in_part",section="plan",site="north"}`:              1,
		`sems_self_assessment_answers{answer="n_a",section="act",site="north"}`:                   1,
		`sems_self_assessment_answers{answer="yes",section="act",site="north"}`:                   0,
		// 2026-03-01T00:00 to 2026-03-10T12:00: 9.5 d.
		`sems_self_assessment_age_seconds{site="north"}`:        9.5 * 86400,
		`sems_self_assessment_assessments{site="north"}`:        2,
		`sems_self_assessment_assessments{site="organisation"}`: 1,
		// The organisation's own, O: plan 1, act 0.5.
		`sems_self_assessment_score{section="act",site="organisation"}`: 0.5,
		// Headline: north (1.5 + 1 + 1) / (3 + 1 + 2) = 3.5 / 6 = 0.583,
		// red (< 0.60); the organisation's own 1.5 / 2 = 0.75, amber; all
		// (3.5 + 1.5) / (6 + 2) = 0.625, amber.
		`sems_kpi_ratio{kpi="self_assessment_score",site="north"}`:                    3.5 / 6,
		`sems_kpi_rag_status{kpi="self_assessment_score",site="north"}`:               RAGRed,
		`sems_kpi_ratio{kpi="self_assessment_score",site="organisation"}`:             0.75,
		`sems_kpi_organisation_ratio{kpi="self_assessment_score"}`:                    0.625,
		`sems_kpi_organisation_rag_status{kpi="self_assessment_score"}`:               RAGAmber,
		`sems_kpi_target_ratio{kpi="self_assessment_score",rag="green",site="north"}`: 0.8,
	})
	expectAbsent(t, got,
		`sems_self_assessment_score{section="act",site="north"}`,
		`sems_self_assessment_score_change{section="act",site="north"}`,
		// A's gaps are not the latest's.
		`sems_self_assessment_gap{answer="no",section="plan",site="north",statement="1"}`,
		`sems_self_assessment_previous_score{section="plan",site="organisation"}`)
	expect(t, rejected, map[string]float64{
		"unknown_statement": 1, "unknown_answer": 1, "duplicate_answer": 2, "future_assessed_at": 1, "unknown_site": 1,
	})
	if len(rejected) != 5 {
		t.Errorf("rejected = %v, want exactly the 5 reasons above", rejected)
	}
}

// The scoring is configurable: In part worth 0.25 makes north's plan
// (1 + 0.25 + 0) / 3.
func TestSelfAssessmentScores(t *testing.T) {
	f := selfAssessment{}
	s := testSettings(f, "north", "south")
	s.Options.(*selfAssessmentOptions).Scores["in_part"] = 0.25
	got, _ := collect(t, f, s, selfAssessmentCSV)
	expect(t, got, map[string]float64{
		`sems_self_assessment_score{section="plan",site="north"}`: 1.25 / 3,
	})
}

// The checklist ships as data: 43 statements, in the four PDCA sections.
func TestChecklist(t *testing.T) {
	if n := len(statements()); n != 43 {
		t.Errorf("%d statements, want 43", n)
	}
	if got := strings.Join(sections, ","); got != "plan,do,check,act" {
		t.Errorf("sections %s, want plan,do,check,act", got)
	}
	// Section boundaries of the checklist: 13 plan, 14 do, 29 do, 30
	// check, 39 check, 40 act.
	for st, want := range map[string]string{"1": "plan", "13": "plan", "14": "do", "29": "do", "30": "check", "39": "check", "40": "act", "43": "act"} {
		if checklist[st] != want {
			t.Errorf("statement %s in %s, want %s", st, checklist[st], want)
		}
	}
}

func TestSelfAssessmentValidate(t *testing.T) {
	f := selfAssessment{}
	s := testSettings(f, "north")
	if err := f.ValidateSettings(s); err != nil {
		t.Errorf("defaults: %v", err)
	}
	delete(s.Options.(*selfAssessmentOptions).Scores, "not_sure")
	if err := f.ValidateSettings(s); err == nil || !strings.Contains(err.Error(), `no score for answer "not_sure"`) {
		t.Errorf("missing score: %v", err)
	}
	o := &selfAssessmentOptions{Scores: map[string]float64{"yes": 2}}
	if err := o.Validate(); err == nil {
		t.Error("a score of 2 accepted")
	}
	o = &selfAssessmentOptions{Scores: map[string]float64{"n_a": 0}}
	if err := o.Validate(); err == nil {
		t.Error("a score for n_a accepted")
	}
}
