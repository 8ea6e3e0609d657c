package collectors

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// reportingCSV writes n reports of a site and channel received a day apart
// from the first at 09:00 UTC, each acknowledged and given feedback the
// given time after receipt (0: not yet). The export carries a reporter
// column, which the contract does not have: it is never read.
type reportingRows struct {
	b strings.Builder
	n int
}

func newReportingRows() *reportingRows {
	r := &reportingRows{}
	r.b.WriteString("report_ref,reporter,site,channel,category,received_at,acknowledged_at,feedback_given_at\n")
	return r
}

func (r *reportingRows) add(n int, site, channel, first string, ack, feedback time.Duration) {
	day, err := time.Parse(time.DateOnly, first)
	if err != nil {
		panic(err)
	}
	for i := range n {
		received := day.AddDate(0, 0, i).Add(9 * time.Hour)
		cell := func(d time.Duration) string {
			if d == 0 {
				return ""
			}
			return received.Add(d).Format(time.RFC3339)
		}
		r.n++
		fmt.Fprintf(&r.b, "R%04d,Jane Reporter %d,%s,%s,procedure,%s,%s,%s\n", r.n, r.n, site, channel,
			received.Format(time.RFC3339), cell(ack), cell(feedback))
	}
}

func (r *reportingRows) line(s string) { r.b.WriteString(s + "\n") }

const reportingDay = 24 * time.Hour

