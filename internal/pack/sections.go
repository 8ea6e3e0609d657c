package pack

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// periodMetric is the organisation's period series of a KPI.
func periodMetric(k figures.KPI) string {
	if k.Ratio() {
		return "sems_kpi_organisation_period_ratio"
	}
	return "sems_kpi_organisation_period_value"
}

// periodValue reads the organisation's value of a KPI over a period from
// the exporter's period metrics.
func (b *builder) periodValue(k figures.KPI, p Period) (float64, string, bool) {
	match := []string{"kpi", k.Name, "period", p.String(), "granularity", p.Granularity()}
	v, ok := b.f.One(periodMetric(k), match...)
	return v, selector(periodMetric(k), match...), ok
}

// hasPeriods reports whether the exporter computes period values at all.
func (b *builder) hasPeriods() bool {
	return b.f.Has("sems_kpi_organisation_period_ratio") || b.f.Has("sems_kpi_organisation_period_value")
}

// stale says whether a KPI's family's figures are stale at the as-at time.
func (b *builder) stale(k figures.KPI) bool {
	h, ok := b.f.Health(k.Family)
	return !ok || h.Stale(b.o.AsAt) || !h.Succeeded
}

const noPeriods = "this exporter computes no period values"

func (b *builder) summary() {
	const sec = "summary"
	p := b.o.Period
	prev := p.Add(-1)
	t := &Table{Head: []string{"KPI", "Status now", "Value now", p.String(), prev.String(), "Change", "Target in force"}}
	for _, k := range b.kpis {
		row := []Cell{head(k.Title)}
		row = append(row, b.statusCells(sec, k, "", k.Org, "sems_kpi_organisation_")...)
		cur, curSrc, curOK := b.periodValue(k, p)
		before, beforeSrc, beforeOK := b.periodValue(k, prev)
		period := b.optional(sec, k, "period_value", p.String(), cur, curSrc, curOK)
		if curOK && !k.TrendOnly && k.Org.HasTarget {
			// The period graded against the targets in force now.
			rag := k.Direction.RAG(cur, k.Org.Green, k.Org.Amber)
			b.fig(sec, k.Name, "", "period_rag_status", p.String(), float64(rag), "computed", "")
			period.Text += " " + figures.RAGWord(rag)
			period.Class = figures.RAGClass(rag)
		}
		row = append(row, period)
		row = append(row, b.optional(sec, k, "period_value", prev.String(), before, beforeSrc, beforeOK))
		switch {
		case curOK && beforeOK:
			src := "computed"
			change := cur - before
			if p.Granularity() == "quarter" && p == DefaultPeriod(b.f, b.o.AsAt) {
				if v, ok := b.f.One("sems_kpi_organisation_quarter_change", "kpi", k.Name); ok {
					change, src = v, selector("sems_kpi_organisation_quarter_change", "kpi", k.Name)
				}
			}
			row = append(row, b.fig(sec, k.Name, "", "change", p.String(), change, src, k.FormatChange(change)))
		default:
			row = append(row, text("–"))
		}
		row = append(row, b.targetCell(sec, k, "", k.Org, "sems_kpi_organisation_"))
		t.Rows = append(t.Rows, row)
	}
	b.p.Summary = t
	_, end, bounded := p.Bounds()
	if b.f.Has("sems_kpi_organisation_period_ratio") && len(b.f.Series("sems_kpi_organisation_period_ratio", "period", p.String(), "complete", "false")) > 0 ||
		bounded && end.After(b.o.AsAt) {
		b.p.Notes = append(b.p.Notes, p.String()+" had not ended when the figures were collected: its values are those so far.")
	}
	if !b.hasPeriods() {
		b.p.Unfilled = append(b.p.Unfilled, "Summary: values of "+p.String()+" and "+prev.String()+" and the change between them ("+noPeriods+")")
	}
}

