package exampledata

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The capa family's example data: the register of corrective and preventive
// actions.

func init() {
	Register(Entry{
		Name:  "capa",
		Order: 3,
		Table: Table{Name: "capa_register", File: "capa.csv",
			Doc: "Corrective and preventive actions.",
			Columns: []Column{
				{Contract: "action_ref", Source: "action_id", Type: "text PRIMARY KEY"},
				siteColumn,
				{Contract: "kind", Source: "action_type", Type: "text", Map: Coded("corrective", "CORRECTIVE", "preventive", "PREVENTIVE")},
				{Contract: "origin", Source: "raised_from", Type: "text", Map: Coded("audit", "AUDIT", "incident", "INCIDENT",
					"covert_test", "COVERT_TEST", "inspection", "INSPECTION", "management_review", "MGMT_REVIEW", "staff_report", "STAFF_REPORT")},
				{Contract: "priority", Source: "priority", Type: "text", Map: Coded("high", "High", "medium", "Medium", "low", "Low")},
				{Contract: "raised_at", Source: "raised_on", Type: "timestamptz"},
				{Contract: "due_at", Source: "target_date", Type: "timestamptz"},
				{Contract: "closed_at", Source: "completed_on", Type: "timestamptz", Note: "NULL while open"},
				{Contract: "effectiveness_reviewed_at", Source: "effectiveness_checked_on", Type: "timestamptz"},
			}},
		Demo: DemoOf(demoActions, func(a Action) []any {
			return []any{a.Ref, a.Site, a.Kind, a.Origin, a.Priority, a.Raised, a.Due, a.Closed, a.Reviewed}
		}),
		Bench: benchActions,
	})
}

// Action is a capa record; an empty string is NULL.
type Action struct {
	Ref, Site, Kind, Origin, Priority string
	Raised, Due, Closed, Reviewed     Moment
}

// actionRefs is the format of the demonstration's action references.
const actionRefs = "CA-%05d"

// demoActionCount is the number of the demonstration group's actions,
// besides those raised after covert test failures.
const demoActionCount = 850

var (
	demoOrigins = []choice{
		{"incident", 30}, {"audit", 24}, {"staff_report", 20}, {"inspection", 18}, {"management_review", 8},
	}
	demoPriorities = []choice{{"high", 20}, {"medium", 50}, {"low", 30}}
)

// action raises an action age ago and lets it run its course at the site.
func (d *Demo) action(p profile, kind, origin, priority string, age time.Duration) *Action {
	var dueIn time.Duration
	switch priority {
	case "high":
		dueIn = d.between(10*day, 21*day)
	case "medium":
		dueIn = d.between(30*day, 60*day)
	default:
		dueIn = d.between(60*day, 120*day)
	}
	a := &Action{Site: p.code, Kind: kind, Origin: origin, Priority: priority, Raised: at(-age), Due: at(-age + dueIn)}
	took := time.Duration(float64(dueIn) * (0.25 + 0.75*d.r.Float64())).Round(time.Second)
	if !d.chance(p.closedOnTime) {
		took = dueIn + d.between(day, 75*day)
	}
	if took > age || d.chance(p.stale) {
		return a
	}
	a.Closed = at(-age + took)
	review := d.between(7*day, 45*day)
	if took+review <= age && !d.chance(p.missedReview) {
		a.Reviewed = at(-age + took + review)
	}
	return a
}