func TestReporting(t *testing.T) {
	rows := newReportingRows()
	// testNow is 2026-03-10T12:00Z; the window (90 d) starts 2025-12-10T12:00Z.
	// Targets: 48 h to acknowledge, 30 d to give feedback.
	rows.add(5, "north", "mandatory", "2026-01-05", reportingDay, 10*reportingDay)
	// Feedback never given; due 30 d after 2026-02-02..06, before now: late.
	rows.add(5, "north", "mandatory", "2026-02-02", reportingDay, 0)
	// 03-01 and 03-02 acknowledged after 3 days: late; no feedback yet, and
	// none due (03-01 + 30 d is 03-31).
	rows.add(2, "north", "mandatory", "2026-03-01", 3*reportingDay, 0)
	rows.add(3, "north", "mandatory", "2026-03-03", reportingDay, 0)
	// Received 6 h ago: neither acknowledged nor due yet.
	rows.line("R0900,Jane Reporter,north,mandatory,procedure,2026-03-10T06:00:00Z,,")
	rows.add(3, "north", "voluntary", "2026-01-12", reportingDay, 10*reportingDay)
	rows.add(3, "north", "voluntary", "2026-02-09", reportingDay, 5*reportingDay)
	// Three confidential reports: 03-02 and 03-03 acknowledged in a day;
	// 03-04 not at all, 48 h since passed: late.
	rows.add(2, "north", "confidential", "2026-03-02", reportingDay, 0)
	rows.add(1, "north", "confidential", "2026-03-04", 0, 0)
	rows.add(7, "south", "mandatory", "2026-01-05", reportingDay, 10*reportingDay)
	rows.add(2, "south", "mandatory", "2026-03-02", reportingDay, 0)
	rows.add(5, "south", "voluntary", "2025-12-15", reportingDay, 10*reportingDay)
	// Anonymous reports cannot be acknowledged; out of the window.
	rows.add(6, "south", "anonymous", "2025-01-13", 0, 0)
	// A small site: three confidential reports, all answered on time.
	rows.add(3, "east", "confidential", "2026-02-16", reportingDay, 2*reportingDay)
	// Rejected.
	rows.line("R0901,x,north,hotline,procedure,2026-03-01T09:00:00Z,,")
	rows.line("R0902,x,north,mandatory,,2026-03-01T09:00:00Z,,")
	rows.line("R0903,x,north,mandatory,procedure,2026-03-10T12:05:01Z,,")
	rows.line("R0904,x,north,mandatory,procedure,2026-03-01T09:00:00Z,2026-02-28T09:00:00Z,")
	rows.line("R0905,x,north,mandatory,procedure,2026-03-01T09:00:00Z,,2026-02-28T09:00:00Z")
	rows.line("R0906,x,north,mandatory,procedure,2026-03-01T09:00:00Z,,")
	rows.line("R0906,x,north,voluntary,procedure,2026-03-02T09:00:00Z,,")

	f := reporting{}
	s := testSettings(f, "north", "south", "east", "west")
	s.Options.(*reportingOptions).Headcount = map[string]int{"north": 1200}
	got, rejected := collect(t, f, s, rows.b.String())

	report := func(site, channel, period string) string {
		granularity, complete := "month", period != "2026-03"
		if strings.Contains(period, "Q") {
			granularity, complete = "quarter", period != "2026-Q1"
		}
		return fmt.Sprintf(`{channel=%q,complete="%t",granularity=%q,period=%q,site=%q}`, channel, complete, granularity, period, site)
	}
	expect(t, got, map[string]float64{
		// north mandatory: January 5, February 5, March 5 + 1 = 6, each at
		// least k = 5; the first quarter 16, all its months published.
		"sems_reporting_reports" + report("north", "mandatory", "2026-01"): 5,
		"sems_reporting_reports" + report("north", "mandatory", "2026-02"): 5,
		"sems_reporting_reports" + report("north", "mandatory", "2026-03"): 6,
		"sems_reporting_reports" + report("north", "mandatory", "2026-Q1"): 16,
		// Per 1,000 of north's 1,200 staff: 6 / 1.2 = 5; 16 / 1.2 = 13.33.
		"sems_reporting_reports_per_1000_staff" + report("north", "mandatory", "2026-03"): 5,
		"sems_reporting_reports_per_1000_staff" + report("north", "mandatory", "2026-Q1"): 16 / 1.2,
		// north voluntary: 3 and 3 withheld, but the quarter's 6 tells only
		// that they make 6.
		"sems_reporting_reports" + report("north", "voluntary", "2026-Q1"): 6,
		"sems_reporting_reports" + report("south", "mandatory", "2026-01"): 7,
		"sems_reporting_reports" + report("south", "voluntary", "2025-12"): 5,
		// 2025-Q1: March 2025 (0) is a month period, January and February
		// are not; the withheld 0 + 6 make 6 >= 5.
		"sems_reporting_reports" + report("south", "anonymous", "2025-Q1"): 6,
		// Sites with records: north, south, east; 4 channels x (13 months +
		// 8 quarters) = 84 cells each, 252 in all, of which the 8 above
		// (north mandatory 4, north voluntary 1, south 3) are published.
		`sems_reporting_suppressed_counts{}`:     244,
		`sems_reporting_suppress_below{}`:        5,
		`sems_reporting_headcount{site="north"}`: 1200,
		// Acknowledged, north: due = mandatory 5 + 5 + 5 (not the 6 h old
		// one) + voluntary 6 + confidential 3 = 24; on time 5 + 5 + 3 + 6 +
		// 2 = 21: 0.875, amber (0.85 <= x < 0.95).
		`sems_kpi_numerator{kpi="reporting_acknowledged",site="north"}`:   21,
		`sems_kpi_denominator{kpi="reporting_acknowledged",site="north"}`: 24,
		`sems_kpi_rag_status{kpi="reporting_acknowledged",site="north"}`:  RAGAmber,
		// south: 7 + 2 + 5 = 14 of 14 (the anonymous ones are out of the
		// window).
		`sems_kpi_ratio{kpi="reporting_acknowledged",site="south"}`:       1,
		`sems_kpi_denominator{kpi="reporting_acknowledged",site="south"}`: 14,
		// Organisation, without east: 35 / 38 = 0.921, amber.
		`sems_kpi_organisation_ratio{kpi="reporting_acknowledged"}`:      35.0 / 38,
		`sems_kpi_organisation_rag_status{kpi="reporting_acknowledged"}`: RAGAmber,
		// Feedback, north: due = mandatory January 5 + February 5 (30 d
		// passed) + voluntary 6 = 16; on time 5 + 0 + 6 = 11: 0.6875, red
		// (< 0.75). south: 7 + 5 = 12 of 12. Organisation 23 / 28 = 0.821,
		// amber (0.75 <= x < 0.90).
		`sems_kpi_ratio{kpi="reporting_feedback",site="north"}`:                       11.0 / 16,
		`sems_kpi_rag_status{kpi="reporting_feedback",site="north"}`:                  RAGRed,
		`sems_kpi_ratio{kpi="reporting_feedback",site="south"}`:                       1,
		`sems_kpi_organisation_ratio{kpi="reporting_feedback"}`:                       23.0 / 28,
		`sems_kpi_organisation_rag_status{kpi="reporting_feedback"}`:                  RAGAmber,
		`sems_reporting_acknowledge_within_seconds{}`:                                 172800,
		`sems_reporting_feedback_within_seconds{}`:                                    2592000,
		`sems_kpi_target_ratio{kpi="reporting_acknowledged",rag="green",site="east"}`: 0.95,
	})
	expectAbsent(t, got,
		// Below k: 3 and 3, 2; and the quarters whose difference with
		// their published months would reveal them: south mandatory's 9
		// less January's 7; south voluntary's 2025-Q4, whose October and
		// November are 0.
		"sems_reporting_reports"+report("north", "voluntary", "2026-01"),
		"sems_reporting_reports"+report("south", "mandatory", "2026-03"),
		"sems_reporting_reports"+report("south", "mandatory", "2026-Q1"),
		"sems_reporting_reports"+report("south", "voluntary", "2025-Q4"),
		// Withheld as absent, never as 0.
		"sems_reporting_reports"+report("north", "anonymous", "2026-03"),
		// No headcount, no rate.
		"sems_reporting_reports_per_1000_staff"+report("south", "mandatory", "2026-01"),
	)
	// north's and east's three confidential reports each: no count of them
	// anywhere, and nothing of east but its targets, since its 3 reports
	// are fewer than k (it is left out of the organisation's share too).
	for key := range got {
		if strings.Contains(key, `channel="confidential"`) {
			t.Errorf("sample %s exposes a count of confidential reports", key)
		}
		if strings.Contains(key, `site="east"`) && !strings.HasPrefix(key, "sems_kpi_target_ratio{") {
			t.Errorf("sample %s exposes the small site east", key)
		}
		if strings.Contains(key, "Jane") || strings.Contains(key, "R0") {
			t.Errorf("sample %s exposes a reporter or a report reference", key)
		}
	}
	expect(t, rejected, map[string]float64{
		"unknown_channel": 1, "missing_category": 1, "future_received_at": 1,
		"acknowledged_before_received": 1, "feedback_before_received": 1, "duplicate_report_ref": 2,
	})
	if len(rejected) != 6 {
		t.Errorf("rejected = %v, want exactly the 6 reasons above", rejected)
	}
}

