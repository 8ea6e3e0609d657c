package collectors

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// A configured indicator is a KPI an organisation defines in its
// configuration, with no Go: "share of X that met Y", "count per period" or
// "value against a limit". SeMS is "not a one size fits all solution", and
// PSeMS Annex A asks how quickly metrics can be changed. An indicator is a
// family like the built-in ones, made from its definition rather than
// registered, so it goes through the same machinery: aggregated by
// PostgreSQL or from CSV, rejected records counted by reason, collection
// health, the sems_kpi_* metrics, RAG and the organisation roll-up.

// Measure is how an indicator's records make its value.
type Measure string

const (
	// MeasureShare: one record per item, with a met flag; the value is the
	// share of items that met it (gate checks passed).
	MeasureShare Measure = "share"
	// MeasureRatio: records carrying a numerator and a denominator; the value
	// is the sum of numerators over the sum of denominators (audits completed
	// against plan, per site and month).
	MeasureRatio Measure = "ratio"
	// MeasureCount: the value is the number of records (reports made).
	MeasureCount Measure = "count"
	// MeasureSum: the value is the sum of the records' value column
	// (disruption minutes).
	MeasureSum Measure = "sum"
)

// Measures lists the measures in the order the documentation gives them.
var Measures = []Measure{MeasureShare, MeasureRatio, MeasureCount, MeasureSum}

// Ratio reports whether the measure makes a 0-1 share.
func (m Measure) Ratio() bool { return m == MeasureShare || m == MeasureRatio }

// Breakdown is an indicator's one optional extra label, with a declared,
// bounded vocabulary: its values become label values.
type Breakdown struct {
	// Title is what the breakdown is, for people ("Zone").
	Title  string
	Values []string
}

// IndicatorDefinition is a configured indicator.
type IndicatorDefinition struct {
	// Name is both its kpi label and its family label.
	Name, Title, Description string
	Measure                  Measure
	// Unit is what a count or sum counts ("reports", "minutes"); a share or
	// ratio is UnitRatio.
	Unit      Unit
	Direction Direction
	TrendOnly bool
	// Window is how far back a record's time (its at column) may lie to
	// count towards the current value. Zero: the records have no time and
	// every record counts, as for a register of things as they are now.
	Window    time.Duration
	Breakdown *Breakdown
	// OrganisationTargets grades a count or sum for the whole organisation,
	// whose value is the sites' total; nil: the total has no RAG. A share or
	// ratio is graded by its targets, as the built-in families are.
	OrganisationTargets *Thresholds
}

// Columns of the indicators' record contract.
const (
	IndicatorRef         = "ref"
	IndicatorAt          = "at"
	IndicatorBreakdown   = "breakdown"
	IndicatorMet         = "met"
	IndicatorNumerator   = "numerator"
	IndicatorDenominator = "denominator"
	IndicatorValue       = "value"
)

// Measures of an indicator's shape.
const (
	indicatorNum   = "num"
	indicatorDen   = "den"
	indicatorTotal = "total"
)

type indicator struct{ def IndicatorDefinition }

// NewIndicator makes the family of a configured indicator.
func NewIndicator(def IndicatorDefinition) Family { return indicator{def} }

// IndicatorTargets are a configured indicator's green and amber levels, read
// in its direction: for lower-is-better, green is the highest value still
// green.
type IndicatorTargets struct {
	Green float64 `yaml:"green"`
	Amber float64 `yaml:"amber"`
	def   *IndicatorDefinition
}

// Validate checks that amber is no better than green, and that a share's
// levels are shares.
func (t *IndicatorTargets) Validate() error {
	if t.def.Measure.Ratio() && (t.Green < 0 || t.Green > 1 || t.Amber < 0 || t.Amber > 1) {
		return fmt.Errorf("a %s's green and amber are shares between 0 and 1, got green %g, amber %g", t.def.Measure, t.Green, t.Amber)
	}
	better := t.Amber > t.Green
	if t.def.Direction == LowerIsBetter {
		better = t.Amber < t.Green
	}
	if better {
		return fmt.Errorf("amber (%g) must not be better than green (%g) when %s", t.Amber, t.Green, t.def.Direction)
	}
	return nil
}

