package exampledata

import (
	"fmt"
	"math"
	"time"
)

// The demonstration's configured indicators: measures an airport group
// defines for itself in its configuration (docs/extending.md), with no Go
// family behind them. Audits completed against plan is a ratio with
// targets, disruption minutes a sum where lower is better, staff vigilance
// reports a count tracked for trend only. Harbour again does worst. They
// have no benchmark records: the benchmark measures the families.

func init() {
	Register(Entry{
		Name:      "audits_completed",
		Order:     6,
		Indicator: true,
		Table: Table{Name: "audit_plan", File: "audits_completed.csv",
			Doc: "The security audit programmes: audits planned and done, per site, month and\nprogramme.",
			Columns: []Column{
				{Contract: "ref", Source: "plan_ref", Type: "text"},
				siteColumn,
				{Contract: "at", Source: "month_start", Type: "timestamptz"},
				{Contract: "breakdown", Source: "programme", Type: "text", Map: Coded("internal", "INTERNAL", "external", "EXTERNAL")},
				{Contract: "numerator", Source: "audits_done", Type: "integer"},
				{Contract: "denominator", Source: "audits_planned", Type: "integer"},
			}},
		Settings: `title: Security audits completed to plan
description: >-
  Share of the security audits planned in the last 12 months, internal and
  external, that were done.
measure: ratio
window: 365d
breakdown:
  title: Audit programme
  values: [internal, external]
targets: {green: 0.95, amber: 0.85}
`,
		Demo: rowsAsDrawn(demoAudits),
	})
	Register(Entry{
		Name:      "disruption_minutes",
		Order:     7,
		Indicator: true,
		Table: Table{Name: "disruption_log", File: "disruption_minutes.csv",
			Doc: "Security events that held up operations, with the minutes they cost.",
			Columns: []Column{
				{Contract: "ref", Source: "event_no", Type: "text"},
				siteColumn,
				{Contract: "at", Source: "started_at", Type: "timestamptz"},
				{Contract: "value", Source: "delay_minutes", Type: "numeric", Note: "NULL while not yet assessed"},
			}},
		Settings: `title: Disruption caused by security
description: >-
  Minutes of operational disruption (held departures, closed checkpoints)
  caused by security events in the last 30 days.
measure: sum
unit: minutes
direction: lower_is_better
window: 30d
# Per site, and for the group as a whole, whose figure is the sites' sum.
targets: {green: 120, amber: 240}
organisation_targets: {green: 400, amber: 600}
`,
		Demo: rowsAsDrawn(demoDisruptions),
	})
	Register(Entry{
		Name:      "vigilance_reports",
		Order:     8,
		Indicator: true,
		Table: Table{Name: "vigilance_reports", File: "vigilance_reports.csv",
			Doc: "Staff reports of suspicious items or behaviour. The reporter is not\nrecorded here; nothing identifies them.",
			Columns: []Column{
				{Contract: "ref", Source: "report_no", Type: "text"},
				siteColumn,
				{Contract: "at", Source: "reported_at", Type: "timestamptz"},
				{Contract: "breakdown", Source: "zone", Type: "text", Map: Coded("landside", "LANDSIDE", "airside", "AIRSIDE", "perimeter", "PERIMETER")},
			}},
		Settings: `title: Staff vigilance reports
description: >-
  Reports of suspicious items or behaviour made by staff in the last 30
  days, by zone. A reporting volume is tracked for trend only: a target
  would discourage reporting.
measure: count
unit: reports
trend_only: true
window: 30d
breakdown:
  title: Zone
  values: [landside, airside, perimeter]
`,
		Demo: rowsAsDrawn(demoVigilanceReports),
	})
}

// rowsAsDrawn makes the demonstration records of a generator that draws
// them as rows of its table already.
func rowsAsDrawn(draw func(*Demo) [][]any) DemoGen {
	return DemoOf(draw, func(r []any) []any { return r })
}

