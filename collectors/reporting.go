package collectors

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Security reporting culture: does the reporting system confirm receipt and
// give feedback, and does reporting go on through every channel (SeMS
// Framework ch. 5; "the lack of registered security incidents is not a sign
// of good performance")? One record per report. There is no reporter: the
// contract has no such column, so none is ever read.
//
// Every count the family exports for a site, a channel and a period is
// withheld below the suppression threshold, so that a confidential report
// cannot be traced to a person; the metrics themselves are suppressed, so
// whatever is built from the snapshot inherits it.
type reporting struct{}

func init() { Register(reporting{}) }

var (
	reportingAcknowledgedKPI = KPI{
		Name:        "reporting_acknowledged",
		Family:      "reporting",
		Title:       "Security reports acknowledged on time",
		Description: "Share of the security reports received in the review window (90 days by default) that were acknowledged within the target time, over those acknowledged or past it.",
		Unit:        UnitRatio,
	}
	reportingFeedbackKPI = KPI{
		Name:        "reporting_feedback",
		Family:      "reporting",
		Title:       "Feedback given on security reports on time",
		Description: "Share of the security reports received in the review window (90 days by default) that were given feedback within the target time, over those given feedback or past it.",
		Unit:        UnitRatio,
	}
)

func (reporting) KPIs() []KPI { return []KPI{reportingAcknowledgedKPI, reportingFeedbackKPI} }

// minSuppressBelow is the lowest suppression threshold: with 1 nothing would
// be withheld.
const minSuppressBelow = 2

type reportingOptions struct {
	// Window is how far back, by received_at, the on-time shares look.
	Window model.Duration `yaml:"window"`
	// AcknowledgeWithin and FeedbackWithin are the target times from receipt.
	AcknowledgeWithin model.Duration `yaml:"acknowledge_within"`
	FeedbackWithin    model.Duration `yaml:"feedback_within"`
	// SuppressBelow is k: a count below it is withheld.
	SuppressBelow int `yaml:"suppress_below"`
	// Headcount is each site's staff, for the rate per 1,000 staff.
	Headcount map[string]int `yaml:"headcount"`
}

func (o *reportingOptions) Validate() error {
	switch {
	case o.Window <= 0:
		return fmt.Errorf("window must be positive")
	case o.AcknowledgeWithin <= 0 || o.FeedbackWithin <= 0:
		return fmt.Errorf("acknowledge_within and feedback_within must be positive")
	case o.SuppressBelow < minSuppressBelow:
		return fmt.Errorf("suppress_below must be at least %d, got %d: a smaller count could be traced to the person who reported", minSuppressBelow, o.SuppressBelow)
	}
	for _, site := range slices.Sorted(maps.Keys(o.Headcount)) {
		if o.Headcount[site] <= 0 {
			return fmt.Errorf("headcount of %s must be positive, got %d", site, o.Headcount[site])
		}
	}
	return nil
}

type reportingTargets struct {
	Acknowledged RatioTarget `yaml:"acknowledged_ratio"`
	Feedback     RatioTarget `yaml:"feedback_ratio"`
	// Reports and Rate are only there to be refused with the reason.
	Reports yaml.Node `yaml:"reports"`
	Rate    yaml.Node `yaml:"reports_per_1000_staff"`
}

// errVolumeTarget says why the reporting volume has no target.
var errVolumeTarget = fmt.Errorf("reporting volume is tracked for trend only and takes no target: a target on reporting volume discourages reporting (ICAO Doc 9859), and fewer reports are no sign of better security")

func (t *reportingTargets) Validate() error {
	if !t.Reports.IsZero() || !t.Rate.IsZero() {
		return errVolumeTarget
	}
	if err := t.Acknowledged.Validate(); err != nil {
		return fmt.Errorf("acknowledged_ratio: %w", err)
	}
	if err := t.Feedback.Validate(); err != nil {
		return fmt.Errorf("feedback_ratio: %w", err)
	}
	return nil
}

// ValidateSettings checks that the headcounts are of configured sites.
func (reporting) ValidateSettings(s *Settings) error {
	for _, site := range slices.Sorted(maps.Keys(s.Options.(*reportingOptions).Headcount)) {
		if !slices.Contains(s.Sites, site) {
			return fmt.Errorf("options.headcount: %q is not a configured site (%s)", site, strings.Join(s.Sites, ", "))
		}
	}
	return nil
}

