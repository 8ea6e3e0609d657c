package collectors

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Corrective and preventive action (CAPA) ageing: are actions "implemented in
// a timely manner" (SeMS Framework ch. 5, PSeMS checklist 36-39)? One record
// per action: open actions by age, overdue actions, and the share closed by
// their due date.
type capa struct{}

func init() { Register(capa{}) }

// capaKPI is the family's headline KPI.
var capaKPI = KPI{
	Name:        "capa_on_time",
	Family:      "capa",
	Title:       "Corrective actions closed on time",
	Description: "Share of the corrective and preventive actions closed in the review window (90 days by default) that were closed by their due date.",
	Unit:        UnitRatio,
	Periods:     true,
}

func (capa) KPIs() []KPI { return []KPI{capaKPI} }

type capaOptions struct {
	// Window is the rolling window of closures the on-time share is taken over.
	Window model.Duration `yaml:"window"`
	// DueSoon is how far ahead an open action counts as due soon.
	DueSoon model.Duration `yaml:"due_soon"`
}

func (o *capaOptions) Validate() error {
	if o.Window <= 0 {
		return fmt.Errorf("window must be positive")
	}
	if o.DueSoon <= 0 {
		return fmt.Errorf("due_soon must be positive")
	}
	return nil
}

type capaTargets struct {
	ClosedOnTime RatioTarget `yaml:"closed_on_time_ratio"`
	// OverdueAgeThreshold is the age of the oldest overdue action beyond which
	// management is told; only exported, for the alert rules to compare with.
	OverdueAgeThreshold model.Duration `yaml:"overdue_age_threshold"`
}

func (t *capaTargets) Validate() error {
	if t.OverdueAgeThreshold <= 0 {
		return fmt.Errorf("overdue_age_threshold must be positive")
	}
	return t.ClosedOnTime.Validate()
}

// capaAgeBand is an age band of open actions: ages above the previous band's
// bound up to and including upTo; the last band has no bound (upTo 0).
type capaAgeBand struct {
	label string
	upTo  time.Duration
}

var capaAgeBands = []capaAgeBand{
	{"0-30d", 30 * 24 * time.Hour},
	{"31-60d", 60 * 24 * time.Hour},
	{"61-90d", 90 * 24 * time.Hour},
	{"over-90d", 0},
}

func (b capaAgeBand) measure() string { return "open_" + b.label }

var (
	capaOpenDesc = newDesc("capa", "open",
		"Open actions (closed_at empty) by age band, age being the time since the action was raised.", "site", "kind", "priority", "age_band")
	capaOverdueDesc = newDesc("capa", "overdue",
		"Open actions whose due time has passed.", "site", "kind", "priority")
	capaDueSoonDesc = newDesc("capa", "due_soon",
		"Open actions not yet overdue that fall due within the due_soon option.", "site", "kind", "priority")
	capaOverdueOldestDesc = newDesc("capa", "overdue_oldest_age_seconds",
		"Age (time since raised) of the oldest overdue action, 0 when none is overdue.", "site", "kind", "priority")
	capaOverdueLongestDesc = newDesc("capa", "overdue_longest_seconds",
		"Longest time an open action has been past its due time, 0 when none is overdue.", "site", "kind", "priority")
	capaRaisedDesc = newDesc("capa", "raised_total",
		"Actions raised, every accepted record in the source.", "site", "kind", "origin")
	capaClosedDesc = newDesc("capa", "closed_in_window",
		"Actions closed within the rolling window.", "site", "kind", "priority")
	capaClosedOnTimeDesc = newDesc("capa", "closed_on_time_in_window",
		"Actions closed within the rolling window no later than their due time.", "site", "kind", "priority")
	capaOnTimeRatioDesc = newDesc("capa", "closed_on_time_ratio",
		"Share of the actions closed within the rolling window that were closed by their due time, 0-1.", "site", "kind", "priority")
	capaAwaitingReviewDesc = newDesc("capa", "awaiting_effectiveness_review",
		"Closed actions whose effectiveness has not been reviewed yet.", "site", "kind")
	capaThresholdDesc = newDesc("capa", "overdue_age_threshold_seconds",
		"Age of the oldest overdue action beyond which management is told.", "site")
	capaWindowDesc = newDesc("capa", "window_seconds",
		"Rolling window of the on-time closure share.")
	capaDueSoonHorizonDesc = newDesc("capa", "due_soon_horizon_seconds",
		"The due_soon option: how far ahead an open action counts as due soon.")
	capaPeriodRaisedDesc = newPeriodDesc("capa", "period_raised",
		"Actions raised in the period, by raised_at, per site.", "site")
	capaPeriodOpenDesc = newPeriodDesc("capa", "period_open",
		"Actions open at the end of the period (raised by then and not closed by then), per site; for the current period, open now.", "site")
	capaPeriodOverdueDesc = newPeriodDesc("capa", "period_overdue",
		"Actions open and past their due time at the end of the period, per site; for the current period, overdue now.", "site")
)