// optional shows a figure that may be absent.
func (b *builder) optional(sec string, k figures.KPI, measure, period string, v float64, src string, ok bool) Cell {
	if !ok {
		return text("no data")
	}
	return b.fig(sec, k.Name, "", measure, period, v, src, k.Format(v))
}

// statusCells are a KPI's status and value at a site ("" for the
// organisation), read from the series with that prefix.
func (b *builder) statusCells(sec string, k figures.KPI, site string, c figures.Cell, prefix string) []Cell {
	match := []string{"kpi", k.Name}
	if site != "" {
		match = append(match, "site", site)
	}
	valueMetric := prefix + "value"
	if k.Ratio() {
		valueMetric = prefix + "ratio"
	}
	if !c.HasValue {
		return []Cell{{Text: "No data", Class: "none"}, text("–")}
	}
	status := Cell{Text: "Trend only", Class: "trend"}
	if !k.TrendOnly && c.RAG != figures.NoRAG {
		status = b.fig(sec, k.Name, site, "rag_status", "now", float64(c.RAG), selector(prefix+"rag_status", match...), figures.RAGWord(c.RAG))
		status.Class = figures.RAGClass(c.RAG)
	} else if !k.TrendOnly {
		status = Cell{Text: "Not graded", Class: "trend"}
	}
	if b.stale(k) {
		status.Text += " (stale)"
	}
	value := b.fig(sec, k.Name, site, "value", "now", c.Value, selector(valueMetric, match...), k.Format(c.Value))
	return []Cell{status, value}
}

// targetCell shows a KPI's thresholds at a site or for the organisation.
func (b *builder) targetCell(sec string, k figures.KPI, site string, c figures.Cell, prefix string) Cell {
	if k.TrendOnly || !c.HasTarget {
		return text(k.TargetText(c))
	}
	metric := prefix + "target_value"
	if k.Ratio() {
		metric = prefix + "target_ratio"
	}
	match := []string{"kpi", k.Name}
	if site != "" {
		match = append(match, "site", site)
	}
	b.fig(sec, k.Name, site, "target_green", "now", c.Green, selector(metric, append(match, "rag", "green")...), "")
	b.fig(sec, k.Name, site, "target_amber", "now", c.Amber, selector(metric, append(match, "rag", "amber")...), "")
	return text(k.TargetText(c))
}

func (b *builder) trends() {
	const sec = "trends"
	s := b.section(sec, "Trends: eight quarters", "The organisation's value of each KPI in the eight quarters to "+b.o.Period.QuarterOf().String()+", with its target (green line) and minimum (amber line) in force now.")
	last := b.o.Period.QuarterOf()
	var missing []string
	why := noPeriods
	if b.hasPeriods() {
		why = "the records hold no history of these KPIs"
	}
	if b.o.History == nil {
		why += ", and no Prometheus was given (--prometheus.url)"
	} else {
		why += ", nor does Prometheus"
	}
	for _, k := range b.kpis {
		var pts []point
		for i := 7; i >= 0; i-- {
			q := last.Add(-i)
			pt := point{label: q.String()}
			if v, src, ok := b.periodValue(k, q); ok {
				pt.v, pt.ok = v, true
				b.fig(sec, k.Name, "", "period_value", q.String(), v, src, "")
			} else if v, src, ok := b.history(k, q); ok {
				pt.v, pt.ok = v, true
				b.fig(sec, k.Name, "", "period_mean", q.String(), v, src, "")
			}
			pts = append(pts, pt)
		}
		if !slices.ContainsFunc(pts, func(p point) bool { return p.ok }) {
			s.Blocks = append(s.Blocks, Block{Heading: k.Title, Text: "No data: " + why})
			missing = append(missing, k.Title)
			continue
		}
		s.Blocks = append(s.Blocks, Block{Heading: k.Title, Chart: chart(k, pts, k.Org)})
	}
	if len(missing) > 0 {
		b.p.Unfilled = append(b.p.Unfilled, s.Title+": "+strings.Join(missing, ", ")+" ("+why+")")
	}
}

