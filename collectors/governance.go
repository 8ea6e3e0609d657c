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

// Governance currency: is the SeMS itself kept up to date? The security
// policy, the risk register and the management review are reviewed at
// defined intervals, and audits, exercises and training reviews are held as
// planned (SeMS Framework ch. 1-3; PSeMS checklist 5, 29, 36, 40-41). One
// record per planned or completed activity, of a site or of the whole
// organisation.
type governance struct{}

func init() { Register(governance{}) }

// governanceKPI is the family's headline KPI; its title is the question the
// Board's tile asks.
var governanceKPI = KPI{
	Name:        "governance_on_time",
	Family:      "governance",
	Title:       "Is the SeMS itself reviewed on time?",
	Description: "Share of the reviews, audits and exercises planned for the financial year so far that were completed by their planned date.",
	Unit:        UnitRatio,
}

func (governance) KPIs() []KPI { return []KPI{governanceKPI} }

// governanceKinds are the default kinds of activity, each with its default
// longest interval between completions.
var governanceKinds = []string{"security_policy_review", "risk_register_review", "management_review",
	"internal_audit", "external_audit", "emergency_exercise", "sems_training_review"}

type governanceOptions struct {
	// MaxInterval is, per kind, the longest time allowed between two
	// completions.
	MaxInterval map[string]model.Duration `yaml:"max_interval"`
}

func (o *governanceOptions) Validate() error {
	for _, kind := range slices.Sorted(maps.Keys(o.MaxInterval)) {
		if o.MaxInterval[kind] <= 0 {
			return fmt.Errorf("max_interval of %s must be positive", kind)
		}
	}
	return nil
}

type governanceTargets struct {
	OnTime RatioTarget `yaml:"on_time_ratio"`
}

func (t *governanceTargets) Validate() error { return t.OnTime.Validate() }

// ValidateSettings checks the intervals against the kind vocabulary, as
// incidents does its resolution targets, and keeps the organisation-wide
// label free.
func (f governance) ValidateSettings(s *Settings) error {
	if err := reserveOrganisationSite(s); err != nil {
		return err
	}
	kinds := vocabularyOf(s, f, "kind")
	intervals := s.Options.(*governanceOptions).MaxInterval
	defaults := f.NewOptions().(*governanceOptions).MaxInterval
	for _, kind := range slices.Sorted(maps.Keys(intervals)) {
		if _, isDefault := defaults[kind]; !isDefault && !slices.Contains(kinds, kind) {
			return fmt.Errorf("options.max_interval: %q is not a kind (%s)", kind, strings.Join(kinds, ", "))
		}
	}
	for _, kind := range kinds {
		if _, ok := intervals[kind]; !ok {
			return fmt.Errorf("options.max_interval: no interval for kind %q", kind)
		}
	}
	return nil
}

var (
	governanceLastAgeDesc = newDesc("governance", "last_completed_age_seconds",
		"Time since an activity of the kind was last completed, per site (site=\"organisation\": organisation-wide); absent when none has been.", "site", "kind")
	governanceIntervalExceededDesc = newDesc("governance", "interval_exceeded",
		"1 when the kind's last completion is longer ago than its max_interval, or it has records but none completed; 0 otherwise.", "site", "kind")
	governanceMaxIntervalDesc = newDesc("governance", "max_interval_seconds",
		"The max_interval option: the longest time allowed between two completions of the kind.", "kind")
	governanceOverdueDesc = newDesc("governance", "overdue",
		"Activities whose planned_for has passed and that are not completed.", "site", "kind")
	governancePlannedDesc = newDesc("governance", "planned_this_year",
		"Activities planned for a date in the current financial year of the organisation's calendar, later months included.", "site", "kind")
	governanceDueDesc = newDesc("governance", "due_this_year",
		"Of those, the activities whose planned_for has passed.", "site", "kind")
	governanceOnTimeDesc = newDesc("governance", "completed_on_time_this_year",
		"Of those due, the activities completed no later than planned_for.", "site", "kind")
	governanceCompletedDesc = newDesc("governance", "completed_this_year",
		"Of those planned for the current financial year, the activities completed, whenever.", "site", "kind")
)

func (governance) Name() string { return "governance" }

func (governance) Columns() []records.Column {
	return []records.Column{
		{Name: "activity_ref", Type: records.TypeText, Required: true, Doc: "The activity's reference in the source system. Read, never exported."},
		{Name: "site", Type: records.TypeEnum, Doc: "Site code; empty (NULL) for an organisation-wide activity, labelled `site=\"organisation\"`."},
		{Name: "kind", Type: records.TypeEnum, Required: true, Doc: "What the activity is.", Allowed: governanceKinds},
		{Name: "planned_for", Type: records.TypeTime, Deadline: true, Doc: "When the activity is planned for; empty (NULL) for one held unplanned. A date alone is planned for the end of that day in the organisation's time zone."},
		{Name: "completed_at", Type: records.TypeTime, Doc: "When the activity was completed; empty (NULL) until then."},
	}
}

