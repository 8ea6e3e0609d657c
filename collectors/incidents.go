package collectors

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Incident response: how long security incidents take to resolve (SeMS
// Framework ch. 5 and 6; PSeMS Annex A asks whether metrics measure "the time
// taken to resolve security issues"). One record per incident; an incident
// with no resolved_at is open.
type incidents struct{}

func init() { Register(incidents{}) }

// incidentsKPI is the family's headline KPI.
var incidentsKPI = KPI{
	Name:        "incident_resolution",
	Family:      "incidents",
	Title:       "Incidents resolved on time",
	Description: "Share of the incidents resolved in the review window (90 days by default) that were resolved within the target time for their severity.",
	Unit:        UnitRatio,
	Periods:     true,
}

func (incidents) KPIs() []KPI { return []KPI{incidentsKPI} }

type incidentsOptions struct {
	// Window is how far back resolutions count towards the within-target share.
	Window model.Duration `yaml:"window"`
	// Buckets are the upper bounds of the time-to-resolve histogram.
	Buckets []model.Duration `yaml:"buckets"`
}

func (o *incidentsOptions) Validate() error {
	if o.Window <= 0 {
		return fmt.Errorf("window must be positive")
	}
	for i, b := range o.Buckets {
		if b <= 0 || (i > 0 && b <= o.Buckets[i-1]) {
			return fmt.Errorf("buckets must be positive and strictly increasing, got %v", o.Buckets)
		}
	}
	return nil
}

type incidentsTargets struct {
	// Resolution is the time within which an incident of each severity should
	// be resolved. A site override replaces only the severities it names.
	Resolution   map[string]model.Duration `yaml:"resolution"`
	WithinTarget RatioTarget               `yaml:"within_target_ratio"`
}

// Validate cannot check the severities against the vocabulary, which is not
// known when targets are decoded; ValidateSettings does.
func (t *incidentsTargets) Validate() error {
	for sev, d := range t.Resolution {
		if d <= 0 {
			return fmt.Errorf("resolution target for %q must be positive", sev)
		}
	}
	return t.WithinTarget.Validate()
}

var (
	incidentsReportedDesc = newDesc("incidents", "reported_total",
		"Security incidents reported (every accepted record, open or resolved), per site, severity and category.", "site", "severity", "category")
	incidentsOpenDesc = newDesc("incidents", "open",
		"Security incidents currently open (not yet resolved).", "site", "severity")
	incidentsOverTargetDesc = newDesc("incidents", "open_over_target",
		"Open security incidents reported longer ago than their site's resolution target for their severity.", "site", "severity")
	incidentsOldestDesc = newDesc("incidents", "open_oldest_age_seconds",
		"Age of the oldest open security incident (time since it was reported), 0 when none is open.", "site", "severity")
	incidentsDurationDesc = newDesc("incidents", "resolution_duration_seconds",
		"Time from report to resolution of every resolved security incident.", "site", "severity")
	incidentsInWindowDesc = newDesc("incidents", "resolved_in_window",
		"Security incidents resolved within the rolling window.", "site", "severity")
	incidentsWithinDesc = newDesc("incidents", "resolved_in_window_within_target",
		"Security incidents resolved within the rolling window and within their resolution target.", "site", "severity")
	incidentsRatioDesc = newDesc("incidents", "resolved_within_target_ratio",
		"Share of the incidents resolved within the rolling window that were resolved within their target, 0-1.", "site", "severity")
	incidentsTargetDesc = newDesc("incidents", "resolution_target_seconds",
		"Time within which a security incident of this severity should be resolved at this site.", "site", "severity")
	incidentsWindowDesc = newDesc("incidents", "window_seconds",
		"Rolling window over which resolutions count towards the within-target share.")
	incidentsPeriodReportedDesc = newPeriodDesc("incidents", "period_reported",
		"Security incidents reported in the period, by the time they were reported (reported_at), per site and severity.", "site", "severity")
	incidentsAlertLevelDesc = newDesc("incidents", "reported_alert_level",
		"Statistical alert level of the monthly number of incidents reported at a site (ICAO Doc 9859): the mean plus level (1, 2, 3) population standard deviations of the counts of the 12 complete calendar months before the current one, from the records' reported_at.", "site", "level")
	incidentsBaselineMeanDesc = newDesc("incidents", "reported_monthly_mean",
		"Mean monthly number of incidents reported at a site over the 12 complete calendar months before the current one, from the records: the base of the alert levels.", "site")
	incidentsBaselineSDDesc = newDesc("incidents", "reported_monthly_stddev",
		"Population standard deviation of the monthly number of incidents reported at a site over the 12 complete calendar months before the current one, from the records.", "site")
	orgIncidentsAlertLevelDesc = newDesc("incidents", "organisation_reported_alert_level",
		"Statistical alert level of the monthly number of incidents reported across the organisation (ICAO Doc 9859): the mean plus level (1, 2, 3) population standard deviations of the organisation's counts of the 12 complete calendar months before the current one.", "level")
	orgIncidentsBaselineMeanDesc = newDesc("incidents", "organisation_reported_monthly_mean",
		"Mean monthly number of incidents reported across the organisation over the 12 complete calendar months before the current one, from the records.")
	orgIncidentsBaselineSDDesc = newDesc("incidents", "organisation_reported_monthly_stddev",
		"Population standard deviation of the monthly number of incidents reported across the organisation over the 12 complete calendar months before the current one, from the records.")
)

func (incidents) Name() string { return "incidents" }

func (incidents) Columns() []records.Column {
	return []records.Column{
		{Name: "incident_ref", Type: records.TypeText, Required: true, Doc: "The incident's reference in the source system. Read, never exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code."},
		{Name: "category", Type: records.TypeEnum, Required: true, Doc: "Kind of incident.",
			Allowed: []string{"prohibited_item", "unauthorised_access", "perimeter_breach", "suspicious_behaviour",
				"insider_activity", "equipment_tampering", "cyber", "other"}},
		{Name: "severity", Type: records.TypeEnum, Required: true, Doc: "Severity; selects the resolution target.",
			Allowed: []string{"critical", "high", "medium", "low"}},
		{Name: "reported_at", Type: records.TypeTime, Required: true, Doc: "When the incident was reported."},
		{Name: "resolved_at", Type: records.TypeTime, Doc: "When the incident was resolved; empty (NULL) while it is open."},
	}
}

func (incidents) NewOptions() any {
	return &incidentsOptions{
		Window: model.Duration(90 * 24 * time.Hour),
		Buckets: []model.Duration{
			model.Duration(15 * time.Minute), model.Duration(30 * time.Minute), model.Duration(time.Hour),
			model.Duration(2 * time.Hour), model.Duration(4 * time.Hour), model.Duration(8 * time.Hour),
			model.Duration(24 * time.Hour), model.Duration(2 * 24 * time.Hour), model.Duration(3 * 24 * time.Hour),
			model.Duration(7 * 24 * time.Hour), model.Duration(14 * 24 * time.Hour), model.Duration(30 * 24 * time.Hour),
		},
	}
}

func (incidents) NewTargets() any {
	return &incidentsTargets{
		Resolution: map[string]model.Duration{
			"critical": model.Duration(2 * time.Hour),
			"high":     model.Duration(24 * time.Hour),
			"medium":   model.Duration(72 * time.Hour),
			"low":      model.Duration(7 * 24 * time.Hour),
		},
		WithinTarget: RatioTarget{Green: 0.95, Amber: 0.90},
	}
}

// ValidateSettings checks the resolution targets against the severity
// vocabulary, known only once the configuration is read: every severity needs
// a target, and a key that is not a severity is a mistake. The default
// severities stay in the map, unused, when a vocabulary replaces them.
func (f incidents) ValidateSettings(s *Settings) error {
	var severities []string
	for _, c := range s.ColumnsWith(f) {
		if c.Name == "severity" {
			severities = c.Allowed
		}
	}
	defaults := f.NewTargets().(*incidentsTargets).Resolution
	check := func(where string, t *incidentsTargets) error {
		for _, sev := range slices.Sorted(maps.Keys(t.Resolution)) {
			if _, isDefault := defaults[sev]; !isDefault && !slices.Contains(severities, sev) {
				return fmt.Errorf("%s.resolution: %q is not a severity (%s)", where, sev, strings.Join(severities, ", "))
			}
		}
		for _, sev := range severities {
			if _, ok := t.Resolution[sev]; !ok {
				return fmt.Errorf("%s.resolution: no target for severity %q", where, sev)
			}
		}
		return nil
	}
	if err := check("targets", s.Targets.(*incidentsTargets)); err != nil {
		return err
	}
	for _, site := range s.Sites {
		if err := check("site_targets."+site, SiteTargetsOf[incidentsTargets](s, site)); err != nil {
			return err
		}
	}
	return nil
}

// incidentsTarget is the resolution target of a severity at a site; a
// severity without a configured target has none.
func incidentsTarget(s *Settings, site, severity string) (model.Duration, bool) {
	d, ok := SiteTargetsOf[incidentsTargets](s, site).Resolution[severity]
	return d, ok
}

func incidentsBucket(i int) string { return fmt.Sprintf("resolved_le_%d", i) }

// incidentsTargetExpr is a record's resolution target. Each record's target
// comes from its own site and severity, so one query serves sites with
// different targets; when no site overrides them, the lookup is by severity
// alone, which PostgreSQL evaluates in a handful of comparisons per record
// rather than one per site and severity.
func incidentsTargetExpr(sh *records.Shape, s *Settings) records.Expr {
	severities := vocabulary(sh, "severity")
	org := map[string]float64{}
	for _, sev := range severities {
		if d, ok := s.Targets.(*incidentsTargets).Resolution[sev]; ok {
			org[sev] = seconds(d)
		}
	}
	bySite, overridden := map[string]float64{}, false
	for _, site := range s.Sites {
		for _, sev := range severities {
			d, ok := incidentsTarget(s, site, sev)
			if ok {
				bySite[records.LookupKey(site, sev)] = seconds(d)
			}
			if org[sev] != seconds(d) {
				overridden = true
			}
		}
	}
	if !overridden {
		return records.Lookup(org, sh.Col("severity"))
	}
	return records.Lookup(bySite, sh.Col("site"), sh.Col("severity"))
}

func (f incidents) Shape(s *Settings) *records.Shape {
	opts := s.Options.(*incidentsOptions)
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("incident_ref"), "incident_ref")
	rejectFuture(sh, "reported_at", "resolved_at")
	reported, resolved := sh.Col("reported_at"), sh.Col("resolved_at")
	sh.Reject("resolved_before_reported", records.Lt(resolved, reported))
	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("severity", sh.Col("severity"))
	sh.GroupBy("category", sh.Col("category"))

	target := incidentsTargetExpr(sh, s)

	open := records.IsNull(resolved)
	age := records.SecondsSince(reported)
	// NULL while open, so open incidents drop out of every measure below.
	// Derived, as a score of measures read it.
	duration := sh.Derive("resolution_time", records.SecondsBetween(reported, resolved))
	inWindow := sh.Derive("resolved_in_window", records.Le(records.SecondsSince(resolved), records.Number(seconds(opts.Window))))

	sh.CountIf("open", open)
	sh.CountIf("open_over_target", records.And(open, records.Gt(age, target)))
	sh.MaxOf("open_oldest_age", records.When(open, age))
	sh.CountIf("resolved", records.Not(open))
	sh.SumOf("resolution_sum", duration)
	for i, b := range opts.Buckets {
		sh.CountIf(incidentsBucket(i), records.Le(duration, records.Number(seconds(b))))
	}
	sh.CountIf("resolved_in_window", inWindow)
	sh.CountIf("resolved_in_window_within_target", records.And(inWindow, records.Le(duration, target)))
	// The period indicators: reports by month of report, resolutions (and
	// those within target) by month of resolution.
	countByMonth(sh, s.Calendar, "reported", s.Calendar.monthOf(sh, "reported_month", reported), nil)
	resolvedMonth := s.Calendar.monthOf(sh, "resolved_month", resolved)
	countByMonth(sh, s.Calendar, "resolved", resolvedMonth, nil)
	countByMonth(sh, s.Calendar, "resolved_within_target", resolvedMonth, records.Le(duration, target))
	return sh
}

