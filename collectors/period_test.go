package collectors_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
	"github.com/sems-exporter/sems_exporter/internal/promtest"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// periodCase is a small dataset whose period values are worked out by hand.
type periodCase struct {
	family string
	cal    collectors.Calendar
	now    time.Time
	csv    string
	// dates names the columns held as PostgreSQL dates; the others are text.
	dates []string
}

// run aggregates the dataset from CSV and from PostgreSQL, in a database
// whose sessions default to a time zone that is neither UTC nor the
// calendar's; both must give byte-identical metrics, and the CSV ones are
// returned flattened.
func (c periodCase) run(t *testing.T, server *pgtest.Server) map[string]float64 {
	t.Helper()
	f, _ := collectors.Lookup(c.family)
	s := collectors.DefaultSettings(f, []string{"north", "south"})
	s.Calendar = c.cal
	shape := f.Shape(s)
	dir := t.TempDir()
	path := filepath.Join(dir, c.family+".csv")
	if err := os.WriteFile(path, []byte(c.csv), 0o600); err != nil {
		t.Fatal(err)
	}
	name := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	dsn, err := server.NewDatabase(name)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dsn)
	copyCSV(t, db, c.family, shape.Columns, path, func(column string) string {
		for _, d := range c.dates {
			if d == column {
				return "date"
			}
		}
		return "text"
	})
	if _, err := db.Exec(fmt.Sprintf("ALTER DATABASE %s SET TimeZone = 'Pacific/Chatham'", name)); err != nil {
		t.Fatal(err)
	}
	fromCSV, fromDB := aggregateBoth(t, openSource(t, dsn), dir, c.family, c.family+".csv", shape, c.now)
	sameMetrics(t, f, s, shape, fromCSV, fromDB)
	if r := fromCSV.Rejected(); len(r) > 0 {
		t.Fatalf("records rejected: %v", r)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(fixed{f, f.Metrics(shape, fromCSV, s)})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return promtest.Flatten(mfs)
}

// kpiPeriod is the key of a sems_kpi_period_* sample, or of an
// organisation one when site is "".
func kpiPeriod(metric, kpi, site, period string, complete bool) string {
	granularity := "month"
	if strings.Contains(period, "Q") {
		granularity = "quarter"
	}
	labels := []string{"kpi", kpi, "period", period, "granularity", granularity, "complete", fmt.Sprint(complete)}
	if site == "" {
		return promtest.Sample("sems_kpi_organisation_period_"+metric, labels...)
	}
	return promtest.Sample("sems_kpi_period_"+metric, append(labels, "site", site)...)
}

// familyPeriod is the key of a family's period sample.
func familyPeriod(metric, period string, complete bool, labels ...string) string {
	granularity := "month"
	if strings.Contains(period, "Q") {
		granularity = "quarter"
	}
	return promtest.Sample(metric, append(labels, "period", period, "granularity", granularity, "complete", fmt.Sprint(complete))...)
}

func londonApril(t *testing.T) collectors.Calendar {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	cal := collectors.DefaultCalendar()
	cal.Calendar = records.Calendar{Zone: london, FirstMonth: time.April}
	return cal
}