// history asks Prometheus for a KPI's mean over a quarter, for a KPI the
// records cannot reconstruct.
func (b *builder) history(k figures.KPI, q Period) (float64, string, bool) {
	if b.o.History == nil {
		return 0, "", false
	}
	start, end, ok := q.Bounds()
	if !ok || end.After(b.o.AsAt) && start.After(b.o.AsAt) {
		return 0, "", false
	}
	metric := "sems_kpi_organisation_value"
	if k.Ratio() {
		metric = "sems_kpi_organisation_ratio"
	}
	return b.o.History.Mean(selector(metric, "kpi", k.Name), start, minTime(end, b.o.AsAt))
}

func minTime(a, c time.Time) time.Time {
	if a.Before(c) {
		return a
	}
	return c
}

func (b *builder) ranking() {
	const sec = "ranking"
	p := b.o.Period
	s := b.section(sec, "Sites ranked, worst first", "Each KPI by site: by its value in "+p.String()+" where the exporter computes one, worst first, else by its status as at "+b.p.AsAt+", red before amber before green and the worse value first within a status. A site with nothing to measure comes last.")
	for _, k := range b.kpis {
		metric := "sems_kpi_period_value"
		if k.Ratio() {
			metric = "sems_kpi_period_ratio"
		}
		match := []string{"kpi", k.Name, "period", p.String(), "granularity", p.Granularity()}
		inPeriod := map[string]float64{}
		for _, v := range b.f.Series(metric, match...) {
			inPeriod[v.Labels["site"]] = v.Value
		}
		sites := slices.Clone(b.f.Sites)
		slices.SortStableFunc(sites, func(x, y string) int {
			if len(inPeriod) > 0 {
				vx, okx := inPeriod[x]
				vy, oky := inPeriod[y]
				return cmp.Or(-compareBool(okx, oky), worseFirst(k, vx, vy))
			}
			cx, cy := k.Sites[x], k.Sites[y]
			return cmp.Or(-compareBool(cx.HasValue, cy.HasValue), cmp.Compare(cy.RAG, cx.RAG), worseFirst(k, cx.Value, cy.Value))
		})
		t := &Table{Head: []string{"Rank", "Site", "Status now", "Value now", "Target"}}
		if len(inPeriod) > 0 {
			t.Head = slices.Insert(t.Head, 2, p.String())
		}
		for i, site := range sites {
			c := k.Sites[site]
			row := []Cell{text(fmt.Sprint(i + 1)), head(site)}
			if len(inPeriod) > 0 {
				row = append(row, b.sitePeriodCell(sec, k, site, c, inPeriod, metric, match))
			}
			row = append(row, b.statusCells(sec, k, site, c, "sems_kpi_")...)
			row = append(row, b.targetCell(sec, k, site, c, "sems_kpi_"))
			t.Rows = append(t.Rows, row)
		}
		s.Blocks = append(s.Blocks, Block{Heading: k.Title, Table: t})
	}
}

// sitePeriodCell shows a site's value in the period, graded against the
// site's targets in force.
func (b *builder) sitePeriodCell(sec string, k figures.KPI, site string, c figures.Cell, inPeriod map[string]float64, metric string, match []string) Cell {
	v, ok := inPeriod[site]
	if !ok {
		return text("no data")
	}
	cell := b.fig(sec, k.Name, site, "period_value", b.o.Period.String(), v, selector(metric, append(slices.Clone(match), "site", site)...), k.Format(v))
	if !k.TrendOnly && c.HasTarget {
		rag := k.Direction.RAG(v, c.Green, c.Amber)
		b.fig(sec, k.Name, site, "period_rag_status", b.o.Period.String(), float64(rag), "computed", "")
		cell.Text += " " + figures.RAGWord(rag)
		cell.Class = figures.RAGClass(rag)
	}
	return cell
}

