package pack

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct {
		in, prev, quarter string
	}{
		{"2026-Q3", "2026-Q2", "2026-Q3"},
		{"2026-Q1", "2025-Q4", "2026-Q1"},
		{"2026-10", "2026-09", "2026-Q4"},
		{"2026-01", "2025-12", "2026-Q1"},
		{"FY2026-Q1", "FY2025-Q4", "FY2026-Q1"},
	} {
		p, err := ParsePeriod(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if p.String() != c.in || p.Add(-1).String() != c.prev || p.QuarterOf().String() != c.quarter {
			t.Errorf("%s: read as %s, previous %s, quarter %s; want %s, %s", c.in, p, p.Add(-1), p.QuarterOf(), c.prev, c.quarter)
		}
	}
	for _, bad := range []string{"2026-Q5", "2026-13", "2026-00", "FY2026-10", "26-Q1", "2026Q1", ""} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q is taken as a period", bad)
		}
	}
	// November 2026 falls in Q4: the last complete quarter is Q3.
	if got := LastCompleteQuarter(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)).String(); got != "2026-Q3" {
		t.Errorf("last complete quarter in November 2026: %s", got)
	}
	if got := LastCompleteQuarter(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).String(); got != "2025-Q4" {
		t.Errorf("last complete quarter on 1 January 2026: %s", got)
	}
}

// readFixture reads testdata/periods.prom: the demo's period and
// organisation metrics as the exporter's period history serves them
// (the quarters 2025-Q1 to 2026-Q4 and the months 2025-11 to 2026-11,
// collected in November 2026; the sites' values of 2026-Q3 and their
// targets), with drop matching series left out.
func readFixture(t *testing.T, drop *regexp.Regexp) *figures.Figures {
	t.Helper()
	b, err := os.ReadFile("testdata/periods.prom")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if drop == nil || !drop.MatchString(l) {
			lines = append(lines, l)
		}
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	return figures.Read(list)
}

var fixtureAsAt = time.Date(2026, 11, 30, 1, 7, 0, 0, time.UTC)

