// Package figures reads the exporter's gathered metric families into what a
// person reads: the KPIs that sems_kpi_info describes, each with its value,
// RAG status and targets per site and for the organisation, and the health
// of every family's collections. The status page and the governance pack
// are both rendered from it, so they show the numbers /metrics serves.
package figures

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// Sample is one series: its labels and value.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Figures are the gathered metric families, indexed for reading.
type Figures struct {
	KPIs     []KPI
	Sites    []string
	Families []Health
	series   map[string][]Sample
}

// KPI is a headline KPI as sems_kpi_info describes it, with its figures.
type KPI struct {
	Name, Family, Title, Description string
	Unit                             string
	Direction                        collectors.Direction
	TrendOnly                        bool
	// Org is the organisation-wide figure, Sites each site's.
	Org   Cell
	Sites map[string]Cell
}

// Ratio reports whether the KPI is a 0-1 share.
func (k KPI) Ratio() bool { return k.Unit == string(collectors.UnitRatio) }

// Configured reports whether the KPI is an indicator from the
// configuration rather than a built-in family's.
func (k KPI) Configured() bool {
	_, builtIn := collectors.Lookup(k.Family)
	return !builtIn
}

// Cell is a KPI's figure at a site or for the organisation.
type Cell struct {
	// HasValue is false where there is nothing to measure.
	HasValue bool
	Value    float64
	// RAG is collectors.RAGGreen, RAGAmber or RAGRed; NoRAG when the KPI
	// is trend-only or has no value or no target.
	RAG int
	// HasTarget is false for a trend-only KPI or a total without a limit.
	HasTarget    bool
	Green, Amber float64
	// Numerator and Denominator of a ratio KPI.
	Numerator, Denominator float64
}

// NoRAG marks a cell without a status.
const NoRAG = -1

// Health is a family's (or configured indicator's) collection health.
type Health struct {
	Family, Source string
	Succeeded      bool
	// LastSuccess is zero before the first successful collection.
	LastSuccess time.Time
	Interval    time.Duration
	// SourceModified is when a CSV export was last written, as the last
	// successful collection found it; zero where the source has no such
	// time (PostgreSQL) or the exporter does not export it.
	SourceModified time.Time
	// Records is what the last successful collection read, rejected
	// records included; Rejected the rejections by reason, zeros included.
	Records  float64
	Rejected []Rejection
	Runs     float64
	Failures float64
}

// Rejection is the number of records rejected for one reason.
type Rejection struct {
	Reason string
	Count  float64
}

// RejectedTotal is the number of records rejected for any reason.
func (h Health) RejectedTotal() float64 {
	var n float64
	for _, r := range h.Rejected {
		n += r.Count
	}
	return n
}

// Stale reports whether the family's figures are older than two of its
// collection intervals at now, or it has never been collected: figures a
// reader must not take as current.
func (h Health) Stale(now time.Time) bool {
	return h.LastSuccess.IsZero() || now.Sub(h.LastSuccess) > 2*h.Interval
}

// Read indexes gathered metric families.
func Read(mfs []*dto.MetricFamily) *Figures {
	f := &Figures{series: map[string][]Sample{}}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			s := Sample{Labels: map[string]string{}, Value: value(mf.GetType(), m)}
			for _, l := range m.GetLabel() {
				s.Labels[l.GetName()] = l.GetValue()
			}
			f.series[mf.GetName()] = append(f.series[mf.GetName()], s)
		}
	}
	f.readKPIs()
	f.readHealth()
	return f
}

func value(t dto.MetricType, m *dto.Metric) float64 {
	switch t {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_UNTYPED:
		return m.GetUntyped().GetValue()
	}
	return m.GetGauge().GetValue()
}

// Series returns the samples of a metric whose labels have the given
// values (name, value pairs).
func (f *Figures) Series(metric string, match ...string) []Sample {
	var out []Sample
	for _, s := range f.series[metric] {
		if s.matches(match) {
			out = append(out, s)
		}
	}
	return out
}

func (s Sample) matches(match []string) bool {
	for i := 0; i+1 < len(match); i += 2 {
		if s.Labels[match[i]] != match[i+1] {
			return false
		}
	}
	return true
}

// Has reports whether the metric has any series.
func (f *Figures) Has(metric string) bool { return len(f.series[metric]) > 0 }

