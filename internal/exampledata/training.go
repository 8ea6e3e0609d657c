package exampledata

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The training family's example data: the training records, one per
// requirement of a member of staff.

func init() {
	Register(Entry{
		Name:  "training",
		Order: 4,
		Table: Table{Name: "training_records", File: "training.csv",
			Doc: "One row per training requirement of a member of staff, identified by a\npseudonymous reference only.",
			Columns: []Column{
				{Contract: "person_ref", Source: "person_id", Type: "text"},
				siteColumn,
				{Contract: "role_level", Source: "staff_category", Type: "text", Map: Coded("operational", "OPS",
					"supervisor_manager", "SUP", "senior_manager", "SNR", "accountable_manager", "AM", "third_party", "CON"),
					Note: "AM: Accountable Manager, CON: contractor"},
				{Contract: "course", Source: "course_code", Type: "text", Map: Coded("security_awareness", "AWARENESS",
					"sems_induction", "INDUCTION", "insider_threat", "INSIDER", "incident_reporting", "REPORTING",
					"screening_certification", "SCREENER", "access_control", "ACCESS", "emergency_response", "EMERGENCY",
					"sems_leadership", "LEADERSHIP")},
				{Contract: "completed_at", Source: "completed_on", Type: "timestamptz", Note: "NULL: never completed"},
				{Contract: "expires_at", Source: "valid_until", Type: "timestamptz", Note: "NULL: does not expire"},
			},
			Constraints: []string{"PRIMARY KEY (person_id, course_code)"}},
		QueryNote: "person_ref is required by the contract to identify a requirement; the\nexporter never exports it.",
		Demo: DemoOf(demoTraining, func(r Requirement) []any {
			return []any{r.Person, r.Site, r.Role, r.Course, r.Completed, r.Expires}
		}),
		Bench: benchTraining,
	})
}

// Requirement is a training record; an empty string is NULL.
type Requirement struct {
	Person, Site, Role, Course string
	Completed, Expires         Moment
}

// demoStaff is the number of the demonstration group's staff.
const demoStaff = 3000

var (
	demoRoles = []choice{{"operational", 74}, {"supervisor_manager", 12}, {"third_party", 11}, {"senior_manager", 3}}
	// validity of each course; 0: it does not expire.
	validity = map[string]time.Duration{
		"security_awareness": year, "sems_induction": 0, "insider_threat": 2 * year, "incident_reporting": 2 * year,
		"screening_certification": year, "access_control": 3 * year, "emergency_response": year, "sems_leadership": 3 * year,
	}
	// required courses by role level; screeners add screening_certification.
	required = map[string][]string{
		"operational":         {"security_awareness", "sems_induction", "incident_reporting", "insider_threat"},
		"supervisor_manager":  {"security_awareness", "sems_induction", "incident_reporting", "insider_threat", "access_control", "emergency_response"},
		"senior_manager":      {"security_awareness", "sems_induction", "insider_threat", "emergency_response", "sems_leadership"},
		"accountable_manager": {"security_awareness", "sems_induction", "emergency_response", "sems_leadership"},
		"third_party":         {"security_awareness", "sems_induction", "access_control"},
	}
)

