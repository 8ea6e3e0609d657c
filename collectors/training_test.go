package collectors

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

const trainingHeader = "person_ref,site,role_level,course,completed_at,expires_at\n"

func TestTraining(t *testing.T) {
	var b strings.Builder
	b.WriteString(trainingHeader)
	// testNow is 2026-03-10T12:00:00Z; expiring_within 30d puts the horizon
	// at 2026-04-09T12:00:00Z (21 days left in March + 9 in April).
	b.WriteString(`person-n01,north,operational,security_awareness,2025-06-01T00:00:00Z,2026-06-01T00:00:00Z
person-n02,north,operational,security_awareness,2025-03-10T12:00:00Z,2026-03-10T12:00:00Z
person-n03,north,operational,security_awareness,2025-04-09T12:00:00Z,2026-04-09T12:00:00Z
person-n04,north,operational,security_awareness,2025-04-09T12:00:00Z,2026-04-09T12:00:01Z
person-n05,north,operational,security_awareness,,2026-12-31
person-n06,north,operational,security_awareness,,2020-01-01
person-n07,north,operational,security_awareness,2026-03-10T13:00:00+01:00,
person-n08,north,operational,security_awareness,2026-01-10T09:00:00+02:00,2026-03-10T11:30:00-01:00
person-n09,north,operational,security_awareness,2025-03-10 10:00:00+00,2026-03-10T13:00:00+02:00
person-n10,north,operational,screening_certification,2025-09-01,2026-09-01
person-n11,north,operational,screening_certification,,
person-n14,north,operational,screening_certification,2026-01-01T00:00:00Z,2025-12-31T23:00:00-01:00
person-n12,north,senior_manager,sems_leadership,2024-01-01,
person-n13, North ,Senior_Manager,SEMS_Leadership,2026-03-10T17:04:59+05:00,
person-s11,south,accountable_manager,sems_leadership,2025-10-01T00:00:00Z,2026-03-20T00:00:00Z
person-r1,west,operational,security_awareness,2025-06-01,
person-r2,north,contractor,security_awareness,2025-06-01,
person-r3,north,operational,fire_safety,2025-06-01,
,north,operational,security_awareness,2025-06-01,
person-r5,north,operational,security_awareness,2026-03-10T12:05:01Z,
person-r6,north,operational,security_awareness,2026-02-01T08:00:00+00:00,2026-02-01T09:00:00+02:00
person-r7,north,operational,security_awareness,last week,
person-r8,north,,security_awareness,2025-06-01,
person-r9,north,operational,security_awareness,2026-03-10T12:10:00Z,2026-03-01T00:00:00Z
`)
	for i := range 9 {
		fmt.Fprintf(&b, "person-s%02d,south,third_party,access_control,2025-12-01T00:00:00Z,2026-12-01T00:00:00Z\n", i+1)
	}
	b.WriteString("person-s10,south,third_party,access_control,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z\n")
	f := training{}
	got, rejected := collect(t, f, testSettings(f, "north", "south"), b.String())

	expect(t, got, map[string]float64{
		// north/operational/security_awareness:
		// current n01; n03 (expires exactly at the horizon); n04 (1 s past
		// it); n07 (completed 13:00+01:00 = 12:00Z, now, no expiry); n08
		// (expires 11:30-01:00 = 12:30Z, 30 min ahead) = 5.
		// expired n02 (expires exactly now); n09 (13:00+02:00 = 11:00Z) = 2.
		// never_completed n05, n06 (their expires_at is ignored) = 2.
		`sems_training_requirements{course="security_awareness",role_level="operational",site="north",state="current"}`:         5,
		`sems_training_requirements{course="security_awareness",role_level="operational",site="north",state="expired"}`:         2,
		`sems_training_requirements{course="security_awareness",role_level="operational",site="north",state="never_completed"}`: 2,
		`sems_training_current_ratio{course="security_awareness",role_level="operational",site="north"}`:                        5.0 / 9,
		// n03 at exactly 2592000 s and n08 at 1800 s; n04 at 2592001 s is not.
		`sems_training_expiring_soon{course="security_awareness",role_level="operational",site="north"}`: 2,
		// north/operational/screening_certification: n10 current; n14 expires
		// 23:00-01:00 = 00:00Z, the instant it was completed (not before it,
		// so accepted) and long past, so expired; n11 never completed.
		`sems_training_requirements{course="screening_certification",role_level="operational",site="north",state="current"}`:         1,
		`sems_training_requirements{course="screening_certification",role_level="operational",site="north",state="expired"}`:         1,
		`sems_training_requirements{course="screening_certification",role_level="operational",site="north",state="never_completed"}`: 1,
		`sems_training_current_ratio{course="screening_certification",role_level="operational",site="north"}`:                        1.0 / 3,
		`sems_training_expiring_soon{course="screening_certification",role_level="operational",site="north"}`:                        0,
		// north/senior_manager/sems_leadership: n12, and n13 (normalised;
		// 17:04:59+05:00 = 12:04:59Z, inside the 5 min tolerance) current.
		// The other states are zero-filled.
		`sems_training_requirements{course="sems_leadership",role_level="senior_manager",site="north",state="current"}`:         2,
		`sems_training_requirements{course="sems_leadership",role_level="senior_manager",site="north",state="expired"}`:         0,
		`sems_training_requirements{course="sems_leadership",role_level="senior_manager",site="north",state="never_completed"}`: 0,
		`sems_training_current_ratio{course="sems_leadership",role_level="senior_manager",site="north"}`:                        1,
		// Role level over its courses: operational (5+1)/(9+3) = 6/12.
		`sems_training_role_current_ratio{role_level="operational",site="north"}`:    0.5,
		`sems_training_role_current_ratio{role_level="senior_manager",site="north"}`: 1,
		// south/third_party/access_control: s01-s09 current, expiring
		// 2026-12-01 (beyond the horizon); s10 expired on 2026-01-01: 9/10.
		`sems_training_requirements{course="access_control",role_level="third_party",site="south",state="current"}`: 9,
		`sems_training_requirements{course="access_control",role_level="third_party",site="south",state="expired"}`: 1,
		`sems_training_current_ratio{course="access_control",role_level="third_party",site="south"}`:                0.9,
		`sems_training_expiring_soon{course="access_control",role_level="third_party",site="south"}`:                0,
		// s11 expires 2026-03-20, 9.5 days ahead.
		`sems_training_expiring_soon{course="sems_leadership",role_level="accountable_manager",site="south"}`: 1,
		`sems_training_role_current_ratio{role_level="third_party",site="south"}`:                             0.9,
		`sems_training_role_current_ratio{role_level="accountable_manager",site="south"}`:                     1,
		// Headline: north (6+2)/(12+2) = 8/14 = 0.5714, red; south
		// (9+1)/(10+1) = 10/11 = 0.9091, amber (>= 0.90, < 0.95).
		`sems_kpi_ratio{kpi="training_current",site="north"}`:      8.0 / 14,
		`sems_kpi_rag_status{kpi="training_current",site="north"}`: RAGRed,
		`sems_kpi_ratio{kpi="training_current",site="south"}`:      10.0 / 11,
		`sems_kpi_rag_status{kpi="training_current",site="south"}`: RAGAmber,
		// Organisation: (8+10)/(14+11) = 18/25 = 0.72, red; never the mean of
		// the site ratios (0.7403).
		`sems_kpi_organisation_ratio{kpi="training_current"}`:                    0.72,
		`sems_kpi_organisation_rag_status{kpi="training_current"}`:               RAGRed,
		`sems_kpi_target_ratio{kpi="training_current",rag="green",site="north"}`: 0.95,
		`sems_kpi_target_ratio{kpi="training_current",rag="amber",site="north"}`: 0.90,
		`sems_kpi_organisation_target_ratio{kpi="training_current",rag="green"}`: 0.95,
	})
	expectAbsent(t, got,
		`sems_training_role_current_ratio{role_level="supervisor_manager",site="north"}`,
		`sems_training_requirements{course="security_awareness",role_level="operational",site="west",state="current"}`,
		`sems_training_current_ratio{course="security_awareness",role_level="senior_manager",site="north"}`)
	// r9 is both in the future and expires before completion: the future
	// check comes first, so it counts there with r5 (5 min 1 s ahead).
	expect(t, rejected, map[string]float64{
		"unknown_site": 1, "unknown_role_level": 1, "unknown_course": 1, "missing_person_ref": 1,
		"missing_role_level": 1, "future_completed_at": 2, "expires_before_completed": 1, "invalid_completed_at": 1,
	})
	if len(rejected) != 8 {
		t.Errorf("rejected = %v, want exactly the 8 reasons above", rejected)
	}

	// The person reference is read for validation only: no label carries it.
	for k := range got {
		if strings.Contains(k, "person-") {
			t.Errorf("sample %s exposes a person reference", k)
		}
	}
	for _, d := range descriptors(f) {
		if strings.Contains(d.String(), "person_ref") {
			t.Errorf("descriptor %s has a person_ref label", d)
		}
	}
}