var (
	reportingReportsDesc = newPeriodDesc("reporting", "reports",
		"Reports received in the period, by received_at, per site and channel; absent when fewer than suppress_below (0 included), so that a report cannot be traced to a person.", "site", "channel")
	reportingRateDesc = newPeriodDesc("reporting", "reports_per_1000_staff",
		"Reports received in the period per 1,000 staff of the site's configured headcount, per site and channel; absent when the count is withheld or the site has no headcount.", "site", "channel")
	reportingSuppressedDesc = newDesc("reporting", "suppressed_counts",
		"Counts of a site, channel and period withheld in this collection: below suppress_below (0 included, so that the number moves only when a count reaches suppress_below), or a quarter whose difference with its months would reveal one that is. There is no organisation-wide count: its difference with the sites' would reveal theirs.")
	reportingThresholdDesc = newDesc("reporting", "suppress_below",
		"The suppress_below option: the smallest count the family exports.")
	reportingHeadcountDesc = newDesc("reporting", "headcount",
		"The site's configured headcount, the denominator of the rate per 1,000 staff.", "site")
	reportingAckWithinDesc = newDesc("reporting", "acknowledge_within_seconds",
		"The acknowledge_within option: the target time from receipt to acknowledgement.")
	reportingFeedbackWithinDesc = newDesc("reporting", "feedback_within_seconds",
		"The feedback_within option: the target time from receipt to feedback to the reporter.")
	reportingWindowDesc = newDesc("reporting", "window_seconds",
		"Rolling window, by received_at, of the acknowledged and feedback shares.")
)

func (reporting) Name() string { return "reporting" }

// reportingChannels are the default channels; confidential and anonymous
// reports are the ones suppression protects.
var reportingChannels = []string{"mandatory", "voluntary", "confidential", "anonymous"}

func (reporting) Columns() []records.Column {
	return []records.Column{
		{Name: "report_ref", Type: records.TypeText, Required: true, Doc: "The report's reference in the reporting system. Read to find a report exported twice, never exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code."},
		{Name: "channel", Type: records.TypeEnum, Required: true, Doc: "How the report was made.", Allowed: reportingChannels},
		{Name: "category", Type: records.TypeEnum, Required: true, Doc: "What the report is about. Checked, never exported: a category by site and period would be a count too small to publish.",
			Allowed: []string{"access_control", "screening", "prohibited_item", "suspicious_behaviour", "information_security", "procedure", "other"}},
		{Name: "received_at", Type: records.TypeTime, Required: true, Doc: "When the report was received."},
		{Name: "acknowledged_at", Type: records.TypeTime, Doc: "When receipt was confirmed to the reporter; empty (NULL) until then, and for an anonymous report that cannot be."},
		{Name: "feedback_given_at", Type: records.TypeTime, Doc: "When feedback on the report was given; empty (NULL) until then."},
	}
}

func (reporting) NewOptions() any {
	return &reportingOptions{
		Window:            model.Duration(90 * 24 * time.Hour),
		AcknowledgeWithin: model.Duration(48 * time.Hour),
		FeedbackWithin:    model.Duration(30 * 24 * time.Hour),
		SuppressBelow:     records.SmallCount,
		Headcount:         map[string]int{},
	}
}

func (reporting) NewTargets() any {
	return &reportingTargets{
		Acknowledged: RatioTarget{Green: 0.95, Amber: 0.85},
		Feedback:     RatioTarget{Green: 0.90, Amber: 0.75},
	}
}

func (f reporting) Shape(s *Settings) *records.Shape {
	opts := s.Options.(*reportingOptions)
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("report_ref"), "report_ref")
	received, acked, feedback := sh.Col("received_at"), sh.Col("acknowledged_at"), sh.Col("feedback_given_at")
	rejectFuture(sh, "received_at", "acknowledged_at", "feedback_given_at")
	sh.Reject("acknowledged_before_received", records.Lt(acked, received))
	sh.Reject("feedback_before_received", records.Lt(feedback, received))
	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("channel", sh.Col("channel"))

	inWindow := records.Le(records.SecondsSince(received), records.Number(seconds(opts.Window)))
	for _, st := range []struct {
		name   string
		at     records.Expr
		within model.Duration
	}{{"acknowledged", acked, opts.AcknowledgeWithin}, {"feedback", feedback, opts.FeedbackWithin}} {
		limit := records.Number(seconds(st.within))
		// A report is measured once it has been answered or its target time
		// has passed: one received an hour ago is not yet late.
		sh.CountIf(st.name+"_due", records.And(inWindow,
			records.Or(records.Not(records.IsNull(st.at)), records.Gt(records.SecondsSince(received), limit))))
		sh.CountIf(st.name+"_on_time", records.And(inWindow, records.Le(records.SecondsBetween(received, st.at), limit)))
	}
	countByMonth(sh, s.Calendar, "received", s.Calendar.monthOf(sh, "received_month", received), nil)
	return sh
}