// worseFirst orders two values of the KPI, the worse first.
func worseFirst(k figures.KPI, x, y float64) int {
	if k.Direction == collectors.LowerIsBetter {
		return cmp.Compare(y, x)
	}
	return cmp.Compare(x, y)
}

// compareBool orders false before true.
func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

func (b *builder) capa() {
	const sec = "capa"
	s := b.section(sec, "Corrective and preventive actions", "Open actions by age since raised, overdue actions and the oldest overdue, by site, as at "+b.p.AsAt+".")
	if !b.f.Has("sems_capa_open") {
		b.unfilled(s, "Open actions", "no CAPA records were collected")
		return
	}
	bands := []string{"0-30d", "31-60d", "61-90d", "over-90d"}
	t := &Table{Head: []string{"Site"}}
	for _, band := range bands {
		t.Head = append(t.Head, "Open "+band)
	}
	t.Head = append(t.Head, "Overdue", "Oldest overdue (age)")
	for _, site := range append(b.f.Values("sems_capa_open", "site"), "") {
		row := []Cell{head(orOrganisation(site))}
		for _, band := range bands {
			m := siteMatch(site, "age_band", band)
			v, _ := b.f.Sum("sems_capa_open", m...)
			row = append(row, b.fig(sec, "capa_open", site, "open_"+band, "now", v, "sum("+selector("sems_capa_open", m...)+")", figures.Number(v)))
		}
		m := siteMatch(site)
		overdue, _ := b.f.Sum("sems_capa_overdue", m...)
		row = append(row, b.fig(sec, "capa_overdue", site, "overdue", "now", overdue, "sum("+selector("sems_capa_overdue", m...)+")", figures.Number(overdue)))
		oldest, _ := b.f.Max("sems_capa_overdue_oldest_age_seconds", m...)
		cell := b.fig(sec, "capa_overdue", site, "oldest_overdue_age_seconds", "now", oldest, "max("+selector("sems_capa_overdue_oldest_age_seconds", m...)+")", days(oldest))
		if threshold, ok := b.f.Max("sems_capa_overdue_age_threshold_seconds", m...); ok && oldest > threshold {
			cell.Class = "red"
			cell.Text += " (beyond the " + days(threshold) + " limit)"
		}
		row = append(row, cell)
		t.Rows = append(t.Rows, row)
	}
	s.Blocks = append(s.Blocks, Block{Table: t})

	p := b.o.Period
	m := []string{"period", p.String(), "granularity", p.Granularity()}
	raised, ok1 := b.f.Sum("sems_capa_period_raised", m...)
	open, ok2 := b.f.Sum("sems_capa_period_open", m...)
	overdue, ok3 := b.f.Sum("sems_capa_period_overdue", m...)
	if !ok1 || !ok2 || !ok3 {
		b.unfilled(s, "Actions raised, open and overdue in "+p.String(), noPeriods)
		return
	}
	s.Blocks = append(s.Blocks, Block{Heading: "The organisation in " + p.String(), Table: &Table{
		Head: []string{"Raised in the period", "Open at its end", "Overdue at its end"},
		Rows: [][]Cell{{
			b.fig(sec, "capa_period", "", "raised", p.String(), raised, "sum("+selector("sems_capa_period_raised", m...)+")", figures.Number(raised)),
			b.fig(sec, "capa_period", "", "open", p.String(), open, "sum("+selector("sems_capa_period_open", m...)+")", figures.Number(open)),
			b.fig(sec, "capa_period", "", "overdue", p.String(), overdue, "sum("+selector("sems_capa_period_overdue", m...)+")", figures.Number(overdue)),
		}},
	}})
}

// siteMatch matches a site's series, or every site's for "".
func siteMatch(site string, match ...string) []string {
	if site == "" {
		return match
	}
	return append([]string{"site", site}, match...)
}

func orOrganisation(site string) string {
	if site == "" {
		return "Organisation"
	}
	return site
}