// TestPeriodValuesByHand checks period values worked out by hand, in a
// Europe/London calendar whose financial year starts in April, at 12:00 UTC
// on 15 October 2026 (13:00 BST: summer time runs to 25 October). Its
// quarters: FY2026-Q3 (October to December 2026) is current; FY2026-Q2 (July
// to September) the last complete one; FY2026-Q1 (April to June) the one
// before.
func TestPeriodValuesByHand(t *testing.T) {
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cal := londonApril(t)
	now := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

	t.Run("capa", func(t *testing.T) {
		got := periodCase{family: "capa", cal: cal, now: now, csv: `action_ref,site,kind,origin,priority,raised_at,due_at,closed_at,effectiveness_reviewed_at
A1,north,corrective,audit,high,2026-09-01T09:00:00Z,2026-09-30,2026-09-30T22:30:00Z,
A2,north,corrective,audit,high,2026-09-01T09:00:00Z,2026-09-30,2026-09-30T23:30:00Z,
A3,north,corrective,audit,high,2026-08-01T09:00:00Z,2026-08-10,2026-08-10T13:00:00Z,
A4,south,corrective,audit,high,2026-05-01T09:00:00Z,2026-05-20T12:00:00Z,2026-06-02T10:00:00Z,
A5,south,corrective,audit,high,2026-04-01T09:00:00Z,2026-04-30,,
A6,north,corrective,audit,high,2026-08-31T23:00:00Z,2026-10-31,2026-09-30T23:00:00Z,
`}.run(t, server)
		// A1 was closed at 23:30 BST on 30 September, its due day (due to
		// 23:59:59.999999 BST): on time, in September and FY2026-Q2.
		// A2 was closed at 00:30 BST on 1 October: late, in October and
		// FY2026-Q3. A3 was closed at 14:00 BST on its due day: on time,
		// in August. A4 was closed on 2 June, 13 days late: FY2026-Q1.
		// A5 is open. A6 was raised and closed at the first instants of 1
		// September and 1 October (BST), what dates 1 September and 1
		// October read as: the ends of August and September.
		promtest.Expect(t, got, map[string]float64{
			kpiPeriod("numerator", "capa_on_time", "north", "2026-09", true):   1,
			kpiPeriod("denominator", "capa_on_time", "north", "2026-09", true): 1,
			kpiPeriod("ratio", "capa_on_time", "north", "2026-08", true):       1,
			// October so far: A2, late, and A6, due on 31 October: 1/2.
			kpiPeriod("numerator", "capa_on_time", "north", "2026-10", false):   1,
			kpiPeriod("denominator", "capa_on_time", "north", "2026-10", false): 2,
			kpiPeriod("ratio", "capa_on_time", "north", "2026-10", false):       0.5,
			// FY2026-Q2: A1 and A3, both on time: 2/2.
			kpiPeriod("ratio", "capa_on_time", "north", "FY2026-Q2", true):       1,
			kpiPeriod("denominator", "capa_on_time", "south", "FY2026-Q2", true): 0,
			kpiPeriod("ratio", "capa_on_time", "", "FY2026-Q2", true):            1,
			// FY2026-Q1: A4, late: 0/1, and nothing at north.
			kpiPeriod("numerator", "capa_on_time", "", "FY2026-Q1", true):   0,
			kpiPeriod("denominator", "capa_on_time", "", "FY2026-Q1", true): 1,
			kpiPeriod("ratio", "capa_on_time", "", "FY2026-Q1", true):       0,
			// FY2025-Q4 (January to March 2026): no closure anywhere.
			kpiPeriod("denominator", "capa_on_time", "", "FY2025-Q4", true): 0,
			// The last complete quarter minus the one before: 1 - 0.
			promtest.Sample("sems_kpi_organisation_quarter_change", "kpi", "capa_on_time"): 1,
			// Raised: A1, A2, A6 in September, A3 in August; A4 in May, A5
			// in April.
			familyPeriod("sems_capa_period_raised", "FY2026-Q2", true, "site", "north"): 4,
			familyPeriod("sems_capa_period_raised", "2026-08", true, "site", "north"):   1,
			familyPeriod("sems_capa_period_raised", "FY2026-Q1", true, "site", "south"): 2,
			familyPeriod("sems_capa_period_raised", "FY2026-Q1", true, "site", "north"): 0,
			// FY2026-Q2 ended at 00:00 BST on 1 October (23:00 UTC on 30
			// September): A1 was closed, A2 was still open, and overdue
			// since its due day ended an instant before. A6, closed on 1
			// October, was still open, not overdue.
			familyPeriod("sems_capa_period_open", "FY2026-Q2", true, "site", "north"):    2,
			familyPeriod("sems_capa_period_overdue", "FY2026-Q2", true, "site", "north"): 1,
			// At the end of August, A3 was closed and A1, A2, A6 not raised:
			// A6, raised on 1 September, not until then.
			familyPeriod("sems_capa_period_open", "2026-08", true, "site", "north"): 0,
			// A5 has been open and overdue since April ended; A4 was open
			// at the end of May, due on 20 May: overdue.
			familyPeriod("sems_capa_period_open", "FY2026-Q1", true, "site", "south"):    1,
			familyPeriod("sems_capa_period_overdue", "FY2026-Q1", true, "site", "south"): 1,
			familyPeriod("sems_capa_period_open", "2026-05", true, "site", "south"):      2,
			familyPeriod("sems_capa_period_overdue", "2026-05", true, "site", "south"):   2,
			// April ended at 00:00 BST on 1 May, an instant after A5's due
			// day ended, and before A4 was raised.
			familyPeriod("sems_capa_period_open", "2026-04", true, "site", "south"):       1,
			familyPeriod("sems_capa_period_overdue", "2026-04", true, "site", "south"):    1,
			familyPeriod("sems_capa_period_open", "FY2026-Q3", false, "site", "south"):    1,
			familyPeriod("sems_capa_period_overdue", "2026-10", false, "site", "south"):   1,
			familyPeriod("sems_capa_period_open", "FY2025-Q4", true, "site", "south"):     0,
			familyPeriod("sems_capa_period_overdue", "FY2026-Q3", false, "site", "north"): 0,
		})
		// A quarter, or a site in one, with nothing closed has no ratio.
		promtest.ExpectAbsent(t, got,
			kpiPeriod("ratio", "capa_on_time", "", "FY2025-Q4", true),
			kpiPeriod("ratio", "capa_on_time", "south", "FY2026-Q2", true),
			kpiPeriod("ratio", "capa_on_time", "north", "FY2026-Q1", true))
	})

	t.Run("incidents", func(t *testing.T) {
		got := periodCase{family: "incidents", cal: cal, now: now, csv: `incident_ref,site,category,severity,reported_at,resolved_at
I1,north,other,high,2026-09-30T22:30:00Z,2026-09-30T22:50:00Z
I2,north,other,high,2026-09-30T23:30:00Z,2026-10-02T23:30:00Z
I3,south,other,low,2026-07-01,
`}.run(t, server)
		// I1 was reported at 23:30 BST on 30 September and resolved 20
		// minutes later, within the 24-hour target: September, FY2026-Q2.
		// I2 was reported at 00:30 BST on 1 October and resolved 48 hours
		// later, beyond the target: October, FY2026-Q3. I3, reported on 1
		// July (a date: from 00:00 BST, 23:00 UTC on 30 June), is open.
		promtest.Expect(t, got, map[string]float64{
			familyPeriod("sems_incidents_period_reported", "2026-09", true, "site", "north", "severity", "high"):    1,
			familyPeriod("sems_incidents_period_reported", "FY2026-Q2", true, "site", "north", "severity", "high"):  1,
			familyPeriod("sems_incidents_period_reported", "2026-10", false, "site", "north", "severity", "high"):   1,
			familyPeriod("sems_incidents_period_reported", "FY2026-Q3", false, "site", "north", "severity", "high"): 1,
			familyPeriod("sems_incidents_period_reported", "2026-07", true, "site", "south", "severity", "low"):     1,
			familyPeriod("sems_incidents_period_reported", "2026-06", true, "site", "south", "severity", "low"):     0,
			familyPeriod("sems_incidents_period_reported", "FY2026-Q2", true, "site", "south", "severity", "low"):   1,
			kpiPeriod("ratio", "incident_resolution", "north", "FY2026-Q2", true):                                   1,
			kpiPeriod("numerator", "incident_resolution", "north", "2026-10", false):                                0,
			kpiPeriod("denominator", "incident_resolution", "north", "2026-10", false):                              1,
			kpiPeriod("ratio", "incident_resolution", "", "FY2026-Q3", false):                                       0,
			kpiPeriod("denominator", "incident_resolution", "south", "FY2026-Q2", true):                             0,
		})
		// FY2026-Q1 had no resolution: no quarter-on-quarter change.
		promtest.ExpectAbsent(t, got,
			kpiPeriod("ratio", "incident_resolution", "", "FY2026-Q1", true),
			promtest.Sample("sems_kpi_organisation_quarter_change", "kpi", "incident_resolution"))
	})

	t.Run("training", func(t *testing.T) {
		got := periodCase{family: "training", cal: cal, now: now, dates: []string{"expires_at"}, csv: `person_ref,site,role_level,course,completed_at,expires_at
P1,north,operational,security_awareness,2025-10-01T09:00:00Z,2026-10-15
P2,north,operational,security_awareness,2025-06-01T09:00:00Z,2026-09-30
P3,north,operational,security_awareness,2026-10-01T09:00:00Z,
P4,north,operational,security_awareness,,
`}.run(t, server)
		// Now: P1 is valid until the end of today, so current; P2 expired
		// on 30 September; P3 is current; P4 never completed: 2/4.
		// At the end of September (00:00 BST on 1 October), P2's validity
		// had ended an instant before, and P3 was completed after: only
		// P1, 1/4. At the end of August, P1 and P2: 2/4.
		promtest.Expect(t, got, map[string]float64{
			promtest.Sample("sems_training_requirements", "site", "north", "role_level", "operational", "course", "security_awareness", "state", "current"): 2,
			promtest.Sample("sems_kpi_ratio", "kpi", "training_current", "site", "north"):                                                                   0.5,
			kpiPeriod("ratio", "training_current", "north", "2026-10", false):                                                                               0.5,
			kpiPeriod("ratio", "training_current", "north", "FY2026-Q3", false):                                                                             0.5,
			kpiPeriod("ratio", "training_current", "north", "2026-09", true):                                                                                0.25,
			kpiPeriod("ratio", "training_current", "north", "FY2026-Q2", true):                                                                              0.25,
			kpiPeriod("ratio", "training_current", "north", "2026-08", true):                                                                                0.5,
			// FY2026-Q1 ended with June: P1 and P2 current, 2/4.
			kpiPeriod("ratio", "training_current", "", "FY2026-Q1", true): 0.5,
			// 0.25 - 0.5.
			promtest.Sample("sems_kpi_organisation_quarter_change", "kpi", "training_current"): -0.25,
		})
	})
}

