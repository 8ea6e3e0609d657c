package exampledata

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// The incidents family's example data: the incident log.

func init() {
	Register(Entry{
		Name:  "incidents",
		Order: 2,
		Table: Table{Name: "incident_log", File: "incidents.csv",
			Columns: []Column{
				{Contract: "incident_ref", Source: "incident_no", Type: "text PRIMARY KEY"},
				siteColumn,
				{Contract: "category", Source: "category", Type: "text", Map: DisplayName, Note: "display name, e.g. 'Perimeter breach'"},
				{Contract: "severity", Source: "priority", Type: "text", Map: Coded(
					"critical", "P1", "high", "P2", "medium", "P3", "low", "P4"), Note: "P1 is critical, P4 low"},
				{Source: "summary", Type: "text", Note: "free text: never selected by a record query"},
				{Contract: "reported_at", Source: "opened_at", Type: "timestamptz"},
				{Contract: "resolved_at", Source: "closed_at", Type: "timestamptz", Note: "NULL while open"},
			}},
		QueryNote: "The summary column is free text: it is never selected.",
		Demo: DemoOf(demoIncidents, func(i Incident) []any {
			return []any{i.Ref, i.Site, i.Category, i.Severity, summaries[i.Category], i.Reported, i.Resolved}
		}),
		Bench: benchIncidents,
	})
}

// summaries stand for the incident log's free text, which no record query
// selects; a category it does not know has none.
var summaries = map[string]string{
	"prohibited_item":      "Prohibited item found at screening",
	"unauthorised_access":  "Person found in a restricted zone without authority",
	"perimeter_breach":     "Perimeter fence breach",
	"suspicious_behaviour": "Suspicious behaviour reported",
	"insider_activity":     "Possible insider activity",
	"equipment_tampering":  "Security equipment tampered with",
	"cyber":                "Cyber security event",
	"other":                "Other security occurrence",
}

// Incident is an incidents record; an empty string is NULL.
type Incident struct {
	Ref, Site, Category, Severity string
	Reported, Resolved            Moment
}

// demoIncidentCount is the number of the demonstration group's incidents.
const demoIncidentCount = 3200

var (
	demoCategories = []choice{
		{"prohibited_item", 38}, {"suspicious_behaviour", 18}, {"unauthorised_access", 14}, {"other", 14},
		{"perimeter_breach", 6}, {"cyber", 4}, {"insider_activity", 3}, {"equipment_tampering", 3},
	}
	// Breaches of access and of systems are more often severe than the
	// prohibited items found at screening.
	severeMix = []choice{{"critical", 5}, {"high", 25}, {"medium", 45}, {"low", 25}}
	usualMix  = []choice{{"critical", 1}, {"high", 8}, {"medium", 35}, {"low", 56}}
	// resolutionTarget is the exporter's default target per severity.
	resolutionTarget = map[string]time.Duration{"critical": 2 * time.Hour, "high": day, "medium": 3 * day, "low": 7 * day}
)

func demoIncidents(d *Demo) []Incident {
	var out []Incident
	for _, p := range demoSites {
		for range count(demoIncidentCount, p) {
			cat := d.pick(demoCategories)
			mix := usualMix
			if cat != "prohibited_item" && cat != "suspicious_behaviour" && cat != "other" {
				mix = severeMix
			}
			sev := d.pick(mix)
			age := d.between(0, demoHistory)
			target := resolutionTarget[sev]
			took := time.Duration(float64(target) * (0.03 + 0.97*math.Pow(d.r.Float64(), 1.5)))
			if !d.chance(p.resolvedOnTime) {
				took = target + time.Duration(d.r.ExpFloat64()*1.5*float64(target))
			}
			inc := Incident{Site: p.code, Category: cat, Severity: sev, Reported: at(-age)}
			if took.Round(time.Second) <= age && !d.chance(p.stale) {
				inc.Resolved = at(-age + took)
			}
			out = append(out, inc)
		}
	}
	slices.SortStableFunc(out, func(a, b Incident) int { return cmp.Compare(a.Reported.Offset, b.Reported.Offset) })
	out = append(out,
		Incident{Site: "harbour", Category: "perimeter_breach", Severity: "high", Reported: at(-3 * day), Resolved: at(-4 * day)},
		Incident{Site: "south", Category: "prohibited_item", Severity: "urgent", Reported: at(-6 * day), Resolved: at(-5 * day)},
		Incident{Site: "north", Category: "other", Severity: "low", Resolved: at(-12 * day)},
		Incident{Site: "valley", Category: "cyber", Severity: "medium", Reported: at(day)},
		Incident{Site: "north", Category: "prohibited_item", Severity: "low", Reported: at(-2 * day), Resolved: at(-2*day + 3*time.Hour)},
	)
	return numbered(out, "INC-%06d", func(i *Incident) *string { return &i.Ref })
}

// benchIncidentCount is the number of the benchmark group's incidents at
// scale 1.
const benchIncidentCount = 250_000

var (
	// resolution is the usual time to resolve an incident of each severity.
	resolution      = map[string]time.Duration{"critical": 45 * time.Minute, "high": 8 * time.Hour, "medium": 30 * time.Hour, "low": 3 * day}
	benchSeverities = []choice{{"critical", 0.02}, {"high", 0.10}, {"medium", 0.38}, {"low", 0.50}}
	benchCategories = []choice{{"prohibited_item", 0.42}, {"unauthorised_access", 0.14}, {"perimeter_breach", 0.05},
		{"suspicious_behaviour", 0.18}, {"insider_activity", 0.02}, {"equipment_tampering", 0.03}, {"cyber", 0.04}, {"other", 0.12}}
)

func benchIncidents(s Spec) (int, func(yield func([]any) bool)) {
	n := s.count(benchIncidentCount)
	return n, func(yield func([]any) bool) {
		g := s.stream(2)
		row := make([]any, 7)
		for i := range n {
			st := g.site()
			sev, cat := g.pick(benchSeverities), g.pick(benchCategories)
			reported := g.ago(benchHistory)
			var resolved any
			if !g.chance(st.stale) {
				resolved = g.upTo(reported.Add(time.Duration(st.slow * float64(g.spread(resolution[sev], 0.7)))))
			}
			if isBad(i) {
				resolved = reported.Add(-time.Hour)
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = fmt.Sprintf("INC-%08d", i+1), st.code, cat, sev, summaries[cat], reported, resolved
			if !yield(row) {
				return
			}
		}
	}
}