func (capa) Name() string { return "capa" }

func (capa) Columns() []records.Column {
	return []records.Column{
		{Name: "action_ref", Type: records.TypeText, Required: true, Doc: "The action's reference in the source system. Read, never exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code."},
		{Name: "kind", Type: records.TypeEnum, Required: true, Doc: "Corrective (puts right a failure found) or preventive (stops a potential failure occurring).",
			Allowed: []string{"corrective", "preventive"}},
		{Name: "origin", Type: records.TypeEnum, Required: true, Doc: "What raised the action.",
			Allowed: []string{"audit", "incident", "covert_test", "inspection", "management_review", "staff_report"}},
		{Name: "priority", Type: records.TypeEnum, Required: true, Doc: "Priority given when the action was raised.",
			Allowed: []string{"high", "medium", "low"}},
		{Name: "raised_at", Type: records.TypeTime, Required: true, Doc: "When the action was raised."},
		{Name: "due_at", Type: records.TypeTime, Required: true, Deadline: true, Doc: "When the action is due to be closed. A date alone is due by the end of that day in the organisation's time zone."},
		{Name: "closed_at", Type: records.TypeTime, Doc: "When the action was closed; empty (NULL) while it is open."},
		{Name: "effectiveness_reviewed_at", Type: records.TypeTime, Doc: "When the closed action's effectiveness was reviewed; empty (NULL) until then."},
	}
}

func (capa) NewOptions() any {
	return &capaOptions{
		Window:  model.Duration(90 * 24 * time.Hour),
		DueSoon: model.Duration(7 * 24 * time.Hour),
	}
}

func (capa) NewTargets() any {
	return &capaTargets{
		ClosedOnTime:        RatioTarget{Green: 0.90, Amber: 0.80},
		OverdueAgeThreshold: model.Duration(90 * 24 * time.Hour),
	}
}

