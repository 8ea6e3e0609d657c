package demo

import (
	"fmt"
	"math"
	"time"
)

// The demo's configured indicators (examples/demo.yml), each a measure an
// airport group defines for itself: audits completed against plan (a
// ratio), minutes of operational disruption caused by security (a sum,
// lower is better) and staff vigilance reports by zone (a count, tracked
// for trend only). Harbour again does worst.

// indicatorProfile is how one site does on the indicators.
type indicatorProfile struct {
	// auditsPlanned per month, auditsMissed the share not done.
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

const month = 30 * day

func (g gen) indicators() map[string][][]any {
	return map[string][][]any{
		"audits_completed":   g.audits(),
		"disruption_minutes": g.disruptions(),
		"vigilance_reports":  g.vigilanceReports(),
	}
}

// audits plans each site's audits month by month over the history, a row
// per site, month and programme: the audits planned and those done. The
// internal programme plans several a month, the external auditors one a
// quarter. One row claims more done than planned, and one plan is exported
// twice.
func (g gen) audits() [][]any {
	var rows [][]any
	for _, p := range sites {
		ip := indicatorProfiles[p.code]
		for m := range int(history / month) {
			for _, prog := range []struct {
				name    string
				planned int
			}{{"internal", ip.auditsPlanned}, {"external", 1 - min(m%3, 1)}} {
				if prog.planned == 0 {
					continue
				}
				done := 0
				for range prog.planned {
					if !g.chance(ip.auditsMissed) {
						done++
					}
				}
				ref := fmt.Sprintf("AUD-%s-%s-%02d", p.abbrev, prog.name[:3], m)
				rows = append(rows, []any{ref, p.code, at(-time.Duration(m)*month - day), prog.name, float64(done), float64(prog.planned)})
			}
		}
	}
	rows[5][4] = rows[5][5].(float64) + 1                                               // numerator_above_denominator
	rows = append(rows, append([]any{" " + rows[7][0].(string) + " "}, rows[7][1:]...)) // duplicate_ref, twice
	return rows
}

// disruptions are security events that held up operations, each with the
// minutes of disruption it caused, spread over the history. One has no
// minutes recorded, one is dated in the future, one is exported twice.
func (g gen) disruptions() [][]any {
	var rows [][]any
	n := 0
	for _, p := range sites {
		ip := indicatorProfiles[p.code]
		for range int(math.Round(ip.disruptions * float64(history/month))) {
			n++
			minutes := math.Round(5 + g.r.Float64()*(ip.longestDisruption-5))
			rows = append(rows, []any{fmt.Sprintf("DIS-%05d", n), p.code, at(-g.between(time.Hour, history)), minutes})
		}
	}
	rows[3][3] = nil                // missing_value
	rows[11][2] = at(2 * time.Hour) // future_at
	rows = append(rows, append([]any{rows[17][0].(string) + " "}, rows[17][1:]...))
	return rows
}

// vigilanceReports are staff reports of suspicious items or behaviour, by
// zone. One names a zone the indicator does not have, one is exported
// twice.
func (g gen) vigilanceReports() [][]any {
	var rows [][]any
	n := 0
	for _, p := range sites {
		ip := indicatorProfiles[p.code]
		for range int(math.Round(ip.reports * float64(history/month))) {
			n++
			rows = append(rows, []any{fmt.Sprintf("VR-%06d", n), p.code, at(-g.between(time.Minute, history)), g.pick(zones)})
		}
	}
	rows[9][3] = "carpark" // unknown_breakdown
	rows = append(rows, append([]any{" " + rows[21][0].(string)}, rows[21][1:]...))
	return rows
}