func (f indicator) Name() string { return f.def.Name }

func (f indicator) KPIs() []KPI {
	return []KPI{{
		Name: f.def.Name, Family: f.def.Name, Title: f.def.Title, Description: f.def.Description,
		Unit: f.def.Unit, Direction: f.def.Direction, TrendOnly: f.def.TrendOnly, Periods: f.def.Window > 0,
	}}
}

func (f indicator) Columns() []records.Column {
	cols := []records.Column{
		{Name: IndicatorRef, Type: records.TypeText, Doc: "The record's reference in the source system, if it has one: records sharing a reference are all rejected as duplicates. Read, never exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code, one of the configured sites."},
	}
	if f.def.Window > 0 {
		cols = append(cols, records.Column{Name: IndicatorAt, Type: records.TypeTime, Required: true,
			Doc: "When the record happened; it counts towards the current value while it lies within the window."})
	}
	if b := f.def.Breakdown; b != nil {
		cols = append(cols, records.Column{Name: IndicatorBreakdown, Type: records.TypeEnum, Required: true, Allowed: b.Values,
			Doc: b.Title + ", one of the values the indicator's breakdown declares."})
	}
	switch f.def.Measure {
	case MeasureShare:
		cols = append(cols, records.Column{Name: IndicatorMet, Type: records.TypeBool, Required: true, Doc: "Whether the item met what the indicator measures."})
	case MeasureRatio:
		cols = append(cols,
			records.Column{Name: IndicatorNumerator, Type: records.TypeNumber, Required: true, Doc: "What was achieved (audits completed), at most the denominator."},
			records.Column{Name: IndicatorDenominator, Type: records.TypeNumber, Required: true, Doc: "What it is measured against (audits planned)."})
	case MeasureSum:
		cols = append(cols, records.Column{Name: IndicatorValue, Type: records.TypeNumber, Required: true, Doc: "The record's amount, in the indicator's unit."})
	}
	return cols
}

// NewOptions: everything an indicator has is in its definition.
func (indicator) NewOptions() any { return nil }

// NewTargets has no default levels: an indicator that is not trend-only
// must set them.
func (f indicator) NewTargets() any { return &IndicatorTargets{def: &f.def} }

func (f indicator) Shape(s *Settings) *records.Shape {
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason(IndicatorRef), IndicatorRef)
	// counted is a record's contribution to the current value: all of it,
	// or, with a window, NULL once its time is out of the window.
	counted := func(e records.Expr) records.Expr { return e }
	// With a time, each measure is taken within the window, for the current
	// value, and per month, for the periods.
	measure := func(name string, e records.Expr) { sh.SumOf(name, counted(e)) }
	if f.def.Window > 0 {
		rejectFuture(sh, IndicatorAt)
		inWindow := records.Le(records.SecondsSince(sh.Col(IndicatorAt)), records.Number(f.def.Window.Seconds()))
		counted = func(e records.Expr) records.Expr { return records.When(inWindow, e) }
		month := s.Calendar.monthOf(sh, "at_month", sh.Col(IndicatorAt))
		measure = func(name string, e records.Expr) {
			sh.SumOf(name, counted(e))
			sumByMonth(sh, s.Calendar, name, month, e)
		}
	}
	one := records.Number(1)
	switch f.def.Measure {
	case MeasureShare:
		measure(indicatorNum, records.If(sh.Col(IndicatorMet), one, records.Number(0)))
		measure(indicatorDen, one)
	case MeasureRatio:
		num, den := sh.Col(IndicatorNumerator), sh.Col(IndicatorDenominator)
		sh.Reject("negative_"+IndicatorNumerator, records.Lt(num, records.Number(0)))
		sh.Reject("negative_"+IndicatorDenominator, records.Lt(den, records.Number(0)))
		sh.Reject(IndicatorNumerator+"_above_"+IndicatorDenominator, records.Gt(num, den))
		measure(indicatorNum, num)
		measure(indicatorDen, den)
	case MeasureCount:
		measure(indicatorTotal, one)
	case MeasureSum:
		measure(indicatorTotal, sh.Col(IndicatorValue))
	}
	sh.GroupBy("site", sh.Col("site"))
	if f.def.Breakdown != nil {
		sh.GroupBy(IndicatorBreakdown, sh.Col(IndicatorBreakdown))
	}
	return sh
}

