package collectors

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Third-party providers: do the providers of security services deliver the
// security performance their contracts specify (SeMS Framework ch. 4,
// "management of third party suppliers", with auditable data)? One record
// per contracted measure of one provider's service at a site for one
// period, with the level contracted and the level achieved.
type providers struct{}

func init() { Register(providers{}) }

var providersKPI = KPI{
	Name:        "providers_met",
	Family:      "providers",
	Title:       "Contracted security levels met by providers",
	Description: "Share of the third-party providers' contracted measures, over the periods of the review window (365 days by default), whose achieved level met the contracted level.",
	Unit:        UnitRatio,
	Periods:     true,
}

func (providers) KPIs() []KPI { return []KPI{providersKPI} }

type providersOptions struct {
	// Window is how far back, by period, measurements count.
	Window model.Duration `yaml:"window"`
}

func (o *providersOptions) Validate() error {
	if o.Window <= 0 {
		return fmt.Errorf("window must be positive")
	}
	return nil
}

type providersTargets struct {
	Met RatioTarget `yaml:"met_ratio"`
}

func (t *providersTargets) Validate() error { return t.Met.Validate() }

// ValidateSettings requires the providers to be configured: the contract
// has no default list, so that a provider label is always one of the
// organisation's own codes, never a name taken from the records.
func (f providers) ValidateSettings(s *Settings) error {
	if len(vocabularyOf(s, f, "provider")) == 0 {
		return fmt.Errorf("vocabulary.provider: list the providers' codes (such as [secureco, gatekeep]); there is no default")
	}
	return nil
}

var (
	providersMeasuresDesc = newDesc("providers", "measures",
		"Contracted measures with a period in the window, per site, provider and service.", "site", "provider", "service")
	providersMetDesc = newDesc("providers", "measures_met",
		"Of those, the measures whose achieved level met the contracted level.", "site", "provider", "service")
	providersRatioDesc = newDesc("providers", "met_ratio",
		"Share of the contracted measures met, 0-1, per site, provider and service.", "site", "provider", "service")
	providersWindowDesc = newDesc("providers", "window_seconds",
		"The window option: how far back, by period, measurements count.")
)

func (providers) Name() string { return "providers" }

func (providers) Columns() []records.Column {
	return []records.Column{
		{Name: "measurement_ref", Type: records.TypeText, Required: true, Doc: "The measurement's reference in the source system. Read to find a measurement exported twice, never exported."},
		{Name: "provider", Type: records.TypeEnum, Required: true, Doc: "The provider's code, from the configured list (`vocabulary.provider`): an organisation, never a person."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code."},
		{Name: "service", Type: records.TypeEnum, Required: true, Doc: "The contracted service.",
			Allowed: []string{"screening", "guarding", "access_control", "surveillance", "cargo_screening", "vehicle_search"}},
		{Name: "measure", Type: records.TypeText, Required: true, Doc: "The contract's name for the measure. Read, never exported."},
		{Name: "period", Type: records.TypeTime, Required: true, Doc: "The start of the period measured, such as the first day of a month."},
		{Name: "contracted_level", Type: records.TypeNumber, Required: true, Doc: "The level the contract specifies."},
		{Name: "achieved_level", Type: records.TypeNumber, Required: true, Doc: "The level achieved in the period."},
		{Name: "direction", Type: records.TypeEnum, Doc: "Whether more is better (`higher_is_better`, when empty) or less (`lower_is_better`, such as a response time): a measure is met when achieved is at least, or at most, contracted.",
			Allowed: []string{"higher_is_better", "lower_is_better"}},
	}
}

func (providers) NewOptions() any {
	return &providersOptions{Window: model.Duration(365 * 24 * time.Hour)}
}

func (providers) NewTargets() any {
	return &providersTargets{Met: RatioTarget{Green: 0.95, Amber: 0.85}}
}

func (f providers) Shape(s *Settings) *records.Shape {
	opts := s.Options.(*providersOptions)
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("measurement_ref"), "measurement_ref")
	period := sh.Col("period")
	rejectFuture(sh, "period")
	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("provider", sh.Col("provider"))
	sh.GroupBy("service", sh.Col("service"))
	contracted, achieved := sh.Col("contracted_level"), sh.Col("achieved_level")
	met := sh.Derive("met", records.If(records.Eq(sh.Col("direction"), records.Text("lower_is_better")),
		records.Le(achieved, contracted), records.Ge(achieved, contracted)))
	inWindow := records.Le(records.SecondsSince(period), records.Number(seconds(opts.Window)))
	sh.CountIf("measured", inWindow)
	sh.CountIf("met", records.And(inWindow, met))
	month := s.Calendar.monthOf(sh, "period_month", period)
	countByMonth(sh, s.Calendar, "measured", month, nil)
	countByMonth(sh, s.Calendar, "met", month, met)
	return sh
}

func (providers) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	scores := map[string]kpiScore{}
	for _, t := range rollUp(sh, res, "site", "provider", "service") {
		site, provider, service := t.Labels[0], t.Labels[1], t.Labels[2]
		measured, met := t.Value("measured"), t.Value("met")
		out.gauge(providersMeasuresDesc, measured, site, provider, service)
		out.gauge(providersMetDesc, met, site, provider, service)
		if measured > 0 {
			out.gauge(providersRatioDesc, met/measured, site, provider, service)
		}
		sc := scores[site]
		sc.num += met
		sc.den += measured
		scores[site] = sc
	}
	out.gauge(providersWindowDesc, seconds(s.Options.(*providersOptions).Window))
	out.headline(providersKPI, s, scores, targetsGrading(s, func(t *providersTargets) RatioTarget { return t.Met }))
	bySite := totalsBy(sh, res, "site")
	out.periodKPI(providersKPI, s, sh, res, byMonth(func(site string, ago int) kpiScore {
		return kpiScore{num: bySite.Value(monthMeasure("met", ago), site), den: bySite.Value(monthMeasure("measured", ago), site)}
	}))
	return out
}

func (providers) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{providersMeasuresDesc, providersMetDesc, providersRatioDesc, providersWindowDesc} {
		ch <- d
	}
	describeKPI(ch)
	describePeriodKPI(ch)
}