// demoActions draws the actions after the covert tests, since a failed test
// is followed by a corrective action within days, most of the time (harbour
// often fails to raise one), and the test then links to it.
func demoActions(d *Demo) []Action {
	tests := DemoRecords[CovertTest](d, "covert_tests")
	var all []*Action
	for _, p := range demoSites {
		for range count(demoActionCount, p) {
			kind := "corrective"
			if d.chance(0.3) {
				kind = "preventive"
			}
			all = append(all, d.action(p, kind, d.pick(demoOrigins), d.pick(demoPriorities), d.between(time.Hour, demoHistory)))
		}
	}
	// Actions that must be there whatever the draw: a high-priority
	// corrective action overdue (it pages on-call), one overdue for more
	// than 90 days (management hears of it), one due within the week.
	all = append(all,
		&Action{Site: "harbour", Kind: "corrective", Origin: "incident", Priority: "high", Raised: at(-38 * day), Due: at(-24 * day)},
		&Action{Site: "harbour", Kind: "corrective", Origin: "audit", Priority: "medium", Raised: at(-160 * day), Due: at(-110 * day)},
		&Action{Site: "north", Kind: "corrective", Origin: "inspection", Priority: "high", Raised: at(-12 * day), Due: at(3 * day)},
	)
	// Only a failure whose cause was found is followed up: the bad record
	// missing its cause is not.
	followUps := map[int]*Action{}
	for i, t := range tests {
		p, age := demoSite(t.Site), -t.Conducted.Offset
		if t.Result != "fail" || t.FailureCause == "" {
			continue
		}
		raisedAfter := d.between(12*time.Hour, 10*day)
		if raisedAfter >= age || !d.chance(p.followedUp) {
			continue
		}
		priority := "medium"
		if t.ConductedBy == "regulator" {
			priority = "high"
		}
		a := d.action(p, "corrective", "covert_test", priority, age-raisedAfter)
		followUps[i] = a
		all = append(all, a)
	}
	slices.SortStableFunc(all, func(a, b *Action) int { return cmp.Compare(a.Raised.Offset, b.Raised.Offset) })
	out := make([]Action, 0, len(all)+6)
	for i, a := range all {
		a.Ref = fmt.Sprintf(actionRefs, i+1)
		out = append(out, *a)
	}
	for i, a := range followUps {
		tests[i].LinkedAction = a.Ref
	}
	out = append(out,
		Action{Site: "harbour", Kind: "corrective", Origin: "audit", Priority: "high", Raised: at(-20 * day), Due: at(-30 * day)},
		Action{Site: "south", Kind: "preventive", Origin: "inspection", Priority: "low", Raised: at(-15 * day), Due: at(40 * day), Closed: at(-16 * day)},
		Action{Site: "north", Kind: "corrective", Origin: "incident", Priority: "medium", Raised: at(-80 * day), Due: at(-40 * day), Closed: at(-45 * day), Reviewed: at(-50 * day)},
		Action{Site: "valley", Kind: "improvement", Origin: "staff_report", Priority: "low", Raised: at(-9 * day), Due: at(60 * day)},
		Action{Site: "valley", Kind: "preventive", Origin: "audit", Priority: "medium", Raised: at(-50 * day), Due: at(-10 * day), Closed: at(-15 * day), Reviewed: at(-5 * day)},
	)
	return numbered(out, actionRefs, func(a *Action) *string { return &a.Ref })
}

// benchActionCount is the number of the benchmark group's actions at
// scale 1.
const benchActionCount = 50_000

var (
	benchPriorities = []choice{{"high", 0.2}, {"medium", 0.5}, {"low", 0.3}}
	dueIn           = map[string]time.Duration{"high": 30 * day, "medium": 60 * day, "low": 90 * day}
	benchOrigins    = []choice{{"audit", 0.3}, {"incident", 0.35}, {"inspection", 0.15}, {"management_review", 0.08}, {"staff_report", 0.12}}
)

// covertOrigin marks one benchmark action in covertOrigin as raised by a
// covert test; test failures link to these, so capa_ref always names an
// existing action.
const covertOrigin = 8

func actionRef(i int) string { return fmt.Sprintf("CAPA-%07d", i+1) }

func benchActions(s Spec) (int, func(yield func([]any) bool)) {
	n := s.count(benchActionCount)
	return n, func(yield func([]any) bool) {
		g := s.stream(3)
		row := make([]any, 9)
		for i := range n {
			st := g.site()
			kind := "corrective"
			if g.chance(0.3) {
				kind = "preventive"
			}
			origin := g.pick(benchOrigins)
			if i%covertOrigin == 0 {
				origin = "covert_test"
			}
			prio := g.pick(benchPriorities)
			raised := g.ago(benchHistory)
			due := raised.Add(dueIn[prio])
			var closed, reviewed any
			if !g.chance(st.stale) {
				closed = g.upTo(raised.Add(time.Duration(st.slow * float64(g.spread(dueIn[prio]*6/10, 0.5)))))
			}
			if c, ok := closed.(time.Time); ok && !g.chance(st.missedReview) {
				reviewed = g.upTo(c.Add(7*day + g.spread(14*day, 0.5)))
			}
			if isBad(i) {
				due = raised.Add(-day)
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = actionRef(i), st.code, kind, origin, prio, raised, due, closed, reviewed
			if !yield(row) {
				return
			}
		}
	}
}