// days writes seconds as days, to one decimal place.
func days(seconds float64) string {
	if seconds == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f days", seconds/86400)
}

func (b *builder) outages() {
	const sec = "outages"
	s := b.section(sec, "Critical equipment out of service", "Critical assets unserviceable as at "+b.p.AsAt+", by site and equipment type, with the longest current outage against the site's limit.")
	if !b.f.Has("sems_equipment_critical_unserviceable_assets") {
		b.unfilled(s, "Critical outages", "no equipment records were collected")
		return
	}
	t := &Table{Head: []string{"Site", "Equipment type", "Critical assets out", "Longest outage", "Limit"}}
	for _, o := range b.f.Series("sems_equipment_critical_unserviceable_assets") {
		if o.Value == 0 {
			continue
		}
		site, typ := o.Labels["site"], o.Labels["equipment_type"]
		m := []string{"site", site, "equipment_type", typ}
		longest, _ := b.f.One("sems_equipment_critical_outage_longest_seconds", m...)
		limit, _ := b.f.One("sems_equipment_critical_outage_threshold_seconds", "site", site)
		cell := b.fig(sec, "critical_outage", site, "longest_seconds:"+typ, "now", longest, selector("sems_equipment_critical_outage_longest_seconds", m...), hours(longest))
		if longest > limit {
			cell.Class = "red"
		}
		t.Rows = append(t.Rows, []Cell{head(site), text(collectors.DisplayName(typ)),
			b.fig(sec, "critical_outage", site, "assets:"+typ, "now", o.Value, selector("sems_equipment_critical_unserviceable_assets", m...), figures.Number(o.Value)),
			cell,
			b.fig(sec, "critical_outage", site, "limit_seconds", "now", limit, selector("sems_equipment_critical_outage_threshold_seconds", "site", site), hours(limit))})
	}
	if len(t.Rows) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No critical asset is out of service."})
		return
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	s.Blocks = append(s.Blocks, Block{Text: "The equipment records hold each asset's current status only: outages during the period that have ended are not in them."})
}

func hours(seconds float64) string {
	return figures.Age(time.Duration(seconds * float64(time.Second)))
}

func (b *builder) incidents() {
	const sec = "incidents"
	months := b.o.Period.Months()
	last := b.o.Period
	if len(months) > 0 {
		last = months[len(months)-1]
	}
	s := b.section(sec, "Incident reports per month", "Incidents reported in each of the twelve months to "+last.String()+", for the organisation, against the statistical alert levels (ICAO Doc 9859: the mean of the twelve complete months before the current one plus 1, 2 and 3 standard deviations). Reporting volume has no target: more reports can mean a healthier reporting culture.")
	if last.Month == 0 {
		b.unfilled(s, "Monthly reports", "a financial-year quarter's months depend on the calendar")
		return
	}
	var pts []point
	for i := 11; i >= 0; i-- {
		m := last.Add(-i)
		match := []string{"period", m.String(), "granularity", "month"}
		pt := point{label: m.String()}
		if v, ok := b.f.Sum("sems_incidents_period_reported", match...); ok {
			pt.v, pt.ok = v, true
			b.fig(sec, "incidents_reported", "", "reports", m.String(), v, "sum("+selector("sems_incidents_period_reported", match...)+")", "")
		}
		pts = append(pts, pt)
	}
	var levels []level
	for _, l := range []string{"1", "2", "3"} {
		if v, ok := b.f.One("sems_incidents_organisation_reported_alert_level", "level", l); ok {
			levels = append(levels, level{name: "alert level " + l, v: v})
			b.fig(sec, "incidents_reported", "", "alert_level_"+l, "now", v, selector("sems_incidents_organisation_reported_alert_level", "level", l), "")
		}
	}
	if !slices.ContainsFunc(pts, func(p point) bool { return p.ok }) {
		b.unfilled(s, "Monthly reports and alert levels", noPeriods)
		return
	}
	s.Blocks = append(s.Blocks, Block{Chart: barChart(pts, levels)})
	if len(levels) == 0 {
		b.unfilled(s, "Alert levels", "the exporter computes none")
		return
	}
	var words []string
	for _, l := range levels {
		words = append(words, fmt.Sprintf("%s: %.1f", l.name, l.v))
	}
	s.Blocks = append(s.Blocks, Block{Text: "Alert levels for the current month, from the twelve complete months before it: " + strings.Join(words, "; ") + " reports a month. The alert rules apply them only above a minimum volume."})
}