func TestTrainingSiteTarget(t *testing.T) {
	var b strings.Builder
	b.WriteString(trainingHeader)
	// south: 9 current of 10 = 0.9; north: 1 of 1.
	for i := range 9 {
		fmt.Fprintf(&b, "person-s%02d,south,operational,security_awareness,2025-12-01T00:00:00Z,\n", i+1)
	}
	b.WriteString("person-s10,south,operational,security_awareness,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z\n")
	b.WriteString("person-n01,north,operational,security_awareness,2025-12-01T00:00:00Z,\n")
	f := training{}
	s := testSettings(f, "north", "south")

	got, _ := collect(t, f, s, b.String())
	// Default 0.95/0.90: south 0.9 amber; organisation 10/11 = 0.9091 amber.
	expect(t, got, map[string]float64{
		`sems_kpi_rag_status{kpi="training_current",site="south"}`: RAGAmber,
		`sems_kpi_organisation_rag_status{kpi="training_current"}`: RAGAmber,
	})

	SiteTargetsOf[trainingTargets](s, "south").Current = RatioTarget{Green: 0.90, Amber: 0.80}
	got, _ = collect(t, f, s, b.String())
	// South's own 0.90 green makes it green; north and the organisation keep
	// the organisation-wide target, so the organisation stays amber.
	expect(t, got, map[string]float64{
		`sems_kpi_rag_status{kpi="training_current",site="south"}`:               RAGGreen,
		`sems_kpi_target_ratio{kpi="training_current",rag="green",site="south"}`: 0.90,
		`sems_kpi_target_ratio{kpi="training_current",rag="amber",site="south"}`: 0.80,
		`sems_kpi_target_ratio{kpi="training_current",rag="green",site="north"}`: 0.95,
		`sems_kpi_rag_status{kpi="training_current",site="north"}`:               RAGGreen,
		`sems_kpi_organisation_rag_status{kpi="training_current"}`:               RAGAmber,
	})
}