func (incidents) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	opts := s.Options.(*incidentsOptions)
	severities := vocabulary(sh, "severity")
	categories := vocabulary(sh, "category")
	reported := totalsBy(sh, res, "site", "severity", "category")
	bySeverity := totalsBy(sh, res, "site", "severity")
	scores := map[string]kpiScore{}
	// Every site with any record gets every severity (and category), zero
	// included, so that "nothing open" is a value rather than a gap and a
	// counter starts at 0 before its first increment.
	for _, st := range rollUp(sh, res, "site") {
		site := st.Labels[0]
		for _, sev := range severities {
			for _, cat := range categories {
				out.add(incidentsReportedDesc, prometheus.CounterValue, reported.Count(site, sev, cat), site, sev, cat)
			}
			value := func(measure string) float64 { return bySeverity.Value(measure, site, sev) }
			out.gauge(incidentsOpenDesc, value("open"), site, sev)
			out.gauge(incidentsOverTargetDesc, value("open_over_target"), site, sev)
			out.gauge(incidentsOldestDesc, value("open_oldest_age"), site, sev)

			buckets := make(map[float64]uint64, len(opts.Buckets))
			for i, b := range opts.Buckets {
				buckets[seconds(b)] = uint64(value(incidentsBucket(i)))
			}
			out = append(out, prometheus.MustNewConstHistogram(incidentsDurationDesc,
				uint64(value("resolved")), value("resolution_sum"), buckets, site, sev))

			num, den := value("resolved_in_window_within_target"), value("resolved_in_window")
			out.gauge(incidentsInWindowDesc, den, site, sev)
			out.gauge(incidentsWithinDesc, num, site, sev)
			if den > 0 {
				out.gauge(incidentsRatioDesc, num/den, site, sev)
			}
			sc := scores[site]
			sc.num += num
			sc.den += den
			scores[site] = sc
		}
	}
	for _, site := range s.Sites {
		for _, sev := range severities {
			if d, ok := incidentsTarget(s, site, sev); ok {
				out.gauge(incidentsTargetDesc, seconds(d), site, sev)
			}
		}
	}
	out.gauge(incidentsWindowDesc, seconds(opts.Window))
	out.headline(incidentsKPI, s, scores, targetsGrading(s, func(t *incidentsTargets) RatioTarget { return t.WithinTarget }))
	incidentsPeriods(&out, sh, res, s)
	return out
}