func demoTraining(d *Demo) []Requirement {
	type person struct {
		site, role string
		screener   bool
		tenure     time.Duration
	}
	var people []person
	for _, p := range demoSites {
		// Every airport has its own Accountable Manager.
		people = append(people, person{site: p.code, role: "accountable_manager", tenure: d.between(year, 8*year)})
		for range count(demoStaff, p) - 1 {
			pe := person{site: p.code, role: d.pick(demoRoles), tenure: d.between(30*day, 12*year)}
			pe.screener = pe.role == "operational" && d.chance(0.45)
			if d.chance(0.04) {
				pe.tenure = d.between(day, 28*day)
			}
			people = append(people, pe)
		}
	}
	// References are issued in no particular order of site or role.
	refs := d.r.Perm(len(people))
	var out []Requirement
	for i, pe := range people {
		p := demoSite(pe.site)
		courses := required[pe.role]
		if pe.screener {
			courses = append(slices.Clone(courses), "screening_certification")
		}
		never, expired := p.neverTrained, p.expired
		if pe.role == "third_party" {
			never, expired = 3*never, 1.5*expired
		}
		if pe.tenure < 28*day {
			never = 0.6 // new starters are still working through their courses
		}
		for _, c := range courses {
			r := Requirement{Person: fmt.Sprintf("P%06d", refs[i]+1), Site: pe.site, Role: pe.role, Course: c}
			v := validity[c]
			switch {
			case d.chance(never):
			case v == 0:
				r.Completed = at(-pe.tenure + d.between(0, min(14*day, pe.tenure)))
			case pe.tenure > v+day && d.chance(expired):
				age := v + d.between(day, min(240*day, pe.tenure-v))
				r.Completed, r.Expires = at(-age), at(-age+v)
			default:
				age := d.between(time.Hour, min(v-time.Hour, pe.tenure))
				r.Completed, r.Expires = at(-age), at(-age+v)
			}
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Requirement) int { return strings.Compare(a.Person, b.Person) })
	return append(out,
		Requirement{Person: "P009901", Site: "harbour", Role: "operational", Course: "security_awareness", Completed: at(-100 * day), Expires: at(-200 * day)},
		Requirement{Person: "P009902", Site: "north", Role: "operational", Course: "fire_safety", Completed: at(-30 * day), Expires: at(335 * day)},
		Requirement{Person: "P009903", Role: "third_party", Course: "security_awareness", Completed: at(-60 * day), Expires: at(305 * day)},
		Requirement{Person: "P009904", Site: "south", Role: "supervisor_manager", Course: "emergency_response", Completed: at(5 * day), Expires: at(370 * day)},
		// One requirement exported twice, the second time under the course
		// name in capitals (a code the source system does not know, so the
		// record query passes it through): the exporter lower-cases both to
		// security_awareness and rejects both as duplicate_requirement.
		Requirement{Person: "P009905", Site: "valley", Role: "operational", Course: "security_awareness", Completed: at(-100 * day), Expires: at(265 * day)},
		Requirement{Person: "P009905", Site: "valley", Role: "operational", Course: "SECURITY_AWARENESS", Completed: at(-100 * day), Expires: at(265 * day)},
	)
}

// benchStaff is the number of the benchmark group's staff at scale 1, each
// required to take every course.
const benchStaff = 80_000

var (
	benchRoles = []choice{{"operational", 0.80}, {"supervisor_manager", 0.12}, {"senior_manager", 0.05}, {"third_party", 0.03}}
	// benchCourses in the order each person's records list them.
	benchCourses = []string{"security_awareness", "sems_induction", "insider_threat", "incident_reporting",
		"screening_certification", "access_control", "emergency_response", "sems_leadership"}
)

func benchTraining(s Spec) (int, func(yield func([]any) bool)) {
	staff := s.count(benchStaff)
	return staff * len(benchCourses), func(yield func([]any) bool) {
		g := s.stream(4)
		row := make([]any, 6)
		for p := range staff {
			st, role := g.site(), g.pick(benchRoles)
			// The first staff of each site, up to one per site, are its
			// Accountable Manager.
			if p < benchSites {
				st, role = g.sites[p], "accountable_manager"
			}
			person := fmt.Sprintf("P%07d", p+1)
			for _, c := range benchCourses {
				var completed, expires any
				v := validity[c]
				if !g.chance(st.neverTrained) {
					// Ages spread over the validity stretched so that a
					// share "expired" of completions has lapsed.
					span := 5 * year
					if v > 0 {
						span = time.Duration(float64(v) / (1 - st.expired))
					}
					done := g.ago(span)
					completed = done
					if v > 0 {
						expires = done.Add(v)
					}
				}
				if isBad(p) && c == "security_awareness" {
					completed = g.now.Add(30 * day)
				}
				row[0], row[1], row[2], row[3], row[4], row[5] = person, st.code, role, c, completed, expires
				if !yield(row) {
					return
				}
			}
		}
	}
}
