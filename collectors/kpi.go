package collectors

import (
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// RAG status values. A higher value is worse, so max() over series gives the
// worst status and alerts compare with >= RAGRed.
const (
	RAGGreen = 0
	RAGAmber = 1
	RAGRed   = 2
)

// Direction says which way a KPI improves.
type Direction uint8

const (
	HigherIsBetter Direction = iota
	LowerIsBetter
)

func (d Direction) String() string {
	return [...]string{"higher_is_better", "lower_is_better"}[d]
}

// RAG grades a value against a green and an amber threshold: green at or
// beyond green, amber at or beyond amber, red otherwise, "beyond" meaning
// above when higher is better and below when lower is.
func (d Direction) RAG(v, green, amber float64) int {
	if d == LowerIsBetter {
		v, green, amber = -v, -green, -amber
	}
	switch {
	case v >= green:
		return RAGGreen
	case v >= amber:
		return RAGAmber
	}
	return RAGRed
}

// Unit is what a KPI's value measures.
type Unit string

// UnitRatio is a share, 0-1, of a numerator over a denominator: its metrics
// are sems_kpi_ratio and the numerator and denominator that roll up. Any
// other unit is a total (a count, minutes...), exported as sems_kpi_value.
const UnitRatio Unit = "ratio"

// KPI is what rules, dashboards and reports need to know of a headline KPI.
// It is exported as sems_kpi_info, so that nothing downstream keeps its own
// list of KPIs.
type KPI struct {
	// Name is the kpi label value.
	Name string
	// Family is the family label of the collection that computes it.
	Family string
	// Title and Description are what people read.
	Title, Description string
	Unit               Unit
	Direction          Direction
	// TrendOnly KPIs have no target and no RAG: the Framework warns that a
	// fixed target invites doing the minimum, and ICAO that a target on
	// reporting volumes discourages reporting.
	TrendOnly bool
	// Periods is whether the records give the KPI's values by calendar
	// period (sems_kpi_period_*): they need a time. A KPI without (the
	// equipment's current status) has its trend on Prometheus history only.
	Periods bool
}

// RatioTarget is the pair of thresholds of a ratio KPI where higher is better:
// at or above Green the KPI is green, at or above Amber it is amber, and red
// below. Board members set these; they are exported so that rules and
// dashboards never repeat the numbers.
type RatioTarget struct {
	Green float64 `yaml:"green"`
	Amber float64 `yaml:"amber"`
}

// Validate checks 0 <= amber <= green <= 1.
func (t RatioTarget) Validate() error {
	if t.Amber < 0 || t.Green > 1 || t.Amber > t.Green {
		return fmt.Errorf("ratio target needs 0 <= amber <= green <= 1, got green %g, amber %g", t.Green, t.Amber)
	}
	return nil
}

// RAG grades a ratio against the target.
func (t RatioTarget) RAG(ratio float64) int { return HigherIsBetter.RAG(ratio, t.Green, t.Amber) }

// The headline KPI metrics shared by every family and configured indicator:
// per site and for the organisation, the value, its RAG status and its
// target thresholds; a ratio's numerator and denominator too, so that any
// roll-up sums them rather than averaging ratios.
var (
	kpiInfoDesc = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "kpi", "info"),
		"What each headline KPI is: the family that computes it, its title and description, its unit (ratio: a 0-1 share in sems_kpi_ratio; any other: a total in sems_kpi_value), which way it improves, whether it is tracked for trend only (no target, no RAG), and whether the records give it by calendar period (sems_kpi_period_*). Always 1. From the configuration: served from start-up, whatever the state of the family's collections.",
		[]string{"kpi", "family", "title", "description", "unit", "direction", "trend_only", "periods"}, nil)
	kpiRatioDesc = newDesc("kpi", "ratio",
		"Headline KPI of a family per site, 0-1, from the latest scheduled collection.", "kpi", "site")
	kpiNumeratorDesc = newDesc("kpi", "numerator",
		"Numerator of a ratio KPI per site: sems_kpi_ratio is this over sems_kpi_denominator. Sum both to roll sites (or organisations) up.", "kpi", "site")
	kpiDenominatorDesc = newDesc("kpi", "denominator",
		"Denominator of a ratio KPI per site; 0 when the site has nothing to measure, and then it has no ratio.", "kpi", "site")
	kpiValueDesc = newDesc("kpi", "value",
		"Headline value of a KPI that is a total rather than a ratio (a count, minutes...), per site, in the unit sems_kpi_info gives.", "kpi", "site")
	kpiRAGDesc = newDesc("kpi", "rag_status",
		"RAG status of the headline KPI per site: 0 green, 1 amber, 2 red.", "kpi", "site")
	kpiTargetDesc = newDesc("kpi", "target_ratio",
		"Lowest headline KPI ratio that still earns the RAG status in the rag label, per site.", "kpi", "site", "rag")
	kpiTargetValueDesc = newDesc("kpi", "target_value",
		"Threshold of a total KPI that still earns the RAG status in the rag label, per site: the highest value allowed when lower is better, the lowest when higher is.", "kpi", "site", "rag")
	orgRatioDesc = newDesc("kpi", "organisation_ratio",
		"Headline KPI of a family for the whole organisation, 0-1: the sum of the sites' numerators over the sum of their denominators.", "kpi")
	orgValueDesc = newDesc("kpi", "organisation_value",
		"Headline value of a total KPI for the whole organisation: the sum of the sites' values.", "kpi")
	orgRAGDesc = newDesc("kpi", "organisation_rag_status",
		"RAG status of the organisation-wide headline KPI: 0 green, 1 amber, 2 red.", "kpi")
	orgTargetDesc = newDesc("kpi", "organisation_target_ratio",
		"Lowest organisation-wide headline KPI ratio that still earns the RAG status in the rag label.", "kpi", "rag")
	orgTargetValueDesc = newDesc("kpi", "organisation_target_value",
		"Threshold of the organisation-wide total KPI that still earns the RAG status in the rag label.", "kpi", "rag")
)