// incidentsPeriods emits the period indicators: resolutions by the month
// of resolved_at, reports by the month of reported_at, and the alert levels
// of the monthly report counts.
func incidentsPeriods(out *metricsOut, sh *records.Shape, res records.Result, s *Settings) {
	bySite := totalsBy(sh, res, "site")
	out.periodKPI(incidentsKPI, s, sh, res, byMonth(func(site string, ago int) kpiScore {
		return kpiScore{num: bySite.Value(monthMeasure("resolved_within_target", ago), site), den: bySite.Value(monthMeasure("resolved", ago), site)}
	}))
	bySeverity := totalsBy(sh, res, "site", "severity")
	out.eachPeriod(incidentsPeriodReportedDesc, s, sh, res, each(vocabulary(sh, "severity")), func(site string, sev []string, p period) float64 {
		return sumMonths(p, func(ago int) float64 { return bySeverity.Value(monthMeasure("reported", ago), site, sev[0]) })
	})
	sites := periodSites(sh, res, s)
	if len(sites) == 0 {
		return
	}
	org := make([]float64, alertBaselineMonths)
	for _, site := range sites {
		counts := make([]float64, alertBaselineMonths)
		for i := range counts {
			counts[i] = bySite.Value(monthMeasure("reported", i+1), site)
			org[i] += counts[i]
		}
		out.alertLevels(incidentsAlertLevelDesc, incidentsBaselineMeanDesc, incidentsBaselineSDDesc, counts, site)
	}
	out.alertLevels(orgIncidentsAlertLevelDesc, orgIncidentsBaselineMeanDesc, orgIncidentsBaselineSDDesc, org)
}