func (b *builder) training() {
	const sec = "training"
	s := b.section(sec, "Training gaps by role level", "The share of required training that is current, by role level and site, and the requirements expired or never completed, as at "+b.p.AsAt+".")
	if !b.f.Has("sems_training_requirements") {
		b.unfilled(s, "Training", "no training records were collected")
		return
	}
	sites := b.f.Values("sems_training_requirements", "site")
	t := &Table{Head: []string{"Role level", "Organisation"}}
	t.Head = append(t.Head, sites...)
	t.Head = append(t.Head, "Expired", "Never completed")
	for _, role := range b.roles() {
		row := []Cell{head(collectors.DisplayName(role))}
		m := []string{"role_level", role}
		current, _ := b.f.Sum("sems_training_requirements", append(m, "state", "current")...)
		all, _ := b.f.Sum("sems_training_requirements", m...)
		if all > 0 {
			row = append(row, b.fig(sec, "training_role", "", "current_ratio:"+role, "now", current/all, "computed", fmt.Sprintf("%.1f%%", current/all*100)))
		} else {
			row = append(row, text("–"))
		}
		for _, site := range sites {
			sm := []string{"site", site, "role_level", role}
			if v, ok := b.f.One("sems_training_role_current_ratio", sm...); ok {
				row = append(row, b.fig(sec, "training_role", site, "current_ratio:"+role, "now", v, selector("sems_training_role_current_ratio", sm...), fmt.Sprintf("%.1f%%", v*100)))
			} else {
				row = append(row, text("–"))
			}
		}
		for _, state := range []string{"expired", "never_completed"} {
			sm := append(slices.Clone(m), "state", state)
			v, _ := b.f.Sum("sems_training_requirements", sm...)
			row = append(row, b.fig(sec, "training_role", "", state+":"+role, "now", v, "sum("+selector("sems_training_requirements", sm...)+")", figures.Number(v)))
		}
		t.Rows = append(t.Rows, row)
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
}

// roles are the role levels with training records, in the vocabulary's
// order (operational staff first, the Accountable Manager last).
func (b *builder) roles() []string {
	have := b.f.Values("sems_training_requirements", "role_level")
	var out []string
	for _, r := range collectors.Vocabulary("role_level") {
		if slices.Contains(have, r) {
			out = append(out, r)
		}
	}
	for _, r := range have {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func (b *builder) indicators() {
	const sec = "indicators"
	s := b.section(sec, "Configured indicators", "The organisation's own indicators, defined in the exporter's configuration, as at "+b.p.AsAt+".")
	for _, k := range b.kpis {
		if !k.Configured() {
			continue
		}
		t := &Table{Head: []string{"", "Status", "Value", "Target"}}
		row := []Cell{head("Organisation")}
		row = append(row, b.statusCells(sec, k, "", k.Org, "sems_kpi_organisation_")...)
		row = append(row, b.targetCell(sec, k, "", k.Org, "sems_kpi_organisation_"))
		t.Rows = append(t.Rows, row)
		for _, bd := range b.f.Values("sems_indicator_value", "breakdown", "kpi", k.Name) {
			m := []string{"kpi", k.Name, "breakdown", bd}
			v, _ := b.f.Sum("sems_indicator_value", m...)
			t.Rows = append(t.Rows, []Cell{head(collectors.DisplayName(bd)), text(""),
				b.fig(sec, k.Name, "", "breakdown:"+bd, "now", v, "sum("+selector("sems_indicator_value", m...)+")", k.Format(v)), text("")})
		}
		for _, bd := range b.f.Values("sems_indicator_denominator", "breakdown", "kpi", k.Name) {
			m := []string{"kpi", k.Name, "breakdown", bd}
			num, _ := b.f.Sum("sems_indicator_numerator", m...)
			den, _ := b.f.Sum("sems_indicator_denominator", m...)
			b.fig(sec, k.Name, "", "breakdown_numerator:"+bd, "now", num, "sum("+selector("sems_indicator_numerator", m...)+")", "")
			b.fig(sec, k.Name, "", "breakdown_denominator:"+bd, "now", den, "sum("+selector("sems_indicator_denominator", m...)+")", "")
			value := "–"
			if den > 0 {
				value = fmt.Sprintf("%s (%s of %s)", k.Format(num/den), figures.Number(num), figures.Number(den))
			}
			t.Rows = append(t.Rows, []Cell{head(collectors.DisplayName(bd)), text(""), text(value), text("")})
		}
		s.Blocks = append(s.Blocks, Block{Heading: k.Title, Text: k.Description, Table: t})
	}
	if len(s.Blocks) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "The configuration defines no indicators of its own."})
	}
}