func (f capa) Shape(s *Settings) *records.Shape {
	opts := s.Options.(*capaOptions)
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("action_ref"), "action_ref")
	raised, due, closed, reviewed := sh.Col("raised_at"), sh.Col("due_at"), sh.Col("closed_at"), sh.Col("effectiveness_reviewed_at")
	rejectFuture(sh, "raised_at", "closed_at", "effectiveness_reviewed_at")
	sh.Reject("due_before_raised", records.Lt(due, raised))
	sh.Reject("closed_before_raised", records.Lt(closed, raised))
	// A review checks a closed action; one dated before the closure, or on an
	// action still open, is a data error.
	sh.Reject("reviewed_before_closed", records.Or(
		records.Lt(reviewed, closed),
		records.And(records.IsNull(closed), records.Not(records.IsNull(reviewed)))))

	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("kind", sh.Col("kind"))
	sh.GroupBy("priority", sh.Col("priority"))
	sh.GroupBy("origin", sh.Col("origin"))

	open := records.IsNull(closed)
	// Derived, as the age bands and the overdue measures read it a dozen
	// times.
	age := sh.Derive("age", records.SecondsSince(raised))
	for i, b := range capaAgeBands {
		in := []records.Expr{open}
		if i > 0 {
			in = append(in, records.Gt(age, records.Number(capaAgeBands[i-1].upTo.Seconds())))
		}
		if b.upTo > 0 {
			in = append(in, records.Le(age, records.Number(b.upTo.Seconds())))
		}
		sh.CountIf(b.measure(), records.And(in...))
	}
	// Due exactly now is not yet overdue.
	overdue := records.And(open, records.Lt(due, records.Now()))
	sh.CountIf("overdue", overdue)
	sh.CountIf("due_soon", records.And(open, records.Ge(due, records.Now()),
		records.Le(records.SecondsBetween(records.Now(), due), records.Number(seconds(opts.DueSoon)))))
	sh.MaxOf("overdue_oldest_age", records.When(overdue, age))
	sh.MaxOf("overdue_longest", records.When(overdue, records.SecondsSince(due)))
	// NULL closed_at makes the comparison NULL, which CountIf does not count.
	inWindow := sh.Derive("closed_in_window", records.Le(records.SecondsSince(closed), records.Number(seconds(opts.Window))))
	// Closed by the due time: the headline and the period indicators alike.
	onTime := sh.Derive("closed_on_time", records.Le(closed, due))
	sh.CountIf("closed_in_window", inWindow)
	sh.CountIf("closed_on_time_in_window", records.And(inWindow, onTime))
	sh.CountIf("awaiting_review", records.And(records.Not(open), records.IsNull(reviewed)))
	// The period indicators: actions by month raised, by month closed (and
	// those closed on time), and open and overdue at each month's end.
	countByMonth(sh, s.Calendar, "raised", s.Calendar.monthOf(sh, "raised_month", raised), nil)
	closedMonth := s.Calendar.monthOf(sh, "closed_month", closed)
	countByMonth(sh, s.Calendar, "closed", closedMonth, nil)
	countByMonth(sh, s.Calendar, "closed_on_time", closedMonth, onTime)
	// Open and overdue at each month's end follow from the months actions
	// were raised and closed in (capaPeriods), and, for overdue, from the
	// end after which an action not closed on time became overdue: past
	// both its raising and its due time.
	sh.CountIf("open", open)
	cal := s.Calendar
	countByEnd(sh, cal, "overdue_from", records.Least(cal.endsAfter(raised), cal.endsAfter(due)),
		records.Or(open, records.Gt(closed, due)))
	return sh
}

func (capa) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	byPriority := totalsBy(sh, res, "site", "kind", "priority")
	raised := totalsBy(sh, res, "site", "kind", "origin")
	scores := map[string]kpiScore{}
	for _, sk := range rollUp(sh, res, "site", "kind") {
		site, kind := sk.Labels[0], sk.Labels[1]
		out.gauge(capaAwaitingReviewDesc, sk.Value("awaiting_review"), site, kind)
		// Every origin, priority and age band of a site and kind with any
		// action is exposed, zero included, so that "none" is a value on a
		// dashboard rather than a gap.
		for _, origin := range vocabulary(sh, "origin") {
			out.add(capaRaisedDesc, prometheus.CounterValue, raised.Count(site, kind, origin), site, kind, origin)
		}
		for _, priority := range vocabulary(sh, "priority") {
			value := func(measure string) float64 { return byPriority.Value(measure, site, kind, priority) }
			for _, b := range capaAgeBands {
				out.gauge(capaOpenDesc, value(b.measure()), site, kind, priority, b.label)
			}
			out.gauge(capaOverdueDesc, value("overdue"), site, kind, priority)
			out.gauge(capaDueSoonDesc, value("due_soon"), site, kind, priority)
			out.gauge(capaOverdueOldestDesc, value("overdue_oldest_age"), site, kind, priority)
			out.gauge(capaOverdueLongestDesc, value("overdue_longest"), site, kind, priority)
			closed, onTime := value("closed_in_window"), value("closed_on_time_in_window")
			out.gauge(capaClosedDesc, closed, site, kind, priority)
			out.gauge(capaClosedOnTimeDesc, onTime, site, kind, priority)
			if closed > 0 {
				out.gauge(capaOnTimeRatioDesc, onTime/closed, site, kind, priority)
			}
		}
		sc := scores[site]
		sc.num += sk.Value("closed_on_time_in_window")
		sc.den += sk.Value("closed_in_window")
		scores[site] = sc
	}
	for _, site := range s.Sites {
		out.gauge(capaThresholdDesc, seconds(SiteTargetsOf[capaTargets](s, site).OverdueAgeThreshold), site)
	}
	out.gauge(capaWindowDesc, seconds(s.Options.(*capaOptions).Window))
	out.gauge(capaDueSoonHorizonDesc, seconds(s.Options.(*capaOptions).DueSoon))
	out.headline(capaKPI, s, scores, targetsGrading(s, func(t *capaTargets) RatioTarget { return t.ClosedOnTime }))
	capaPeriods(&out, sh, res, s)
	return out
}