func describeKPI(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{kpiRatioDesc, kpiNumeratorDesc, kpiDenominatorDesc, kpiValueDesc,
		kpiRAGDesc, kpiTargetDesc, kpiTargetValueDesc, orgRatioDesc, orgValueDesc, orgRAGDesc, orgTargetDesc, orgTargetValueDesc} {
		ch <- d
	}
}

// KPIInfo returns the family's sems_kpi_info series. They come from the
// definition and configuration alone, so they are served from the start,
// before the family's first collection and whatever its outcome.
func KPIInfo(f Family) []prometheus.Metric {
	var out metricsOut
	for _, k := range f.KPIs() {
		out.gauge(kpiInfoDesc, 1, k.Name, k.Family, k.Title, k.Description, string(k.Unit), k.Direction.String(),
			strconv.FormatBool(k.TrendOnly), strconv.FormatBool(k.Periods))
	}
	return out
}

// kpiScore is a headline KPI's numerator and denominator at one site (a
// total KPI's value is its numerator, over no denominator), and the best
// status the site can have whatever its value (a family-specific rule, such
// as a critical asset out for too long, can hold it below green).
type kpiScore struct {
	num, den float64
	floor    int
}

// Thresholds are a KPI's green and amber levels, read in its direction.
type Thresholds struct {
	Green, Amber float64
}

// grading is where a KPI's thresholds come from: a site's, and the
// organisation's. ok is false where there is none: a trend-only KPI, or a
// total with no organisation-wide limit.
type grading struct {
	site func(site string) (Thresholds, bool)
	org  func() (Thresholds, bool)
}

// targetsGrading grades a built-in family's ratio KPI by the RatioTarget
// that target picks from the family's targets: each site against its own
// (the organisation's with the site's overrides), the organisation against
// the organisation's.
func targetsGrading[T any](s *Settings, target func(*T) RatioTarget) grading {
	return grading{
		site: func(site string) (Thresholds, bool) { return Thresholds(target(SiteTargetsOf[T](s, site))), true },
		org:  func() (Thresholds, bool) { return Thresholds(target(s.Targets.(*T))), true },
	}
}

// headline emits the KPI's metrics from per-site scores.
//
// A ratio KPI's site with nothing to measure (denominator 0) has no ratio
// and no status, but still its numerator, denominator and targets. Its
// organisation ratio sums numerators and denominators, never averages the
// sites' ratios. A total KPI's value is exported for every configured site
// with a score, 0 included, and the organisation's is their sum. The
// organisation's floor is the worst of the sites' floors.
func (m *metricsOut) headline(k KPI, s *Settings, scores map[string]kpiScore, g grading) {
	ratio := k.Unit == UnitRatio
	siteTarget, orgTarget := kpiTargetValueDesc, orgTargetValueDesc
	if ratio {
		siteTarget, orgTarget = kpiTargetDesc, orgTargetDesc
	}
	grade := func(v float64, t Thresholds, floor int) float64 {
		return float64(max(k.Direction.RAG(v, t.Green, t.Amber), floor))
	}
	var all kpiScore
	scored := false
	for _, site := range s.Sites {
		t, graded := Thresholds{}, false
		if !k.TrendOnly {
			t, graded = g.site(site)
		}
		if graded {
			m.gauge(siteTarget, t.Green, k.Name, site, "green")
			m.gauge(siteTarget, t.Amber, k.Name, site, "amber")
		}
		sc, ok := scores[site]
		if !ok {
			continue
		}
		scored = true
		all.num += sc.num
		all.den += sc.den
		all.floor = max(all.floor, sc.floor)
		v := sc.num
		if ratio {
			m.gauge(kpiNumeratorDesc, sc.num, k.Name, site)
			m.gauge(kpiDenominatorDesc, sc.den, k.Name, site)
			if sc.den == 0 {
				continue
			}
			v = sc.num / sc.den
			m.gauge(kpiRatioDesc, v, k.Name, site)
		} else {
			m.gauge(kpiValueDesc, v, k.Name, site)
		}
		if graded {
			m.gauge(kpiRAGDesc, grade(v, t, sc.floor), k.Name, site)
		}
	}
	t, graded := Thresholds{}, false
	if !k.TrendOnly {
		t, graded = g.org()
	}
	if graded {
		m.gauge(orgTarget, t.Green, k.Name, "green")
		m.gauge(orgTarget, t.Amber, k.Name, "amber")
	}
	v := all.num
	if ratio {
		if all.den == 0 {
			return
		}
		v = all.num / all.den
		m.gauge(orgRatioDesc, v, k.Name)
	} else {
		if !scored {
			return
		}
		m.gauge(orgValueDesc, v, k.Name)
	}
	if graded {
		m.gauge(orgRAGDesc, grade(v, t, all.floor), k.Name)
	}
}