func (reporting) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	opts := s.Options.(*reportingOptions)
	var out metricsOut
	k := float64(opts.SuppressBelow)
	bySiteChannel := totalsBy(sh, res, "site", "channel")
	suppressed := 0
	for _, site := range periodSites(sh, res, s) {
		for _, channel := range vocabulary(sh, "channel") {
			month := func(ago int) float64 { return bySiteChannel.Value(monthMeasure("received", ago), site, channel) }
			for _, p := range s.Calendar.periods(res.Now) {
				n := sumMonths(p, month)
				if !reportingPublished(n, k, p, s.Calendar, month) {
					suppressed++
					continue
				}
				labels := append([]string{site, channel}, p.labels()...)
				out.gauge(reportingReportsDesc, n, labels...)
				if staff, ok := opts.Headcount[site]; ok {
					out.gauge(reportingRateDesc, n/float64(staff)*1000, labels...)
				}
			}
		}
	}
	out.gauge(reportingSuppressedDesc, float64(suppressed))
	out.gauge(reportingThresholdDesc, k)
	for _, site := range s.Sites {
		if staff, ok := opts.Headcount[site]; ok {
			out.gauge(reportingHeadcountDesc, float64(staff), site)
		}
	}
	out.gauge(reportingAckWithinDesc, seconds(opts.AcknowledgeWithin))
	out.gauge(reportingFeedbackWithinDesc, seconds(opts.FeedbackWithin))
	out.gauge(reportingWindowDesc, seconds(opts.Window))

	bySite := totalsBy(sh, res, "site")
	for _, kpi := range []struct {
		KPI
		measure string
		target  func(*reportingTargets) RatioTarget
	}{
		{reportingAcknowledgedKPI, "acknowledged", func(t *reportingTargets) RatioTarget { return t.Acknowledged }},
		{reportingFeedbackKPI, "feedback", func(t *reportingTargets) RatioTarget { return t.Feedback }},
	} {
		// The shares are over every channel, but a site with fewer than k
		// reports measured is left out, of the organisation's too, so that
		// neither its count nor the difference it makes can be read.
		scores := map[string]kpiScore{}
		for _, site := range s.Sites {
			t, ok := bySite[labelKey(site)]
			if !ok {
				continue
			}
			if due := t.Value(kpi.measure + "_due"); due >= k {
				scores[site] = kpiScore{num: t.Value(kpi.measure + "_on_time"), den: due}
			}
		}
		out.headline(kpi.KPI, s, scores, targetsGrading(s, kpi.target))
	}
	return out
}

// reportingPublished says whether a site and channel's count n in period p
// may be exported: it is at least k, and, for a quarter, the difference with
// its months' published counts reveals no withheld count. A quarter is
// published when none of its months is withheld (or older than the month
// periods), or when those together make at least k, which tells of none of
// them. Withholding zeros too keeps "none" and "a few" alike.
func reportingPublished(n, k float64, p period, cal Calendar, month func(ago int) float64) bool {
	if n < k {
		return false
	}
	if p.granularity == granularityMonth {
		return true
	}
	var hidden float64
	withheld := false
	for _, ago := range p.months {
		if m := month(ago); ago >= cal.Months || m < k {
			hidden += m
			withheld = true
		}
	}
	return !withheld || hidden >= k
}

func (reporting) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{reportingReportsDesc, reportingRateDesc,
		reportingSuppressedDesc, reportingThresholdDesc, reportingHeadcountDesc, reportingAckWithinDesc,
		reportingFeedbackWithinDesc, reportingWindowDesc} {
		ch <- d
	}
	describeKPI(ch)
}