// TestReportingSuppressBelow: with k = 3, north's three confidential
// reports of March 2026 are published (3 >= 3); with the default 5 they
// are not (TestReporting).
func TestReportingSuppressBelow(t *testing.T) {
	rows := newReportingRows()
	rows.add(3, "north", "confidential", "2026-03-02", reportingDay, 0)
	f := reporting{}
	s := testSettings(f, "north")
	s.Options.(*reportingOptions).SuppressBelow = 3
	got, _ := collect(t, f, s, rows.b.String())
	expect(t, got, map[string]float64{
		`sems_reporting_reports{channel="confidential",complete="false",granularity="month",period="2026-03",site="north"}`: 3,
		// January and February 0 < 3: the quarter would tell them.
		// 4 x 21 cells, 1 published.
		`sems_reporting_suppressed_counts{}`: 83,
		`sems_reporting_suppress_below{}`:    3,
	})
}

func TestReportingValidate(t *testing.T) {
	f := reporting{}
	if err := f.NewOptions().(*reportingOptions).Validate(); err != nil {
		t.Errorf("default options: %v", err)
	}
	if err := f.NewTargets().(*reportingTargets).Validate(); err != nil {
		t.Errorf("default targets: %v", err)
	}
	o := f.NewOptions().(*reportingOptions)
	o.SuppressBelow = 1
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("suppress_below 1: %v", err)
	}
	o = f.NewOptions().(*reportingOptions)
	o.Headcount = map[string]int{"north": 0}
	if err := o.Validate(); err == nil {
		t.Error("headcount 0 accepted")
	}
	s := testSettings(f, "north")
	s.Options.(*reportingOptions).Headcount = map[string]int{"west": 100}
	if err := f.ValidateSettings(s); err == nil || !strings.Contains(err.Error(), `"west" is not a configured site`) {
		t.Errorf("headcount of an unknown site: %v", err)
	}
}
