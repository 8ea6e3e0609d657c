package collectors

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// RAG status values. A higher value is worse, so max() over series gives the
// worst status and alerts compare with >= RAGRed.
const (
	RAGGreen = 0
	RAGAmber = 1
	RAGRed   = 2
)

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
func (t RatioTarget) RAG(ratio float64) int {
	switch {
	case ratio >= t.Green:
		return RAGGreen
	case ratio >= t.Amber:
		return RAGAmber
	}
	return RAGRed
}

// The headline KPI metrics shared by every family: one ratio per site and for
// the organisation, its RAG status and its target thresholds.
var (
	kpiRatioDesc = newDesc("kpi", "ratio",
		"Headline KPI of a family per site, 0-1, from the latest scheduled collection.", "kpi", "site")
	kpiRAGDesc = newDesc("kpi", "rag_status",
		"RAG status of the headline KPI per site: 0 green, 1 amber, 2 red.", "kpi", "site")
	kpiTargetDesc = newDesc("kpi", "target_ratio",
		"Lowest headline KPI ratio that still earns the RAG status in the rag label, per site.", "kpi", "site", "rag")
	orgRatioDesc = newDesc("kpi", "organisation_ratio",
		"Headline KPI of a family for the whole organisation, 0-1: the sum of the sites' numerators over the sum of their denominators.", "kpi")
	orgRAGDesc = newDesc("kpi", "organisation_rag_status",
		"RAG status of the organisation-wide headline KPI: 0 green, 1 amber, 2 red.", "kpi")
	orgTargetDesc = newDesc("kpi", "organisation_target_ratio",
		"Lowest organisation-wide headline KPI ratio that still earns the RAG status in the rag label.", "kpi", "rag")
)

func describeKPI(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{kpiRatioDesc, kpiRAGDesc, kpiTargetDesc, orgRatioDesc, orgRAGDesc, orgTargetDesc} {
		ch <- d
	}
}

// kpiScore is a headline KPI's numerator and denominator at one site, and the
// best status the site can have whatever its ratio (a family-specific rule,
// such as a critical asset out for too long, can hold it below green).
type kpiScore struct {
	num, den float64
	floor    int
}

// headline emits the KPI metrics from per-site scores. A site with nothing to
// measure (denominator 0) has no ratio and no status, but still its targets.
// The organisation's ratio sums numerators and denominators, never averages
// the sites' ratios; its floor is the worst of the sites' floors.
func (m *metricsOut) headline(kpi string, s *Settings, scores map[string]kpiScore, target func(site string) RatioTarget, org RatioTarget) {
	var all kpiScore
	for _, site := range s.Sites {
		t := target(site)
		m.gauge(kpiTargetDesc, t.Green, kpi, site, "green")
		m.gauge(kpiTargetDesc, t.Amber, kpi, site, "amber")
		sc, ok := scores[site]
		if !ok {
			continue
		}
		all.num += sc.num
		all.den += sc.den
		all.floor = max(all.floor, sc.floor)
		if sc.den > 0 {
			ratio := sc.num / sc.den
			m.gauge(kpiRatioDesc, ratio, kpi, site)
			m.gauge(kpiRAGDesc, float64(max(t.RAG(ratio), sc.floor)), kpi, site)
		}
	}
	m.gauge(orgTargetDesc, org.Green, kpi, "green")
	m.gauge(orgTargetDesc, org.Amber, kpi, "amber")
	if all.den > 0 {
		ratio := all.num / all.den
		m.gauge(orgRatioDesc, ratio, kpi)
		m.gauge(orgRAGDesc, float64(max(org.RAG(ratio), all.floor)), kpi)
	}
}