func TestTrainingExpiringWithin(t *testing.T) {
	csv := trainingHeader + `person-1,north,operational,security_awareness,2025-03-10T12:00:00Z,2026-03-10T13:00:00Z
person-2,north,operational,security_awareness,2025-03-10T12:00:00Z,2026-03-10T13:00:01Z
person-3,north,operational,security_awareness,2025-03-10T12:00:00Z,2026-03-10T12:00:00Z
`
	f := training{}
	s := testSettings(f, "north")
	s.Options.(*trainingOptions).ExpiringWithin = model.Duration(time.Hour)
	got, _ := collect(t, f, s, csv)
	// With 1 h: person-1 at 3600 s counts, person-2 at 3601 s does not, and
	// person-3 (expires now) is expired rather than expiring.
	expect(t, got, map[string]float64{
		`sems_training_expiring_soon{course="security_awareness",role_level="operational",site="north"}`: 1,
	})
}

func TestTrainingEmpty(t *testing.T) {
	f := training{}
	got, rejected := collect(t, f, testSettings(f, "north"), trainingHeader)
	// No requirements: targets are still exposed, but no ratio or status is made up.
	expect(t, got, map[string]float64{
		`sems_kpi_target_ratio{kpi="training_current",rag="green",site="north"}`: 0.95,
		`sems_training_expiring_within_seconds{}`:                                2592000, // 30 d
	})
	expectAbsent(t, got,
		`sems_kpi_ratio{kpi="training_current",site="north"}`,
		`sems_kpi_organisation_ratio{kpi="training_current"}`,
		`sems_kpi_organisation_rag_status{kpi="training_current"}`)
	for k := range got {
		if strings.HasPrefix(k, "sems_training_") && k != `sems_training_expiring_within_seconds{}` {
			t.Errorf("unexpected sample %s with no records", k)
		}
	}
	if len(rejected) != 0 {
		t.Errorf("rejected = %v, want none", rejected)
	}
}

func TestTrainingValidate(t *testing.T) {
	f := training{}
	if err := f.NewOptions().(*trainingOptions).Validate(); err != nil {
		t.Errorf("default options: %v", err)
	}
	if err := f.NewTargets().(*trainingTargets).Validate(); err != nil {
		t.Errorf("default targets: %v", err)
	}
	if err := (&trainingOptions{}).Validate(); err == nil {
		t.Error("zero expiring_within accepted")
	}
	if err := (&trainingTargets{Current: RatioTarget{Green: 0.8, Amber: 0.9}}).Validate(); err == nil {
		t.Error("amber above green accepted")
	}
}