// alertLevels emits the ICAO Doc 9859 statistical alert levels of monthly
// counts: their mean plus 1, 2 and 3 population standard deviations, and
// the mean and standard deviation themselves, which the alert rules use
// for their minimum-volume guard.
func (m *metricsOut) alertLevels(level, mean, sd *prometheus.Desc, counts []float64, labels ...string) {
	var sum, squares float64
	for _, c := range counts {
		sum += c
	}
	mu := sum / float64(len(counts))
	for _, c := range counts {
		squares += (c - mu) * (c - mu)
	}
	sigma := math.Sqrt(squares / float64(len(counts)))
	m.gauge(mean, mu, labels...)
	m.gauge(sd, sigma, labels...)
	for _, n := range []int{1, 2, 3} {
		m.gauge(level, mu+float64(n)*sigma, append(slices.Clone(labels), strconv.Itoa(n))...)
	}
}

func (incidents) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{incidentsReportedDesc, incidentsOpenDesc, incidentsOverTargetDesc,
		incidentsOldestDesc, incidentsDurationDesc, incidentsInWindowDesc, incidentsWithinDesc,
		incidentsRatioDesc, incidentsTargetDesc, incidentsWindowDesc, incidentsPeriodReportedDesc,
		incidentsAlertLevelDesc, incidentsBaselineMeanDesc, incidentsBaselineSDDesc,
		orgIncidentsAlertLevelDesc, orgIncidentsBaselineMeanDesc, orgIncidentsBaselineSDDesc} {
		ch <- d
	}
	describeKPI(ch)
	describePeriodKPI(ch)
}
