package collectors

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Covert and security test results: does screening, access control and search
// stop a simulated attack (ICAO Annex 17 security tests; PSeMS multimodal case
// study), why did a failed test fail, and is every failure followed by a
// corrective action? One record per test. Only counts are exported: test and
// action references are restricted information.
type covertTests struct{}

func init() { Register(covertTests{}) }

// covertTestsKPI is the family's headline KPI.
var covertTestsKPI = KPI{
	Name:        "covert_test_pass",
	Family:      "covert_tests",
	Title:       "Security tests passed",
	Description: "Share of the covert and other security tests of the last 90 days (the first configured window) that were passed.",
	Unit:        UnitRatio,
}

func (covertTests) KPIs() []KPI { return []KPI{covertTestsKPI} }

type covertTestsOptions struct {
	// Windows are the rolling windows of the pass rate; the first one is the
	// headline KPI's.
	Windows []model.Duration `yaml:"windows"`
	// ActionGrace is how long a failure may go without a linked corrective
	// action before it is counted as lacking one.
	ActionGrace model.Duration `yaml:"action_grace"`
}

func (o *covertTestsOptions) Validate() error {
	if len(o.Windows) == 0 {
		return fmt.Errorf("windows must list at least one window")
	}
	for i, w := range o.Windows {
		if w <= 0 {
			return fmt.Errorf("windows: %s is not positive", w)
		}
		// Two equal windows would expose the same window label twice.
		if slices.Contains(o.Windows[:i], w) {
			return fmt.Errorf("windows: %s is listed twice", w)
		}
	}
	if o.ActionGrace < 0 {
		return fmt.Errorf("action_grace must not be negative")
	}
	return nil
}

type covertTestsTargets struct {
	Pass RatioTarget `yaml:"pass_ratio"`
}

func (t *covertTestsTargets) Validate() error { return t.Pass.Validate() }

var (
	covertTotalDesc = newDesc("covert_tests", "total",
		"Covert and security tests recorded, per site, test type, tester and result.", "site", "test_type", "conducted_by", "result")
	covertInWindowDesc = newDesc("covert_tests", "in_window",
		"Covert and security tests conducted within the rolling window in the window label.", "site", "test_type", "conducted_by", "result", "window")
	covertPassRatioDesc = newDesc("covert_tests", "pass_ratio",
		"Share of the tests conducted within the window that passed, 0-1; absent when no test was conducted in it.", "site", "test_type", "window")
	covertFailuresDesc = newDesc("covert_tests", "failures_in_window",
		"Failed tests conducted within the window, by cause of failure.", "site", "test_type", "failure_cause", "window")
	covertNoActionDesc = newDesc("covert_tests", "failures_without_action",
		"Failed tests with no linked corrective action, conducted longer ago than the action grace period.", "site", "test_type")
	covertGraceDesc = newDesc("covert_tests", "action_grace_seconds",
		"How long a failed test may go without a linked corrective action before it is counted as lacking one.")
	covertPeriodFailuresDesc = newPeriodDesc("covert_tests", "period_failures",
		"Failed tests conducted in the period, by conducted_at, per site and cause of failure (the tests conducted and passed are the covert_test_pass KPI's period denominator and numerator).", "site", "failure_cause")
)

func (covertTests) Name() string { return "covert_tests" }

func (covertTests) Columns() []records.Column {
	return []records.Column{
		{Name: "test_ref", Type: records.TypeText, Required: true, Doc: "The test's reference in the source system. Read, never exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site where the test was conducted."},
		{Name: "test_type", Type: records.TypeEnum, Required: true, Doc: "What the test tried to get past.",
			Allowed: []string{"screening_threat_item", "access_control", "vehicle_search", "staff_search"}},
		{Name: "conducted_by", Type: records.TypeEnum, Required: true, Doc: "Who conducted the test.",
			Allowed: []string{"regulator", "internal", "third_party"}},
		{Name: "conducted_at", Type: records.TypeTime, Required: true, Doc: "When the test was conducted."},
		{Name: "result", Type: records.TypeEnum, Required: true, Doc: "Outcome of the test.",
			Allowed: []string{"pass", "fail"}},
		{Name: "failure_cause", Type: records.TypeEnum, Doc: "Why a failed test failed. Ignored on a pass.",
			Allowed: []string{"people", "procedure", "equipment"}},
		{Name: "linked_action_ref", Type: records.TypeText, Doc: "The corrective action raised for a failure; NULL while there is none. Read, never exported."},
	}
}

// ValidateSettings keeps the result vocabulary at pass and fail: the pass
// rate and the failure counts are defined by those two values.
func (covertTests) ValidateSettings(s *Settings) error {
	if v, ok := s.Vocabulary["result"]; ok {
		if len(v) != 2 || !slices.Contains(v, "pass") || !slices.Contains(v, "fail") {
			return fmt.Errorf("the result vocabulary must be exactly pass and fail, got %v", v)
		}
	}
	return nil
}

func (covertTests) NewOptions() any {
	return &covertTestsOptions{
		Windows:     []model.Duration{model.Duration(90 * 24 * time.Hour), model.Duration(365 * 24 * time.Hour)},
		ActionGrace: model.Duration(14 * 24 * time.Hour),
	}
}

func (covertTests) NewTargets() any {
	return &covertTestsTargets{Pass: RatioTarget{Green: 0.90, Amber: 0.80}}
}

// covertWindowMeasure names the count of records within the i-th window.
func covertWindowMeasure(i int) string { return fmt.Sprintf("in_window_%d", i) }

