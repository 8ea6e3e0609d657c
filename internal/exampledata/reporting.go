package exampledata

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The reporting family's example data: the security reporting system's
// register of reports. It holds no reporter: the system keeps who reported
// apart, and the export never had it.

func init() {
	Register(Entry{
		Name:  "reporting",
		Order: 9,
		Table: Table{Name: "security_reports", File: "reporting.csv",
			Doc: "One row per security report received; who made it is kept apart and\nnever exported.",
			Columns: []Column{
				{Contract: "report_ref", Source: "report_id", Type: "text PRIMARY KEY"},
				siteColumn,
				{Contract: "channel", Source: "route", Type: "text", Map: Coded("mandatory", "MOR",
					"voluntary", "VOL", "confidential", "CONF", "anonymous", "ANON"), Note: "MOR: mandatory occurrence report"},
				{Contract: "category", Source: "topic", Type: "text", Map: Coded("access_control", "ACCESS",
					"screening", "SCREENING", "prohibited_item", "PROHIBITED", "suspicious_behaviour", "BEHAVIOUR",
					"information_security", "INFOSEC", "procedure", "PROCEDURE", "other", "OTHER")},
				{Contract: "received_at", Source: "received", Type: "timestamptz"},
				{Contract: "acknowledged_at", Source: "acknowledged", Type: "timestamptz", Note: "NULL: not yet, or anonymous"},
				{Contract: "feedback_given_at", Source: "feedback_sent", Type: "timestamptz", Note: "NULL: not yet"},
			}},
		Settings: `# Staff per site, for the rate of reports per 1,000 staff.
options:
  headcount: {north: 1260, south: 810, harbour: 570, valley: 360}
`,
		Demo: DemoOf(demoReports, func(r Report) []any {
			return []any{r.Ref, r.Site, r.Channel, r.Category, r.Received, r.Acknowledged, r.Feedback}
		}),
		Bench: benchReports,
	})
}

// Report is a reporting record; an empty string is NULL.
type Report struct {
	Ref, Site, Channel, Category     string
	Received, Acknowledged, Feedback Moment
}

// demoReportsPerYear is the demonstration group's reports a year.
const demoReportsPerYear = 900

var (
	demoChannels     = []choice{{"mandatory", 55}, {"voluntary", 35}, {"confidential", 7}, {"anonymous", 3}}
	demoReportTopics = []choice{{"access_control", 22}, {"screening", 18}, {"prohibited_item", 15},
		{"suspicious_behaviour", 20}, {"information_security", 8}, {"procedure", 12}, {"other", 5}}
)

func demoReports(d *Demo) []Report {
	var out []Report
	for _, p := range demoSites {
		for range count(2*demoReportsPerYear, p) {
			received := d.between(time.Hour, demoHistory)
			r := Report{Site: p.code, Channel: d.pick(demoChannels), Category: d.pick(demoReportTopics), Received: at(-received)}
			// Sites that close their actions late answer their reports late
			// too.
			ack := d.between(time.Hour, 36*time.Hour)
			if !d.chance(p.closedOnTime) {
				ack = d.between(48*time.Hour, 8*day)
			}
			if r.Channel != "anonymous" && ack < received {
				r.Acknowledged = at(-received + ack)
			}
			feedback := d.between(3*day, 25*day)
			if !d.chance(p.closedOnTime) {
				feedback = d.between(30*day, 70*day)
			}
			if feedback < received {
				r.Feedback = at(-received + feedback)
			}
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Report) int { return cmp.Compare(a.Received.Offset, b.Received.Offset) })
	out = append(out,
		Report{Site: "north", Channel: "hotline", Category: "procedure", Received: at(-20 * day)},
		Report{Site: "south", Channel: "voluntary", Category: "screening", Received: at(-10 * day), Acknowledged: at(-11 * day)},
		Report{Site: "valley", Channel: "mandatory", Category: "access_control", Received: at(-3 * day), Feedback: at(-4 * day)},
		Report{Site: "harbour", Channel: "confidential", Category: "other", Received: at(2 * day)},
		Report{Site: "north", Channel: "mandatory", Category: "screening", Received: at(-6 * day), Acknowledged: at(-5 * day)},
	)
	return numbered(out, "SR-%05d", func(r *Report) *string { return &r.Ref })
}

// benchReportsPerYear is the benchmark group's reports a year at scale 1.
const benchReportsPerYear = 20_000

var (
	benchChannels     = []choice{{"mandatory", 0.55}, {"voluntary", 0.35}, {"confidential", 0.07}, {"anonymous", 0.03}}
	benchReportTopics = []choice{{"access_control", 0.22}, {"screening", 0.18}, {"prohibited_item", 0.15},
		{"suspicious_behaviour", 0.2}, {"information_security", 0.08}, {"procedure", 0.12}, {"other", 0.05}}
)

func benchReports(s Spec) (int, func(yield func([]any) bool)) {
	n := s.count(benchReportsPerYear * int(benchHistory/year))
	return n, func(yield func([]any) bool) {
		g := s.stream(9)
		row := make([]any, 7)
		for i := range n {
			st := g.site()
			channel := g.pick(benchChannels)
			received := g.ago(benchHistory)
			var acked any
			if channel != "anonymous" {
				acked = g.upTo(received.Add(g.spread(time.Duration(float64(day)*st.slow), 0.6)))
			}
			feedback := g.upTo(received.Add(g.spread(time.Duration(float64(14*day)*st.slow), 0.5)))
			if isBad(i) {
				feedback = received.Add(-time.Hour)
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = fmt.Sprintf("SR-%07d", i+1), st.code, channel, g.pick(benchReportTopics), received, acked, feedback
			if !yield(row) {
				return
			}
		}
	}
}
