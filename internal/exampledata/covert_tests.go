package exampledata

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The covert_tests family's example data: the register of covert and overt
// security tests.

func init() {
	Register(Entry{
		Name: "covert_tests",
		// After capa, whose register capa_ref refers to.
		Order: 5,
		Table: Table{Name: "security_tests", File: "covert_tests.csv",
			Doc: "Covert and overt security tests.",
			Columns: []Column{
				{Contract: "test_ref", Source: "test_id", Type: "text PRIMARY KEY"},
				siteColumn,
				{Contract: "test_type", Source: "test_kind", Type: "text", Map: Coded("screening_threat_item", "STI",
					"access_control", "ACCESS", "vehicle_search", "VEHICLE", "staff_search", "STAFF"), Note: "STI: screening threat item"},
				{Contract: "conducted_by", Source: "tester", Type: "text", Map: Coded(
					"regulator", "REGULATOR", "internal", "INTERNAL", "third_party", "CONTRACTOR")},
				{Contract: "conducted_at", Source: "tested_at", Type: "timestamptz"},
				{Contract: "result", Source: "outcome", Type: "text", Map: Coded("pass", "PASS", "fail", "FAIL")},
				{Contract: "failure_cause", Source: "root_cause", Type: "text", Map: Coded(
					"people", "PEOPLE", "procedure", "PROCEDURE", "equipment", "EQUIPMENT"), Note: "NULL on a pass"},
				{Contract: "linked_action_ref", Source: "capa_ref", Type: "text REFERENCES capa_register (action_id)"},
			}},
		Demo: DemoOf(demoTests, func(t CovertTest) []any {
			return []any{t.Ref, t.Site, t.Type, t.ConductedBy, t.Conducted, t.Result, t.FailureCause, t.LinkedAction}
		}),
		Bench: benchTests,
	})
}

// CovertTest is a covert_tests record; an empty string is NULL.
type CovertTest struct {
	Ref, Site, Type, ConductedBy string
	Conducted                    Moment
	Result, FailureCause         string
	// LinkedAction is filled in by the capa records, which follow up the
	// failures.
	LinkedAction string
}

// demoTestCount is the number of the demonstration group's tests.
const demoTestCount = 720

var (
	demoTestTypes = []choice{
		{"screening_threat_item", 50}, {"access_control", 25}, {"vehicle_search", 15}, {"staff_search", 10},
	}
	demoTesters = []choice{{"internal", 60}, {"regulator", 25}, {"third_party", 15}}
	demoCauses  = []choice{{"people", 60}, {"procedure", 25}, {"equipment", 15}}
	// Harbour's ageing screening equipment shows in its failures.
	harbourCauses = []choice{{"people", 45}, {"procedure", 25}, {"equipment", 30}}
)

func demoTests(d *Demo) []CovertTest {
	var tests []CovertTest
	for _, p := range demoSites {
		for range count(demoTestCount, p) {
			t := CovertTest{Site: p.code, Type: d.pick(demoTestTypes), ConductedBy: d.pick(demoTesters),
				Conducted: at(-d.between(time.Hour, demoHistory)), Result: "pass"}
			pass := p.pass
			if t.ConductedBy == "regulator" {
				pass *= 0.95
			}
			if !d.chance(pass) {
				t.Result, t.FailureCause = "fail", d.pick(demoCauses)
				if p.code == "harbour" {
					t.FailureCause = d.pick(harbourCauses)
				}
			}
			tests = append(tests, t)
		}
	}
	slices.SortStableFunc(tests, func(a, b CovertTest) int { return cmp.Compare(a.Conducted.Offset, b.Conducted.Offset) })
	tests = append(tests,
		CovertTest{Site: "harbour", Type: "screening_threat_item", ConductedBy: "internal", Conducted: at(-33 * day), Result: "fail"},
		CovertTest{Site: "south", Type: "vehicle_search", ConductedBy: "third_party", Conducted: at(-8 * day), Result: "inconclusive"},
		CovertTest{Site: "north", Type: "access_control", ConductedBy: "internal", Conducted: at(3 * day), Result: "pass"},
		CovertTest{Site: "north", Type: "staff_search", ConductedBy: "internal", Conducted: at(-12 * day), Result: "pass"},
	)
	return numbered(tests, "CT-%05d", func(t *CovertTest) *string { return &t.Ref })
}

// benchTestCount is the number of the benchmark group's tests at scale 1.
const benchTestCount = 20_000

var (
	benchTestTypes = []choice{{"screening_threat_item", 0.55}, {"access_control", 0.25}, {"vehicle_search", 0.1}, {"staff_search", 0.1}}
	benchTesters   = []choice{{"regulator", 0.2}, {"internal", 0.6}, {"third_party", 0.2}}
	benchCauses    = []choice{{"people", 0.6}, {"procedure", 0.25}, {"equipment", 0.15}}
)

func benchTests(s Spec) (int, func(yield func([]any) bool)) {
	n := s.count(benchTestCount)
	covertActions := (s.count(benchActionCount) + covertOrigin - 1) / covertOrigin
	return n, func(yield func([]any) bool) {
		g := s.stream(5)
		row := make([]any, 8)
		failures := 0
		for i := range n {
			st := g.site()
			result := "pass"
			var cause, action any
			if !g.chance(st.passes) {
				result, cause = "fail", g.pick(benchCauses)
				if g.chance(st.followedUp) {
					action = actionRef(covertOrigin * (failures % covertActions))
				}
				failures++
			}
			if isBad(i) {
				result, cause = "fail", nil
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = fmt.Sprintf("CT-%07d", i+1), st.code, g.pick(benchTestTypes), g.pick(benchTesters), g.ago(benchHistory), result, cause, action
			if !yield(row) {
				return
			}
		}
	}
}
