package collectors

import (
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Calendar is the organisation's calendar and how far back the period
// indicators go: the last Months calendar months and the last Quarters
// quarters of its financial year, the current, incomplete ones included.
type Calendar struct {
	records.Calendar
	Months, Quarters int
}

// Default numbers of periods: a year and the month a year before, to
// compare like with like; two financial years of quarters.
const (
	DefaultPeriodMonths   = 13
	DefaultPeriodQuarters = 8
)

// DefaultCalendar is UTC, a financial year starting in January, and the
// default numbers of periods.
func DefaultCalendar() Calendar {
	return Calendar{Calendar: records.UTC, Months: DefaultPeriodMonths, Quarters: DefaultPeriodQuarters}
}

// alertBaselineMonths is the number of complete months the statistical
// alert levels are computed over (ICAO Doc 9859).
const alertBaselineMonths = 12

// months is how many months, the current one included, a family counts
// its records in: enough for the month periods, the quarter periods
// wherever the current month falls in its quarter, and the alert levels'
// baseline before the current month. It does not depend on the evaluation
// time, as a shape is built once.
func (c Calendar) months() int { return max(c.Months, 3*c.Quarters, alertBaselineMonths+1) }

// monthOf derives, once per record, how many calendar months before the
// current one the record's time t falls (records.MonthsAgo).
func (c Calendar) monthOf(sh *records.Shape, name string, t records.Expr) records.Expr {
	return sh.Derive(name, records.MonthsAgo(c.Calendar, t, c.months()))
}

// sumByMonth adds a measure per month of the period indicators: e summed
// over the records whose month (a monthOf value) it is. Measures rather
// than a grouping key, so that the family's groups do not multiply by
// its months.
func sumByMonth(sh *records.Shape, cal Calendar, name string, month, e records.Expr) {
	for ago := range cal.months() {
		sh.SumOf(monthMeasure(name, ago), records.When(records.Eq(month, records.Number(float64(ago))), e))
	}
}

// countByMonth adds a measure per month of the period indicators: the
// records whose month (a monthOf value) it is and for which cond holds
// (every one of them, when cond is nil).
func countByMonth(sh *records.Shape, cal Calendar, name string, month, cond records.Expr) {
	sh.CountByBin(func(ago int) string { return monthMeasure(name, ago) }, cal.months(), month, cond)
}

// monthMeasure names the measure of the month ago months back.
func monthMeasure(name string, ago int) string { return name + "_month_" + strconv.Itoa(ago) }

// Period granularities.
const (
	granularityMonth   = "month"
	granularityQuarter = "quarter"
)

// period is one calendar month or quarter of the period indicators.
type period struct {
	label, granularity string
	// complete is false for the current period, which has not ended.
	complete bool
	// months are the months-ago of the months it spans, up to now.
	months []int
	// end is the months-ago of its last month, whose end is the period's
	// end (records.MonthEnd); 0 for the current period: it ends now.
	end int
}

func (p period) labels() []string {
	return []string{p.label, p.granularity, strconv.FormatBool(p.complete)}
}

// periods lists the months, newest first, then the quarters, newest first,
// counted back from now.
func (c Calendar) periods(now time.Time) []period {
	cur := c.MonthNumber(now)
	var out []period
	for ago := range c.Months {
		out = append(out, period{label: c.MonthLabel(cur - ago), granularity: granularityMonth,
			complete: ago > 0, months: []int{ago}, end: ago})
	}
	quarter := c.QuarterOf(cur)
	for j := range c.Quarters {
		q := quarter - j
		first := c.QuarterFirstMonth(q)
		p := period{label: c.QuarterLabel(q), granularity: granularityQuarter, complete: j > 0, end: max(cur-first-2, 0)}
		for m := first; m < first+3 && m <= cur; m++ {
			p.months = append(p.months, cur-m)
		}
		out = append(out, p)
	}
	return out
}

// lastCompleteQuarters are the indices in periods' list of the last
// complete quarter and the one before it; ok is false with fewer than three
// quarters (the current one and two complete).
func (c Calendar) lastCompleteQuarters() (last, before int, ok bool) {
	return c.Months + 1, c.Months + 2, c.Quarters >= 3
}

// The KPI period metrics, shared by every family and configured indicator
// with a time to place its records in a period.
var periodLabels = []string{"period", "granularity", "complete"}

func newPeriodDesc(family, name, help string, labels ...string) *prometheus.Desc {
	return newDesc(family, name, help+periodHelp, append(labels, periodLabels...)...)
}

// periodHelp says what the period labels mean, in every period metric's
// help.
const periodHelp = " Computed from the records, per calendar period of the organisation's calendar (period: 2026-10 for a month; 2026-Q3, or FY2026-Q1 for a financial year not starting in January; granularity: month or quarter; complete: false for the current period, which has not ended)."

var (
	kpiPeriodNumeratorDesc = newPeriodDesc("kpi", "period_numerator",
		"Numerator of a ratio KPI per site and period: what sems_kpi_numerator counts over the review window, counted over the period instead. training_current's is reconstructed as at the period's end from each requirement's latest completion and expiry, which cannot know a completion since replaced, a requirement added later or a person who has left (docs/metrics.md).", "kpi", "site")
	kpiPeriodDenominatorDesc = newPeriodDesc("kpi", "period_denominator",
		"Denominator of a ratio KPI per site and period; 0 when the site had nothing to measure in it, and then it has no ratio.", "kpi", "site")
	kpiPeriodRatioDesc = newPeriodDesc("kpi", "period_ratio",
		"Ratio KPI per site and period, 0-1: sems_kpi_period_numerator over sems_kpi_period_denominator; absent when the denominator is 0.", "kpi", "site")
	kpiPeriodValueDesc = newPeriodDesc("kpi", "period_value",
		"Total KPI (a configured count or sum) per site and period, in the unit sems_kpi_info gives.", "kpi", "site")
	orgPeriodNumeratorDesc = newPeriodDesc("kpi", "organisation_period_numerator",
		"Numerator of a ratio KPI for the whole organisation per period: the sum of the sites'.", "kpi")
	orgPeriodDenominatorDesc = newPeriodDesc("kpi", "organisation_period_denominator",
		"Denominator of a ratio KPI for the whole organisation per period: the sum of the sites'.", "kpi")
	orgPeriodRatioDesc = newPeriodDesc("kpi", "organisation_period_ratio",
		"Ratio KPI for the whole organisation per period, 0-1: the summed numerators over the summed denominators; absent when the denominator is 0.", "kpi")
	orgPeriodValueDesc = newPeriodDesc("kpi", "organisation_period_value",
		"Total KPI for the whole organisation per period: the sum of the sites'.", "kpi")
	orgQuarterChangeDesc = newDesc("kpi", "organisation_quarter_change",
		"Change of the organisation's KPI between the last two complete quarters of the organisation's calendar, from the records: the last one's sems_kpi_organisation_period_ratio (a 0-1 difference, 0.05 being 5 percentage points) or _value, minus the one before's; absent when either is.", "kpi")
)

func describePeriodKPI(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{kpiPeriodNumeratorDesc, kpiPeriodDenominatorDesc, kpiPeriodRatioDesc, kpiPeriodValueDesc,
		orgPeriodNumeratorDesc, orgPeriodDenominatorDesc, orgPeriodRatioDesc, orgPeriodValueDesc, orgQuarterChangeDesc} {
		ch <- d
	}
}

// periodScore gives a KPI's score at a site in a period.
type periodScore func(site string, p period) kpiScore

// byMonth scores a period as the sum of its months' scores: for what
// happens at a time (a resolution, a test), counted in the month it happens.
func byMonth(month func(site string, ago int) kpiScore) periodScore {
	return func(site string, p period) kpiScore {
		var sc kpiScore
		for _, ago := range p.months {
			m := month(site, ago)
			sc.num += m.num
			sc.den += m.den
		}
		return sc
	}
}

// atEnd scores a period by the state at its end: for what holds at a time
// (an action open, training current).
func atEnd(state func(site string, ago int) kpiScore) periodScore {
	return func(site string, p period) kpiScore { return state(site, p.end) }
}

// periodSites are the configured sites with accepted records, which the
// period metrics cover, as the headline KPI covers them: a site with no
// record at all is not known to have had nothing to measure.
func periodSites(sh *records.Shape, res records.Result, s *Settings) []string {
	bySite := totalsBy(sh, res, "site")
	var out []string
	for _, site := range s.Sites {
		if _, ok := bySite[labelKey(site)]; ok {
			out = append(out, site)
		}
	}
	return out
}

// periodKPI emits a KPI's period metrics from its scores: for every site
// with records and every period, its numerator and denominator and, where
// the denominator is not 0, its ratio (a total's value, 0 included); the
// same for the organisation, summing the sites; and the organisation's
// change between the last two complete quarters.
func (m *metricsOut) periodKPI(k KPI, s *Settings, sh *records.Shape, res records.Result, score periodScore) {
	sites := periodSites(sh, res, s)
	if len(sites) == 0 {
		return
	}
	ratio := k.Unit == UnitRatio
	ps := s.Calendar.periods(res.Now)
	orgValues := make([]float64, len(ps))
	for i, p := range ps {
		var org kpiScore
		for _, site := range sites {
			sc := score(site, p)
			org.num += sc.num
			org.den += sc.den
			labels := append([]string{k.Name, site}, p.labels()...)
			if !ratio {
				m.gauge(kpiPeriodValueDesc, sc.num, labels...)
				continue
			}
			m.gauge(kpiPeriodNumeratorDesc, sc.num, labels...)
			m.gauge(kpiPeriodDenominatorDesc, sc.den, labels...)
			if sc.den > 0 {
				m.gauge(kpiPeriodRatioDesc, sc.num/sc.den, labels...)
			}
		}
		labels := append([]string{k.Name}, p.labels()...)
		orgValues[i] = org.num
		switch {
		case !ratio:
			m.gauge(orgPeriodValueDesc, org.num, labels...)
			continue
		case org.den > 0:
			orgValues[i] = org.num / org.den
			m.gauge(orgPeriodRatioDesc, orgValues[i], labels...)
		default:
			orgValues[i] = math.NaN()
		}
		m.gauge(orgPeriodNumeratorDesc, org.num, labels...)
		m.gauge(orgPeriodDenominatorDesc, org.den, labels...)
	}
	if last, before, ok := s.Calendar.lastCompleteQuarters(); ok {
		if d := orgValues[last] - orgValues[before]; !math.IsNaN(d) {
			m.gauge(orgQuarterChangeDesc, d, k.Name)
		}
	}
}

// eachPeriod emits a family-specific period metric: for every site with
// records, every value of the extra labels, and every period, value gives it.
func (m *metricsOut) eachPeriod(desc *prometheus.Desc, s *Settings, sh *records.Shape, res records.Result, extra [][]string, value func(site string, extra []string, p period) float64) {
	sites := periodSites(sh, res, s)
	for _, p := range s.Calendar.periods(res.Now) {
		for _, site := range sites {
			for _, e := range extra {
				labels := append(append([]string{site}, e...), p.labels()...)
				m.gauge(desc, value(site, e, p), labels...)
			}
		}
	}
}

// each lists the values of one extra label for eachPeriod; none is a
// metric with the site alone.
func each(values []string) [][]string {
	out := make([][]string, len(values))
	for i, v := range values {
		out[i] = []string{v}
	}
	return out
}

var none = [][]string{nil}

// sumMonths adds up a count over a period's months.
func sumMonths(p period, month func(ago int) float64) float64 {
	var n float64
	for _, ago := range p.months {
		n += month(ago)
	}
	return n
}

// stateAtEnds adds a measure per months-ago whose end a period can end at:
// the records in a state at that end (records.MonthEnd). The ends are
// numbered back from now, 0; a record is in the state at the ends from left
// to entered-1, entered and left counting the ends after the times it
// entered and left the state (endsAfter, or endsAtOrAfter for a leaving
// that takes effect at its instant, as an expiry does).
func stateAtEnds(sh *records.Shape, cal Calendar, name string, entered, left records.Expr) {
	sh.CountInBins(func(ago int) string { return stateMeasure(name, ago) }, cal.months(), left, entered)
}

func stateMeasure(name string, ago int) string { return name + "_at_end_" + strconv.Itoa(ago) }

// countByEnd adds a measure per month end of the period indicators: the
// records that ends (an endsAfter value) of them are after, and for which
// cond holds. The measure of end k counts those with ends k.
func countByEnd(sh *records.Shape, cal Calendar, name string, ends, cond records.Expr) {
	sh.CountByBin(func(k int) string { return stateMeasure(name, k) }, cal.months(), ends, cond)
}

// endsAtOrAfter counts the month ends of the period indicators at or after
// t, 0 when t is NULL (never): a state that ends at t, as a validity ends at
// its expiry, no longer holds at those ends.
func (c Calendar) endsAtOrAfter(t records.Expr) records.Expr {
	return records.EndsAtOrAfter(c.Calendar, t, c.months())
}

// endsAfter counts the month ends strictly after t, 0 when t is NULL. An
// event's time is when a state begins or ends, and a date is the first
// instant of its day: a month's end is the first instant of the next, so an
// action raised on 1 December was not yet open when November ended, and
// one closed on 1 December still was. A deadline (due, the last instant of
// its day) is passed at the ends after it.
func (c Calendar) endsAfter(t records.Expr) records.Expr {
	return records.EndsAfter(c.Calendar, t, c.months())
}