func (governance) NewOptions() any {
	yearly := model.Duration(365 * 24 * time.Hour)
	o := &governanceOptions{MaxInterval: map[string]model.Duration{}}
	for _, kind := range governanceKinds {
		o.MaxInterval[kind] = yearly
	}
	// An external audit every three years, as certification cycles run.
	o.MaxInterval["external_audit"] = 3 * yearly
	return o
}

func (governance) NewTargets() any {
	return &governanceTargets{OnTime: RatioTarget{Green: 0.90, Amber: 0.75}}
}

// governanceMonths bounds the months-ago a financial year can span from
// the current month: from 11 months back to 11 months ahead.
const governanceMonths = 11

func governanceMeasure(name string, ago int) string {
	return name + "_" + strconv.Itoa(ago+governanceMonths)
}

func (f governance) Shape(s *Settings) *records.Shape {
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("activity_ref"), "activity_ref")
	planned, completed := sh.Col("planned_for"), sh.Col("completed_at")
	rejectFuture(sh, "completed_at")
	sh.Reject("neither_planned_nor_completed", records.And(records.IsNull(planned), records.IsNull(completed)))
	siteOrOrganisation(sh)
	sh.GroupBy("kind", sh.Col("kind"))

	// completed - now, largest for the latest completion: minus its age.
	sh.MaxOf("last_completed", records.SecondsBetween(records.Now(), completed))
	// Planned exactly now is not yet overdue.
	due := records.Lt(planned, records.Now())
	sh.CountIf("overdue", records.And(due, records.IsNull(completed)))
	// The financial year's months are ahead of now as well as behind.
	month := sh.Derive("planned_month", records.MonthsAround(s.Calendar.Calendar, planned, governanceMonths, governanceMonths+1))
	for ago := -governanceMonths; ago <= governanceMonths; ago++ {
		in := records.Eq(month, records.Number(float64(ago)))
		sh.CountIf(governanceMeasure("planned", ago), in)
		sh.CountIf(governanceMeasure("due", ago), records.And(in, due))
		sh.CountIf(governanceMeasure("on_time", ago), records.And(in, due, records.Le(completed, planned)))
		sh.CountIf(governanceMeasure("completed", ago), records.And(in, records.Not(records.IsNull(completed))))
	}
	return sh
}

// financialYear is the months-ago of the current financial year's months:
// from its first month (ago >= 0) to its last (ago >= -11).
func financialYear(cal Calendar, now time.Time) (first, last int) {
	cur := cal.MonthNumber(now)
	q := cal.QuarterOf(cur)
	start := cal.QuarterFirstMonth(q - ((q%4)+4)%4)
	return cur - start, cur - start - 11
}

func (governance) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	opts := s.Options.(*governanceOptions)
	var out metricsOut
	first, last := financialYear(s.Calendar, res.Now)
	scores := map[string]kpiScore{}
	for _, t := range rollUp(sh, res, "site", "kind") {
		site, kind := t.Labels[0], t.Labels[1]
		limit := seconds(opts.MaxInterval[kind])
		exceeded := 1.0
		// NaN: none completed.
		if latest := t.values[sh.MeasureIndex("last_completed")]; !math.IsNaN(latest) {
			age := -latest
			out.gauge(governanceLastAgeDesc, age, site, kind)
			if age <= limit {
				exceeded = 0
			}
		}
		out.gauge(governanceIntervalExceededDesc, exceeded, site, kind)
		out.gauge(governanceOverdueDesc, t.Value("overdue"), site, kind)
		year := func(name string) float64 {
			var n float64
			for ago := last; ago <= first; ago++ {
				n += t.Value(governanceMeasure(name, ago))
			}
			return n
		}
		out.gauge(governancePlannedDesc, year("planned"), site, kind)
		out.gauge(governanceDueDesc, year("due"), site, kind)
		out.gauge(governanceOnTimeDesc, year("on_time"), site, kind)
		out.gauge(governanceCompletedDesc, year("completed"), site, kind)
		sc := scores[site]
		sc.num += year("on_time")
		sc.den += year("due")
		scores[site] = sc
	}
	for _, kind := range vocabulary(sh, "kind") {
		out.gauge(governanceMaxIntervalDesc, seconds(opts.MaxInterval[kind]), kind)
	}
	out.headlineWithOrganisation(governanceKPI, s, scores, targetsGrading(s, func(t *governanceTargets) RatioTarget { return t.OnTime }))
	return out
}

func (governance) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{governanceLastAgeDesc, governanceIntervalExceededDesc, governanceMaxIntervalDesc,
		governanceOverdueDesc, governancePlannedDesc, governanceDueDesc, governanceOnTimeDesc, governanceCompletedDesc} {
		ch <- d
	}
	describeKPI(ch)
}