var (
	indicatorNumeratorDesc = newDesc("indicator", "numerator",
		"Numerator of a configured share or ratio indicator per site and breakdown value.", "kpi", "site", "breakdown")
	indicatorDenominatorDesc = newDesc("indicator", "denominator",
		"Denominator of a configured share or ratio indicator per site and breakdown value.", "kpi", "site", "breakdown")
	indicatorValueDesc = newDesc("indicator", "value",
		"Value of a configured count or sum indicator per site and breakdown value, in the unit sems_kpi_info gives.", "kpi", "site", "breakdown")
	indicatorBreakdownDesc = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "indicator", "breakdown_info"),
		"The breakdown of a configured indicator: what its breakdown label means, for people. Always 1."+snapshotNote,
		[]string{"kpi", "title"}, nil)
	indicatorWindowDesc = newDesc("indicator", "window_seconds",
		"How far back a configured indicator's records count towards its current value; absent when every record counts.", "kpi")
)

func (f indicator) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	kpi := f.def.Name
	ratio := f.def.Measure.Ratio()
	scores := map[string]kpiScore{}
	for _, t := range rollUp(sh, res, "site") {
		if ratio {
			scores[t.Labels[0]] = kpiScore{num: t.Value(indicatorNum), den: t.Value(indicatorDen)}
		} else {
			scores[t.Labels[0]] = kpiScore{num: t.Value(indicatorTotal)}
		}
	}
	if b := f.def.Breakdown; b != nil {
		out.gauge(indicatorBreakdownDesc, 1, kpi, b.Title)
		byValue := totalsBy(sh, res, "site", IndicatorBreakdown)
		// Every breakdown value of a site with records, zero included.
		for _, site := range s.Sites {
			if _, ok := scores[site]; !ok {
				continue
			}
			for _, v := range b.Values {
				if ratio {
					out.gauge(indicatorNumeratorDesc, byValue.Value(indicatorNum, site, v), kpi, site, v)
					out.gauge(indicatorDenominatorDesc, byValue.Value(indicatorDen, site, v), kpi, site, v)
				} else {
					out.gauge(indicatorValueDesc, byValue.Value(indicatorTotal, site, v), kpi, site, v)
				}
			}
		}
	}
	if f.def.Window > 0 {
		out.gauge(indicatorWindowDesc, f.def.Window.Seconds(), kpi)
	}
	out.headline(f.KPIs()[0], s, scores, f.grading(s))
	if f.def.Window > 0 {
		bySite := totalsBy(sh, res, "site")
		measure := func(name, site string, ago int) float64 { return bySite.Value(monthMeasure(name, ago), site) }
		out.periodKPI(f.KPIs()[0], s, sh, res, byMonth(func(site string, ago int) kpiScore {
			if ratio {
				return kpiScore{num: measure(indicatorNum, site, ago), den: measure(indicatorDen, site, ago)}
			}
			return kpiScore{num: measure(indicatorTotal, site, ago)}
		}))
	}
	return out
}

// grading grades every site by its targets (the organisation's with the
// site's overrides). The organisation is graded by the same targets for a
// share or ratio, and by its own for a total, which sums the sites.
func (f indicator) grading(s *Settings) grading {
	levels := func(t *IndicatorTargets) Thresholds { return Thresholds{Green: t.Green, Amber: t.Amber} }
	org := func() (Thresholds, bool) { return levels(s.Targets.(*IndicatorTargets)), true }
	if !f.def.Measure.Ratio() {
		org = func() (Thresholds, bool) {
			if t := f.def.OrganisationTargets; t != nil {
				return *t, true
			}
			return Thresholds{}, false
		}
	}
	return grading{
		site: func(site string) (Thresholds, bool) { return levels(SiteTargetsOf[IndicatorTargets](s, site)), true },
		org:  org,
	}
}

func (indicator) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{indicatorNumeratorDesc, indicatorDenominatorDesc, indicatorValueDesc,
		indicatorBreakdownDesc, indicatorWindowDesc} {
		ch <- d
	}
	describeKPI(ch)
	describePeriodKPI(ch)
}