// indicatorProfile is how one demonstration site does on the indicators.
type indicatorProfile struct {
	// auditsPlanned by the internal programme per month, auditsMissed the
	// share of all audits not done.
	auditsPlanned int
	auditsMissed  float64
	// disruptions per 30 days, and the longest one in minutes.
	disruptions, longestDisruption float64
	// reports per 30 days.
	reports float64
}

var indicatorProfiles = map[string]indicatorProfile{
	"north":   {auditsPlanned: 6, auditsMissed: 0.03, disruptions: 4, longestDisruption: 45, reports: 55},
	"south":   {auditsPlanned: 5, auditsMissed: 0.08, disruptions: 3, longestDisruption: 40, reports: 35},
	"harbour": {auditsPlanned: 4, auditsMissed: 0.25, disruptions: 8, longestDisruption: 90, reports: 20},
	"valley":  {auditsPlanned: 3, auditsMissed: 0.05, disruptions: 1.5, longestDisruption: 30, reports: 15},
}

var zones = []choice{{"landside", 0.5}, {"airside", 0.35}, {"perimeter", 0.15}}

// month is the spacing of monthly records, the demonstration's history
// holding 24 of them.
const month = 30 * day

// demoAudits plans each site's audits month by month, a row per site, month
// and programme: the internal programme plans several a month, the external
// auditors one a quarter. One row claims more done than planned.
func demoAudits(d *Demo) [][]any {
	var rows [][]any
	for _, p := range demoSites {
		ip := indicatorProfiles[p.code]
		for m := range int(demoHistory / month) {
			for _, prog := range []struct {
				name    string
				planned int
			}{{"internal", ip.auditsPlanned}, {"external", 1 - min(m%3, 1)}} {
				if prog.planned == 0 {
					continue
				}
				done := 0
				for range prog.planned {
					if !d.chance(ip.auditsMissed) {
						done++
					}
				}
				ref := fmt.Sprintf("AUD-%s-%s-%02d", p.abbrev, prog.name[:3], m)
				rows = append(rows, []any{ref, p.code, at(-time.Duration(m)*month - day), prog.name, float64(done), float64(prog.planned)})
			}
		}
	}
	rows[5][4] = rows[5][5].(float64) + 1 // numerator_above_denominator
	return duplicated(rows)
}

// demoDisruptions are security events that held up operations, each with
// the minutes it cost, spread over the history. One has no minutes
// recorded and one is dated in the future.
func demoDisruptions(d *Demo) [][]any {
	var rows [][]any
	for _, p := range demoSites {
		ip := indicatorProfiles[p.code]
		for range int(math.Round(ip.disruptions * float64(demoHistory/month))) {
			minutes := math.Round(5 + d.r.Float64()*(ip.longestDisruption-5))
			rows = append(rows, []any{fmt.Sprintf("DIS-%05d", len(rows)+1), p.code, at(-d.between(time.Hour, demoHistory)), minutes})
		}
	}
	rows[3][3] = nil                // missing_value
	rows[11][2] = at(2 * time.Hour) // future_at
	return duplicated(rows)
}

// demoVigilanceReports are staff reports of suspicious items or behaviour,
// by zone. One names a zone the indicator does not have.
func demoVigilanceReports(d *Demo) [][]any {
	var rows [][]any
	for _, p := range demoSites {
		ip := indicatorProfiles[p.code]
		for range int(math.Round(ip.reports * float64(demoHistory/month))) {
			rows = append(rows, []any{fmt.Sprintf("VR-%06d", len(rows)+1), p.code, at(-d.between(time.Minute, demoHistory)), d.pick(zones)})
		}
	}
	rows[9][3] = "carpark" // unknown_breakdown
	return duplicated(rows)
}

// duplicated exports the last row twice, the second time with its
// reference padded, as numbered does for a family's records: the exporter
// rejects both copies as duplicate_ref.
func duplicated(rows [][]any) [][]any {
	last := rows[len(rows)-1]
	dup := append([]any{last[0].(string) + " "}, last[1:]...)
	return append(rows, dup)
}
