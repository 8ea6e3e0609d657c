package exampledata

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The governance family's example data: the SeMS calendar of reviews,
// audits and exercises, planned and completed, of each site and of the
// group as a whole.

func init() {
	Register(Entry{
		Name:  "governance",
		Order: 10,
		Table: Table{Name: "sems_calendar", File: "governance.csv",
			Doc: "One row per planned or completed review, audit or exercise; a NULL site\nis the whole group's.",
			Columns: []Column{
				{Contract: "activity_ref", Source: "activity_id", Type: "text PRIMARY KEY"},
				{Contract: "site", Source: "site_code", Type: "text", Map: Upper, Note: "NULL: group-wide"},
				{Contract: "kind", Source: "activity", Type: "text", Map: Coded("security_policy_review", "POLICY",
					"risk_register_review", "RISK", "management_review", "MGMT", "internal_audit", "IA", "external_audit", "EA",
					"emergency_exercise", "EXERCISE", "sems_training_review", "TRAINING"), Note: "IA, EA: internal, external audit"},
				{Contract: "planned_for", Source: "planned", Type: "timestamptz", Note: "NULL: held unplanned"},
				{Contract: "completed_at", Source: "completed", Type: "timestamptz", Note: "NULL: not yet"},
			}},
		Demo: DemoOf(demoActivities, func(a Activity) []any {
			return []any{a.Ref, a.Site, a.Kind, a.Planned, a.Completed}
		}),
		Bench: benchActivities,
	})
}

// Activity is a governance record; an empty string is NULL.
type Activity struct {
	Ref, Site, Kind    string
	Planned, Completed Moment
}

// cadence is how often an activity of a kind is planned, and whether each
// site holds its own.
type cadence struct {
	kind    string
	every   time.Duration
	perSite bool
}

var demoCadences = []cadence{
	{"security_policy_review", year, false}, {"risk_register_review", year / 2, false},
	{"management_review", year, false}, {"external_audit", 3 * year, false},
	{"internal_audit", year / 4, true}, {"emergency_exercise", year / 2, true}, {"sems_training_review", year, true},
}

func demoActivities(d *Demo) []Activity {
	var out []Activity
	draw := func(site string, c cadence, onTime float64) {
		// From two years back to one ahead, starting at a random phase.
		for p := -demoHistory + d.between(0, c.every); p < year; p += c.every {
			a := Activity{Site: site, Kind: c.kind, Planned: at(p)}
			done := p + d.between(-20*day, 0)
			if !d.chance(onTime) {
				done = p + d.between(day, 60*day)
			}
			if done < 0 {
				a.Completed = at(done)
			}
			out = append(out, a)
		}
	}
	for _, c := range demoCadences {
		if !c.perSite {
			draw("", c, 0.9)
			continue
		}
		for _, p := range demoSites {
			draw(p.code, c, p.closedOnTime)
		}
	}
	slices.SortStableFunc(out, func(a, b Activity) int { return cmp.Compare(a.Planned.Offset, b.Planned.Offset) })
	out = append(out,
		// The group's risk register review, three weeks overdue.
		Activity{Kind: "risk_register_review", Planned: at(-21 * day)},
		Activity{Site: "north", Kind: "fire_drill", Planned: at(-30 * day), Completed: at(-29 * day)},
		Activity{Site: "south", Kind: "internal_audit"},
		Activity{Site: "valley", Kind: "emergency_exercise", Planned: at(-10 * day), Completed: at(3 * day)},
		Activity{Site: "harbour", Kind: "sems_training_review", Planned: at(-40 * day), Completed: at(-35 * day)},
	)
	return numbered(out, "GA-%05d", func(a *Activity) *string { return &a.Ref })
}

func benchActivities(s Spec) (int, func(yield func([]any) bool)) {
	// Per site: each per-site kind on its cadence over the history.
	var plan []cadence
	for _, c := range demoCadences {
		if c.perSite {
			plan = append(plan, c)
		}
	}
	perSite := 0
	for _, c := range plan {
		perSite += int(benchHistory / c.every)
	}
	n := s.count(benchSites * perSite)
	return n, func(yield func([]any) bool) {
		g := s.stream(10)
		row := make([]any, 5)
		for i := range n {
			st := g.site()
			c := plan[i%len(plan)]
			planned := g.ago(benchHistory)
			var completed any
			if !g.chance(st.stale) {
				completed = g.upTo(planned.Add(g.spread(time.Duration(float64(10*day)*st.slow), 0.8)))
			}
			if isBad(i) {
				planned, completed = time.Time{}, nil
			}
			var p any = planned
			if planned.IsZero() {
				p = nil
			}
			row[0], row[1], row[2], row[3], row[4] = fmt.Sprintf("GA-%07d", i+1), st.code, c.kind, p, completed
			if !yield(row) {
				return
			}
		}
	}
}