func (b *builder) dataQuality() {
	const sec = "data_quality"
	s := b.section(sec, "Data quality", "Every family's last collection before this pack: when it succeeded, how old its figures were at "+b.p.AsAt+", when a CSV export was last written, and the records it read and rejected by reason. A rejected record is left out of every figure, never silently dropped. Figures older than two collection intervals are flagged stale.")
	t := &Table{Head: []string{"Family", "Source", "Collection", "Last success", "Age", "Export written", "Records read", "Rejected", "Rejected by reason"}}
	for _, h := range b.f.Families {
		m := []string{"family", h.Family, "source", h.Source}
		status := Cell{Text: "Succeeded"}
		if !h.Succeeded {
			status = Cell{Text: "Failed", Class: "red"}
		}
		if h.Stale(b.o.AsAt) {
			status.Text += ", stale"
			status.Class = "amber"
		}
		row := []Cell{head(collectors.DisplayName(h.Family)), text(h.Source), status}
		if h.LastSuccess.IsZero() {
			row = append(row, text("never"), text("–"), text("–"), text("–"), text("–"), text(""))
			t.Rows = append(t.Rows, row)
			continue
		}
		last := float64(h.LastSuccess.UnixNano()) / 1e9
		b.fig(sec, h.Family, "", "last_success_timestamp_seconds", "now", last, selector("sems_collection_last_success_timestamp_seconds", m...), "")
		modified := text("–")
		if !h.SourceModified.IsZero() {
			b.fig(sec, h.Family, "", "source_modified_timestamp_seconds", "now", float64(h.SourceModified.UnixNano())/1e9, selector("sems_collection_source_modified_timestamp_seconds", m...), "")
			modified = text(h.SourceModified.Format("2006-01-02 15:04 MST"))
		}
		row = append(row, text(h.LastSuccess.Format("2006-01-02 15:04 MST")), text(figures.Age(b.o.AsAt.Sub(h.LastSuccess))), modified,
			b.fig(sec, h.Family, "", "records", "now", h.Records, selector("sems_collection_records", m...), figures.Number(h.Records)),
			b.fig(sec, h.Family, "", "rejected", "now", h.RejectedTotal(), "sum("+selector("sems_collection_records_rejected", m...)+")", figures.Number(h.RejectedTotal())))
		reasons := ""
		for _, r := range h.Rejected {
			if r.Count == 0 {
				continue
			}
			b.fig(sec, h.Family, "", "rejected:"+r.Reason, "now", r.Count, selector("sems_collection_records_rejected", append(m, "reason", r.Reason)...), "")
			if reasons != "" {
				reasons += "; "
			}
			reasons += collectors.DisplayName(r.Reason) + ": " + figures.Number(r.Count)
		}
		row = append(row, text(reasons))
		t.Rows = append(t.Rows, row)
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
}

func (b *builder) targets() {
	const sec = "targets"
	s := b.section(sec, "Targets in force", "The thresholds each KPI is graded against as at "+b.p.AsAt+", for the organisation and where a site's differ.")
	t := &Table{Head: []string{"KPI", "Organisation", "Sites with their own"}}
	for _, k := range b.kpis {
		row := []Cell{head(k.Title), b.targetCell(sec, k, "", k.Org, "sems_kpi_organisation_")}
		own := ""
		for _, site := range b.f.Sites {
			c := k.Sites[site]
			if !c.HasTarget || c.Green == k.Org.Green && c.Amber == k.Org.Amber {
				continue
			}
			b.targetCell(sec, k, site, c, "sems_kpi_")
			if own != "" {
				own += "; "
			}
			own += site + ": " + k.TargetText(c)
		}
		row = append(row, text(own))
		t.Rows = append(t.Rows, row)
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	if b.o.History == nil {
		b.unfilled(s, "Targets changed in "+b.o.Period.String(), "the exporter holds the targets in force only; their history is in Prometheus (--prometheus.url)")
		return
	}
	start, end, ok := b.o.Period.Bounds()
	if !ok {
		b.unfilled(s, "Targets changed in "+b.o.Period.String(), "a financial-year quarter's bounds depend on the calendar")
		return
	}
	changed, err := b.o.History.Changed([]string{"sems_kpi_organisation_target_ratio", "sems_kpi_organisation_target_value", "sems_kpi_target_ratio", "sems_kpi_target_value"}, start, minTime(end, b.o.AsAt))
	if err != nil {
		b.unfilled(s, "Targets changed in "+b.o.Period.String(), "Prometheus did not answer: "+err.Error())
		return
	}
	if len(changed) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No target changed in " + b.o.Period.String() + "."})
		return
	}
	ct := &Table{Head: []string{"KPI", "Site", "Threshold", "Changes"}}
	for _, c := range changed {
		ct.Rows = append(ct.Rows, []Cell{head(b.title(c.Labels["kpi"])), text(orOrganisation(c.Labels["site"])), text(collectors.DisplayName(c.Labels["rag"])), text(figures.Number(c.Value))})
	}
	s.Blocks = append(s.Blocks, Block{Heading: "Targets changed in " + b.o.Period.String(), Table: ct})
}

func (b *builder) title(kpi string) string {
	for _, k := range b.kpis {
		if k.Name == kpi {
			return k.Title
		}
	}
	return kpi
}

func (b *builder) method() {
	s := b.section("method", "Method", "How each KPI is computed. Every figure comes from the exporter's own collection of the source records; the CSV beside this pack lists each one with the metric it was read from, and the manifest gives the hash of every file and of the configuration.")
	for _, k := range b.kpis {
		note := k.Description + " "
		if k.Ratio() {
			note += "A share: a site's figure is its numerator over its denominator, and the organisation's the sum of the sites' numerators over the sum of their denominators, never an average of the sites' shares. "
		} else {
			note += fmt.Sprintf("A total in %s: the organisation's is the sum of the sites'. ", k.Unit)
		}
		switch {
		case k.TrendOnly:
			note += "Tracked for trend only: it has no target and no status."
		case k.Direction == collectors.LowerIsBetter:
			note += "Lower is better: green at or below the green threshold, amber at or below the amber one, red above."
		default:
			note += "Higher is better: green at or above the green threshold, amber at or above the amber one, red below."
		}
		if k.Family == "equipment" {
			note += " A critical asset out of service for longer than the site's limit holds the site at amber or worse."
		}
		s.Blocks = append(s.Blocks, Block{Heading: k.Title, Text: note})
	}
}