// Sum adds up the matching series; ok is false when there is none.
func (f *Figures) Sum(metric string, match ...string) (sum float64, ok bool) {
	for _, s := range f.Series(metric, match...) {
		sum += s.Value
		ok = true
	}
	return sum, ok
}

// Max is the largest of the matching series; ok is false when there is none.
func (f *Figures) Max(metric string, match ...string) (hi float64, ok bool) {
	hi = math.Inf(-1)
	for _, s := range f.Series(metric, match...) {
		hi = max(hi, s.Value)
		ok = true
	}
	return hi, ok
}

// One is the value of the single matching series.
func (f *Figures) One(metric string, match ...string) (float64, bool) {
	ss := f.Series(metric, match...)
	if len(ss) != 1 {
		return 0, false
	}
	return ss[0].Value, true
}

// Values lists the distinct values of a label over a metric's series,
// sorted.
func (f *Figures) Values(metric, label string, match ...string) []string {
	seen := map[string]bool{}
	for _, s := range f.Series(metric, match...) {
		if v, ok := s.Labels[label]; ok {
			seen[v] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func (f *Figures) readKPIs() {
	sites := map[string]bool{}
	for _, info := range f.series["sems_kpi_info"] {
		l := info.Labels
		k := KPI{Name: l["kpi"], Family: l["family"], Title: l["title"], Description: l["description"],
			Unit: l["unit"], TrendOnly: l["trend_only"] == "true", Sites: map[string]Cell{}}
		if l["direction"] == collectors.LowerIsBetter.String() {
			k.Direction = collectors.LowerIsBetter
		}
		valueMetric, target := "sems_kpi_value", "target_value"
		if k.Ratio() {
			valueMetric, target = "sems_kpi_ratio", "target_ratio"
		}
		for _, name := range []string{valueMetric, "sems_kpi_" + target, "sems_kpi_numerator"} {
			for _, site := range f.Values(name, "site", "kpi", k.Name) {
				sites[site] = true
			}
		}
		for site := range sites {
			c := f.cell("sems_kpi_", valueMetric, target, "kpi", k.Name, "site", site)
			if c.HasValue || c.HasTarget || c.Denominator > 0 {
				k.Sites[site] = c
			}
		}
		orgValue := "sems_kpi_organisation_value"
		if k.Ratio() {
			orgValue = "sems_kpi_organisation_ratio"
		}
		k.Org = f.cell("sems_kpi_organisation_", orgValue, target, "kpi", k.Name)
		if k.Ratio() {
			k.Org.Numerator, _ = f.Sum("sems_kpi_numerator", "kpi", k.Name)
			k.Org.Denominator, _ = f.Sum("sems_kpi_denominator", "kpi", k.Name)
		}
		f.KPIs = append(f.KPIs, k)
	}
	// A site shown for one KPI is a row for all of them.
	for i := range f.KPIs {
		for site := range sites {
			if _, ok := f.KPIs[i].Sites[site]; !ok {
				f.KPIs[i].Sites[site] = Cell{RAG: NoRAG}
			}
		}
	}
	f.Sites = slices.Sorted(maps.Keys(sites))
	slices.SortStableFunc(f.KPIs, func(a, b KPI) int {
		return cmp.Or(cmp.Compare(familyRank(a.Family), familyRank(b.Family)), cmp.Compare(a.Name, b.Name))
	})
}

// familyRank puts the built-in families first, in the registry's order,
// and the configured indicators after them.
func familyRank(family string) int {
	if i := slices.Index(collectors.Names(), family); i >= 0 {
		return i
	}
	return len(collectors.Names())
}

// cell reads one KPI cell: prefix+"rag_status" and prefix+target share the
// value metric's match.
func (f *Figures) cell(prefix, valueMetric, target string, match ...string) Cell {
	c := Cell{RAG: NoRAG}
	c.Value, c.HasValue = f.One(valueMetric, match...)
	if rag, ok := f.One(prefix+"rag_status", match...); ok && c.HasValue {
		c.RAG = int(rag)
	}
	green, g := f.One(prefix+target, append(slices.Clone(match), "rag", "green")...)
	amber, a := f.One(prefix+target, append(slices.Clone(match), "rag", "amber")...)
	if g && a {
		c.HasTarget, c.Green, c.Amber = true, green, amber
	}
	if prefix == "sems_kpi_" {
		c.Numerator, _ = f.One("sems_kpi_numerator", match...)
		c.Denominator, _ = f.One("sems_kpi_denominator", match...)
	}
	return c
}

func (f *Figures) readHealth() {
	for _, s := range f.series["sems_collection_success"] {
		fam, src := s.Labels["family"], s.Labels["source"]
		match := []string{"family", fam, "source", src}
		h := Health{Family: fam, Source: src, Succeeded: s.Value == 1}
		if at, _ := f.One("sems_collection_last_success_timestamp_seconds", match...); at > 0 {
			h.LastSuccess = time.Unix(0, int64(at*1e9)).UTC()
		}
		if at, ok := f.One("sems_collection_source_modified_timestamp_seconds", match...); ok && at > 0 {
			h.SourceModified = time.Unix(0, int64(at*1e9)).UTC()
		}
		interval, _ := f.One("sems_collection_interval_seconds", match...)
		h.Interval = time.Duration(interval * float64(time.Second))
		h.Records, _ = f.One("sems_collection_records", match...)
		for _, r := range f.Series("sems_collection_records_rejected", match...) {
			h.Rejected = append(h.Rejected, Rejection{Reason: r.Labels["reason"], Count: r.Value})
		}
		slices.SortFunc(h.Rejected, func(a, b Rejection) int { return cmp.Compare(a.Reason, b.Reason) })
		h.Runs, _ = f.One("sems_collections_total", match...)
		h.Failures, _ = f.One("sems_collection_failures_total", match...)
		f.Families = append(f.Families, h)
	}
	slices.SortFunc(f.Families, func(a, b Health) int {
		return cmp.Or(cmp.Compare(familyRank(a.Family), familyRank(b.Family)), cmp.Compare(a.Family, b.Family))
	})
}

// Health returns the health of the family that computes the KPI.
func (f *Figures) Health(family string) (Health, bool) {
	for _, h := range f.Families {
		if h.Family == family {
			return h, true
		}
	}
	return Health{}, false
}

// RAGWord is a status in words, for readers who cannot tell the colours
// apart and for print.
func RAGWord(rag int) string {
	switch rag {
	case collectors.RAGGreen:
		return "Green"
	case collectors.RAGAmber:
		return "Amber"
	case collectors.RAGRed:
		return "Red"
	}
	return ""
}

// RAGClass is a status's name in lower case, for the style that colours
// it: "green", "amber", "red", or "" for none.
func RAGClass(rag int) string { return strings.ToLower(RAGWord(rag)) }

// Format writes a KPI's value in its unit: a ratio as a percentage.
func (k KPI) Format(v float64) string {
	if k.Ratio() {
		return fmt.Sprintf("%.1f%%", v*100)
	}
	s := Number(v)
	if k.Unit != "" {
		s += " " + k.Unit
	}
	return s
}

// FormatChange writes a difference of two values: percentage points for a
// ratio.
func (k KPI) FormatChange(d float64) string {
	sign := "+"
	if d < 0 {
		sign = "−"
		d = -d
	}
	if k.Ratio() {
		return fmt.Sprintf("%s%.1f pts", sign, d*100)
	}
	return sign + strings.TrimPrefix(k.Format(d), "-")
}

// TargetText says what a cell's thresholds are, in the KPI's direction.
func (k KPI) TargetText(c Cell) string {
	if k.TrendOnly {
		return "trend only"
	}
	if !c.HasTarget {
		return "no target"
	}
	op := "≥"
	if k.Direction == collectors.LowerIsBetter {
		op = "≤"
	}
	return fmt.Sprintf("green %s %s, amber %s %s", op, k.Format(c.Green), op, k.Format(c.Amber))
}

// Number writes a plain count or measure: whole numbers bare, others to
// at most two decimals.
func Number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// Age writes a duration as a person reads it: the largest two units.
func Age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days := int(d / (24 * time.Hour))
	hours := int(d%(24*time.Hour)) / int(time.Hour)
	mins := int(d%time.Hour) / int(time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	case mins > 0:
		return fmt.Sprintf("%d min", mins)
	}
	return fmt.Sprintf("%d s", int(d.Seconds()))
}