// capaPeriods emits the period indicators: closures by the month of
// closed_at, actions raised by the month of raised_at, and the actions
// open and overdue at each period's end.
func capaPeriods(out *metricsOut, sh *records.Shape, res records.Result, s *Settings) {
	bySite := totalsBy(sh, res, "site")
	out.periodKPI(capaKPI, s, sh, res, byMonth(func(site string, ago int) kpiScore {
		return kpiScore{num: bySite.Value(monthMeasure("closed_on_time", ago), site), den: bySite.Value(monthMeasure("closed", ago), site)}
	}))
	out.eachPeriod(capaPeriodRaisedDesc, s, sh, res, none, func(site string, _ []string, p period) float64 {
		return sumMonths(p, func(ago int) float64 { return bySite.Value(monthMeasure("raised", ago), site) })
	})
	// At the end of a period, e months back (0: now), an action was open
	// if it is open now, unless it was raised after that end; or if it was
	// closed after it. An end is the first instant of the month after, so
	// what happened after it happened in the e months since (records.MonthEnd),
	// and an action raised or closed at the end itself, as a date on the
	// 1st is, counts as after it.
	first := func(measure func(int) string, site string, bins int) float64 {
		var n float64
		for k := range bins {
			n += bySite.Value(measure(k), site)
		}
		return n
	}
	after := func(name, site string, end int) float64 {
		return first(func(ago int) string { return monthMeasure(name, ago) }, site, end)
	}
	out.eachPeriod(capaPeriodOpenDesc, s, sh, res, none, func(site string, _ []string, p period) float64 {
		return bySite.Value("open", site) - after("raised", site, p.end) + after("closed", site, p.end)
	})
	// Overdue, likewise: an action open now is overdue then unless it
	// became overdue after that end; one closed late after it was overdue
	// then if it had become overdue by then. Those that had not, closed
	// late or still open, are counted by the end they became overdue after:
	// those after the end, and the end itself, as after it.
	out.eachPeriod(capaPeriodOverdueDesc, s, sh, res, none, func(site string, _ []string, p period) float64 {
		closedLate := after("closed", site, p.end) - after("closed_on_time", site, p.end)
		notYet := first(func(k int) string { return stateMeasure("overdue_from", k) }, site, p.end+1)
		return bySite.Value("open", site) + closedLate - notYet
	})
}

func (capa) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{capaOpenDesc, capaOverdueDesc, capaDueSoonDesc, capaOverdueOldestDesc,
		capaOverdueLongestDesc, capaRaisedDesc, capaClosedDesc, capaClosedOnTimeDesc, capaOnTimeRatioDesc,
		capaAwaitingReviewDesc, capaThresholdDesc, capaWindowDesc, capaDueSoonHorizonDesc,
		capaPeriodRaisedDesc, capaPeriodOpenDesc, capaPeriodOverdueDesc} {
		ch <- d
	}
	describeKPI(ch)
	describePeriodKPI(ch)
}