// TestAlertLevelsByHand checks the statistical alert levels in a UTC
// calendar at 12:00 on 10 March 2026: the baseline is March 2025 to
// February 2026.
func TestAlertLevelsByHand(t *testing.T) {
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	var csv strings.Builder
	csv.WriteString("incident_ref,site,category,severity,reported_at,resolved_at\n")
	n := 0
	report := func(site string, year int, month time.Month, count int) {
		for range count {
			n++
			fmt.Fprintf(&csv, "I%d,%s,other,low,%s,\n", n, site, time.Date(year, month, 2, 12, 0, 0, 0, time.UTC).Format(time.RFC3339))
		}
	}
	// north: 2 reports in every other month of the baseline, none in the
	// others: mean 1, population variance (6 x 1 + 6 x 1) / 12 = 1.
	for m := time.March; m <= time.March+10; m += 2 {
		report("north", 2025, m, 2) // March, May, ..., November 2025, January 2026 (month 13)
	}
	// Outside the baseline: 5 this month, 1 in February 2025.
	report("north", 2026, time.March, 5)
	report("north", 2025, time.February, 1)
	// south: 1 report in each baseline month: mean 1, deviation 0.
	for m := time.March; m < time.March+12; m++ {
		report("south", 2025, m, 1)
	}
	got := periodCase{family: "incidents", cal: collectors.DefaultCalendar(), now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), csv: csv.String()}.run(t, server)
	level := func(site, l string) string {
		if site == "" {
			return promtest.Sample("sems_incidents_organisation_reported_alert_level", "level", l)
		}
		return promtest.Sample("sems_incidents_reported_alert_level", "site", site, "level", l)
	}
	promtest.Expect(t, got, map[string]float64{
		promtest.Sample("sems_incidents_reported_monthly_mean", "site", "north"):   1,
		promtest.Sample("sems_incidents_reported_monthly_stddev", "site", "north"): 1,
		level("north", "1"): 2, level("north", "2"): 3, level("north", "3"): 4,
		promtest.Sample("sems_incidents_reported_monthly_stddev", "site", "south"): 0,
		level("south", "1"): 1, level("south", "3"): 1,
		// The organisation: 3 and 1 in alternate months: mean 2,
		// variance (6 x 1 + 6 x 1) / 12 = 1.
		promtest.Sample("sems_incidents_organisation_reported_monthly_mean"):   2,
		promtest.Sample("sems_incidents_organisation_reported_monthly_stddev"): 1,
		level("", "1"): 3, level("", "2"): 4, level("", "3"): 5,
		// The month counts: this month's 5, and January's 2 at north.
		familyPeriod("sems_incidents_period_reported", "2026-03", false, "site", "north", "severity", "low"): 5,
		familyPeriod("sems_incidents_period_reported", "2026-01", true, "site", "north", "severity", "low"):  2,
		familyPeriod("sems_incidents_period_reported", "2025-03", true, "site", "south", "severity", "low"):  1,
		familyPeriod("sems_incidents_period_reported", "2025-Q2", true, "site", "south", "severity", "low"):  3,
	})
}