// TestPeriodSections fills the summary's period columns, the trends and
// the incident reports per month from the period metrics.
func TestPeriodSections(t *testing.T) {
	f := readFixture(t, nil)
	o := Options{Period: DefaultPeriod(f, fixtureAsAt), AsAt: fixtureAsAt, Generated: fixtureAsAt}
	if o.Period.String() != "2026-Q3" {
		t.Fatalf("default period %s, want 2026-Q3, the latest complete quarter of the period metrics", o.Period)
	}
	p := Build(f, o)
	html, err := p.HTML()
	if err != nil {
		t.Fatal(err)
	}
	// capa_on_time: 98 of 114 actions closed on time in 2026-Q3 (86.0%,
	// amber: at least 80% but under 90%), 106 of 128 in Q2 (82.8%): up
	// 0.8596 - 0.8281 = 3.15 points.
	row := regexp.MustCompile(`<th>Corrective actions closed on time</th>(.*)</tr>`).FindStringSubmatch(string(html))
	if row == nil {
		t.Fatal("no summary row for capa_on_time")
	}
	for _, want := range []string{`<td class="amber">86.0% Amber</td><td>82.8%</td><td>&#43;3.2 pts</td>`} {
		if !strings.Contains(row[1], want) {
			t.Errorf("summary row %s lacks %s", row[1], want)
		}
	}
	if strings.Contains(strings.Join(p.Notes, " "), "had not ended") {
		t.Errorf("notes %q say 2026-Q3 had not ended", p.Notes)
	}
	// The current quarter, asked for, is said to be incomplete.
	current := Build(f, Options{Period: Period{Year: 2026, Quarter: 4}, AsAt: fixtureAsAt, Generated: fixtureAsAt})
	if !strings.Contains(strings.Join(current.Notes, " "), "2026-Q4 had not ended when the figures were collected") {
		t.Errorf("notes %q do not say 2026-Q4 had not ended", current.Notes)
	}
	// Sites ranked by their 2026-Q3 value, worst first, each graded
	// against its own targets (green 90%, amber 80%): harbour 13/20 = 65.0%
	// red, south 26/30 = 86.7% amber, north 45/49 = 91.8% and valley
	// 14/15 = 93.3% green.
	ranking := regexp.MustCompile(`(?s)<h3>Corrective actions closed on time</h3>\s*<table>.*?</table>`).FindString(string(html))
	var ranked []string
	for _, m := range regexp.MustCompile(`<tr><td>\d</td><th>([a-z]+)</th><td class="[a-z]+">([^<]+)</td>`).FindAllStringSubmatch(ranking, -1) {
		ranked = append(ranked, m[1]+" "+m[2])
	}
	if want := []string{"harbour 65.0% Red", "south 86.7% Amber", "north 91.8% Green", "valley 93.3% Green"}; !slices.Equal(ranked, want) {
		t.Errorf("capa_on_time ranked %q, want %q", ranked, want)
	}
	// Trends: capa_on_time has the quarters 2025-Q1 to 2026-Q3 of the
	// eight to 2026-Q3 (the exporter keeps 8 quarters, 2026-Q4 the
	// current); equipment has none without Prometheus.
	var trend []string
	for _, fig := range p.Figures() {
		if fig.Section == "trends" && fig.Subject == "capa_on_time" {
			trend = append(trend, fig.Period)
		}
	}
	if want := []string{"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"}; !slices.Equal(trend, want) {
		t.Errorf("capa_on_time trend over %v, want %v", trend, want)
	}
	// Incident reports: 2026-09's 144 is the sum of the 16 site and
	// severity series of that month; the alert levels are the organisation's.
	incidents := map[string]float64{}
	for _, fig := range p.Figures() {
		if fig.Section == "incidents" {
			incidents[fig.Measure+" "+fig.Period] = fig.Value
		}
	}
	if incidents["reports 2026-09"] != 144 || incidents["alert_level_1 now"] < 150.39 || incidents["alert_level_1 now"] > 150.4 {
		t.Errorf("incident figures %v, want 144 reports in 2026-09 and alert level 1 at 150.399", incidents)
	}
	if len(incidents) != 11+3 {
		t.Errorf("%d incident figures, want the 11 months 2025-11 to 2026-09 with records and 3 alert levels", len(incidents))
	}
	// The fixture has no CAPA, equipment or training records of now; of
	// the period sections only the equipment trend is left unfilled.
	unfilled := strings.Join(p.Unfilled, "\n")
	for _, want := range []string{"Trends: eight quarters: Security equipment serviceable (", "Targets changed in 2026-Q3"} {
		if !strings.Contains(unfilled, want) {
			t.Errorf("the pack does not say it could not fill %q:\n%s", want, unfilled)
		}
	}
	for _, filled := range []string{"Summary", "Corrective actions closed on time", "Incident reports per month"} {
		if strings.Contains(unfilled, filled) {
			t.Errorf("the pack says it could not fill %q:\n%s", filled, unfilled)
		}
	}
}

// TestNoPeriodMetrics: without period metrics the pack says which sections
// have no data and shows no period number.
func TestNoPeriodMetrics(t *testing.T) {
	f := readFixture(t, regexp.MustCompile(`_period_|alert_level`))
	o := Options{Period: DefaultPeriod(f, fixtureAsAt), AsAt: fixtureAsAt, Generated: fixtureAsAt}
	if o.Period.String() != "2026-Q3" {
		t.Fatalf("default period %s, want 2026-Q3, the calendar quarter before November's", o.Period)
	}
	p := Build(f, o)
	for _, fig := range p.Figures() {
		if strings.Contains(fig.Measure, "period") || fig.Section == "trends" || fig.Section == "incidents" {
			t.Errorf("a period figure without period metrics: %+v", fig)
		}
	}
	unfilled := strings.Join(p.Unfilled, "\n")
	for _, want := range []string{"Summary: values of 2026-Q3 and 2026-Q2", "Trends: eight quarters: Corrective actions closed on time", "Incident reports per month: Monthly reports and alert levels"} {
		if !strings.Contains(unfilled, want) {
			t.Errorf("the pack does not say it could not fill %q:\n%s", want, unfilled)
		}
	}
}
