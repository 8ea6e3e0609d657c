package collectors

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Training completion: is SeMS training current for operational staff,
// supervisors and managers, senior managers, the Accountable Manager and third
// parties (SeMS Framework ch. 9, PSeMS checklist 26-29)? One record per
// training requirement of one person; the person is never exported.
type training struct{}

func init() { Register(training{}) }

// trainingKPI is the family's headline KPI.
var trainingKPI = KPI{
	Name:        "training_current",
	Family:      "training",
	Title:       "Security training up to date",
	Description: "Share of the required security training, over all staff and courses, that is completed and not expired.",
	Unit:        UnitRatio,
	Periods:     true,
}

func (training) KPIs() []KPI { return []KPI{trainingKPI} }

// States of a training requirement, derived from completed_at and expires_at.
const (
	trainingCurrent        = "current"
	trainingExpired        = "expired"
	trainingNeverCompleted = "never_completed"
)

var trainingStates = []string{trainingCurrent, trainingExpired, trainingNeverCompleted}

// reasonDuplicateRequirement rejects every record of a person and course that
// has more than one.
const reasonDuplicateRequirement = "duplicate_requirement"

type trainingOptions struct {
	// ExpiringWithin is how far ahead a current requirement counts as
	// expiring soon, so that refresher training can be booked in time.
	ExpiringWithin model.Duration `yaml:"expiring_within"`
}

func (o *trainingOptions) Validate() error {
	if o.ExpiringWithin <= 0 {
		return fmt.Errorf("expiring_within must be positive")
	}
	return nil
}

type trainingTargets struct {
	Current RatioTarget `yaml:"current_ratio"`
}

func (t *trainingTargets) Validate() error { return t.Current.Validate() }

var (
	trainingRequirementsDesc = newDesc("training", "requirements",
		"Training requirements by state (current, expired, never_completed), per site, role level and course.", "site", "role_level", "course", "state")
	trainingRatioDesc = newDesc("training", "current_ratio",
		"Share of training requirements that are current, 0-1, per site, role level and course.", "site", "role_level", "course")
	trainingExpiringDesc = newDesc("training", "expiring_soon",
		"Current training requirements whose expiry falls within the configured expiring_within of now.", "site", "role_level", "course")
	trainingRoleRatioDesc = newDesc("training", "role_current_ratio",
		"Share of training requirements that are current over all courses of a role level, 0-1, per site.", "site", "role_level")
	trainingHorizonDesc = newDesc("training", "expiring_within_seconds",
		"The expiring_within option: how far ahead a current requirement counts as expiring soon.")
)

func (training) Name() string { return "training" }

func (training) Columns() []records.Column {
	return []records.Column{
		{Name: "person_ref", Type: records.TypeText, Required: true, Doc: "Pseudonymous reference of the person who holds the requirement. Read to reject a requirement without a person and to find a requirement exported twice, never grouped, logged or exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code."},
		{Name: "role_level", Type: records.TypeEnum, Required: true, Doc: "The person's SeMS role level.",
			Allowed: []string{"operational", "supervisor_manager", "senior_manager", "accountable_manager", "third_party"}},
		{Name: "course", Type: records.TypeEnum, Required: true, Doc: "The required course.",
			Allowed: []string{"security_awareness", "sems_induction", "insider_threat", "incident_reporting",
				"screening_certification", "access_control", "emergency_response", "sems_leadership"}},
		{Name: "completed_at", Type: records.TypeTime, Doc: "When the course was last completed. NULL: never completed."},
		{Name: "expires_at", Type: records.TypeTime, Deadline: true, Doc: "When that completion expires. NULL: it does not expire. Ignored while `completed_at` is NULL. A date alone is valid until the end of that day in the organisation's time zone."},
	}
}

func (training) NewOptions() any {
	return &trainingOptions{ExpiringWithin: model.Duration(30 * 24 * 3600e9)}
}

func (training) NewTargets() any {
	return &trainingTargets{Current: RatioTarget{Green: 0.95, Amber: 0.90}}
}

func (f training) Shape(s *Settings) *records.Shape {
	opts := s.Options.(*trainingOptions)
	sh := records.NewShape(s.ColumnsWith(f))
	// A requirement is one course of one person: the same course held twice
	// by one person is one requirement exported twice.
	sh.Unique(reasonDuplicateRequirement, "person_ref", "course")
	completed, expires := sh.Col("completed_at"), sh.Col("expires_at")
	rejectFuture(sh, "completed_at")
	sh.Reject("expires_before_completed", records.Lt(expires, completed))
	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("role_level", sh.Col("role_level"))
	sh.GroupBy("course", sh.Col("course"))
	// Expiry exactly now is expired; a NULL expiry never expires, and without
	// a completion the expiry means nothing.
	sh.GroupBy("state", records.If(records.IsNull(completed), records.Text(trainingNeverCompleted),
		records.If(records.Le(expires, records.Now()), records.Text(trainingExpired), records.Text(trainingCurrent))))
	// Reconstructed: current at a period's end if the latest completion was
	// made before it and had not expired by then (an expiry exactly at the
	// end is expired, as it is now).
	stateAtEnds(sh, s.Calendar, trainingCurrent, s.Calendar.endsAfter(completed), s.Calendar.endsAtOrAfter(expires))
	sh.CountIf("expiring_soon", records.And(
		records.Not(records.IsNull(completed)),
		records.Gt(expires, records.Now()),
		records.Le(records.SecondsBetween(records.Now(), expires), records.Number(seconds(opts.ExpiringWithin)))))
	return sh
}

func (training) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	byState := totalsBy(sh, res, "site", "role_level", "course", "state")
	for _, t := range rollUp(sh, res, "site", "role_level", "course") {
		site, role, course := t.Labels[0], t.Labels[1], t.Labels[2]
		// Every state is exposed, zero included, so "nobody expired" is a
		// value on a dashboard rather than a gap.
		for _, st := range trainingStates {
			out.gauge(trainingRequirementsDesc, byState.Count(site, role, course, st), site, role, course, st)
		}
		out.gauge(trainingRatioDesc, byState.Count(site, role, course, trainingCurrent)/t.Count, site, role, course)
		out.gauge(trainingExpiringDesc, t.Value("expiring_soon"), site, role, course)
	}
	byRoleState := totalsBy(sh, res, "site", "role_level", "state")
	scores := map[string]kpiScore{}
	for _, t := range rollUp(sh, res, "site", "role_level") {
		site, role := t.Labels[0], t.Labels[1]
		current := byRoleState.Count(site, role, trainingCurrent)
		out.gauge(trainingRoleRatioDesc, current/t.Count, site, role)
		sc := scores[site]
		sc.num += current
		sc.den += t.Count
		scores[site] = sc
	}
	out.gauge(trainingHorizonDesc, seconds(s.Options.(*trainingOptions).ExpiringWithin))
	out.headline(trainingKPI, s, scores, targetsGrading(s, func(t *trainingTargets) RatioTarget { return t.Current }))
	bySite := totalsBy(sh, res, "site")
	out.periodKPI(trainingKPI, s, sh, res, atEnd(func(site string, ago int) kpiScore {
		return kpiScore{num: bySite.Value(stateMeasure(trainingCurrent, ago), site), den: bySite.Count(site)}
	}))
	return out
}

func (training) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{trainingRequirementsDesc, trainingRatioDesc, trainingExpiringDesc, trainingRoleRatioDesc, trainingHorizonDesc} {
		ch <- d
	}
	describeKPI(ch)
	describePeriodKPI(ch)
}