func (f covertTests) Shape(s *Settings) *records.Shape {
	opts := s.Options.(*covertTestsOptions)
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("test_ref"), "test_ref")
	rejectFuture(sh, "conducted_at")
	failed := records.Eq(sh.Col("result"), records.Text("fail"))
	sh.Reject("missing_failure_cause", records.And(failed, records.IsNull(sh.Col("failure_cause"))))
	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("test_type", sh.Col("test_type"))
	sh.GroupBy("conducted_by", sh.Col("conducted_by"))
	sh.GroupBy("result", sh.Col("result"))
	// A pass's cause is ignored; the empty key, never an enum value, keeps
	// passes apart from every cause without a NULL key.
	sh.GroupBy("failure_cause", records.If(failed, sh.Col("failure_cause"), records.Text("")))
	age := records.SecondsSince(sh.Col("conducted_at"))
	for i, w := range opts.Windows {
		sh.CountIf(covertWindowMeasure(i), records.Le(age, records.Number(seconds(w))))
	}
	// The period indicators: tests by month conducted (by result and cause
	// through the grouping).
	countByMonth(sh, s.Calendar, "conducted", s.Calendar.monthOf(sh, "conducted_month", sh.Col("conducted_at")), nil)
	sh.CountIf("without_action", records.And(failed, records.IsNull(sh.Col("linked_action_ref")),
		records.Gt(age, records.Number(seconds(opts.ActionGrace)))))
	return sh
}

// covertWindowLabel writes a window as whole days ("90d") where it is one,
// rather than model.Duration's "12w6d".
func covertWindowLabel(w model.Duration) string {
	const day = 24 * time.Hour
	if d := time.Duration(w); d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return w.String()
}

func (covertTests) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	opts := s.Options.(*covertTestsOptions)
	windows := make([]string, len(opts.Windows))
	for i, w := range opts.Windows {
		windows[i] = covertWindowLabel(w)
	}
	results := vocabulary(sh, "result")
	causes := vocabulary(sh, "failure_cause")

	// Every result and window is exposed for each tester that has tested a
	// site's test type, zero included, so that "no failures" is a value.
	byResult := totalsBy(sh, res, "site", "test_type", "conducted_by", "result")
	for _, t := range rollUp(sh, res, "site", "test_type", "conducted_by") {
		site, typ, by := t.Labels[0], t.Labels[1], t.Labels[2]
		for _, r := range results {
			out.add(covertTotalDesc, prometheus.CounterValue, byResult.Count(site, typ, by, r), site, typ, by, r)
			for i, w := range windows {
				out.gauge(covertInWindowDesc, byResult.Value(covertWindowMeasure(i), site, typ, by, r), site, typ, by, r, w)
			}
		}
	}

	byPass := totalsBy(sh, res, "site", "test_type", "result")
	byCause := totalsBy(sh, res, "site", "test_type", "failure_cause")
	for _, t := range rollUp(sh, res, "site", "test_type") {
		site, typ := t.Labels[0], t.Labels[1]
		for i, w := range windows {
			m := covertWindowMeasure(i)
			if den := t.Value(m); den > 0 {
				out.gauge(covertPassRatioDesc, byPass.Value(m, site, typ, "pass")/den, site, typ, w)
			}
			for _, c := range causes {
				out.gauge(covertFailuresDesc, byCause.Value(m, site, typ, c), site, typ, c, w)
			}
		}
		out.gauge(covertNoActionDesc, t.Value("without_action"), site, typ)
	}
	out.gauge(covertGraceDesc, seconds(opts.ActionGrace))

	// Headline: the pass rate over the first window.
	first := covertWindowMeasure(0)
	scores := map[string]kpiScore{}
	for _, t := range rollUp(sh, res, "site", "result") {
		site := t.Labels[0]
		sc := scores[site]
		sc.den += t.Value(first)
		if t.Labels[1] == "pass" {
			sc.num += t.Value(first)
		}
		scores[site] = sc
	}
	out.headline(covertTestsKPI, s, scores, targetsGrading(s, func(t *covertTestsTargets) RatioTarget { return t.Pass }))
	covertPeriods(&out, sh, res, s)
	return out
}

// covertPeriods emits the period indicators, by the month of conducted_at:
// tests conducted and passed, and failures by cause.
func covertPeriods(out *metricsOut, sh *records.Shape, res records.Result, s *Settings) {
	conducted := func(ago int) string { return monthMeasure("conducted", ago) }
	bySite := totalsBy(sh, res, "site")
	byResult := totalsBy(sh, res, "site", "result")
	out.periodKPI(covertTestsKPI, s, sh, res, byMonth(func(site string, ago int) kpiScore {
		return kpiScore{num: byResult.Value(conducted(ago), site, "pass"), den: bySite.Value(conducted(ago), site)}
	}))
	byCause := totalsBy(sh, res, "site", "failure_cause")
	out.eachPeriod(covertPeriodFailuresDesc, s, sh, res, each(vocabulary(sh, "failure_cause")), func(site string, cause []string, p period) float64 {
		return sumMonths(p, func(ago int) float64 { return byCause.Value(conducted(ago), site, cause[0]) })
	})
}

func (covertTests) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{covertTotalDesc, covertInWindowDesc, covertPassRatioDesc,
		covertFailuresDesc, covertNoActionDesc, covertGraceDesc, covertPeriodFailuresDesc} {
		ch <- d
	}
	describeKPI(ch)
	describePeriodKPI(ch)
}
