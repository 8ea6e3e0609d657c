package main

import "fmt"

// board answers the Board and the Accountable Manager: "Is security under
// control, and is it getting better?" Organisation-wide figures only, over
// two years, in plain words, for every KPI the exporter reports.
func board() *Dashboard {
	l := &layout{}
	overview := stat("Is each area on target?", "none",
		"One tile per area of security, for the whole organisation. Green: on or above target. Amber: below target but above the minimum acceptable level. Red: below the minimum. The targets are the ones management set in the exporter's configuration; the exporter grades the figures against them. Areas tracked for their trend only have no tile. Click a tile for the Security Manager's view of where and why.",
		query{Expr: withTitle("sems_kpi_organisation_rag_status", "kpi, title"), Legend: "{{title}}"}).
		mapped(ragMapping()).link(toManager(keepSites)).size(20, 5)
	fresh := stat("Figures last updated", "s",
		"How long ago the oldest figure on this page was collected from its source system. Figures are collected every few minutes to hours, depending on the source; a value much older than that means a source has stopped delivering and the figures are out of date.",
		query{Expr: "max(family:sems_collection_age:seconds)", Legend: "Age of the oldest figure"}).
		withOptions(statOptions("none", "value")).decimals(0).size(4, 5)
	fresh.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}
	l.row(overview, fresh)

	l.row(boardKPI(ratioKPIs, "percentunit", percentagePoints, "sems_kpi_organisation_ratio", "sems_kpi_organisation_target_ratio",
		"The share now, for the whole organisation", "Above zero (green) the figure is improving; below zero (red) it is getting worse: for a share, up is better unless the area is one where lower is better (see What each figure measures).")...)
	l.row(boardKPI(totalKPIs, count, count, "sems_kpi_organisation_value", "sems_kpi_organisation_target_value",
		"The total now, for the whole organisation (the sites' sum)", "Whether a rise is good depends on the area: see What each figure measures.")...)

	measures := table("What each figure measures", "none",
		"Every area on this page, as the exporter's configuration defines it: what it measures, in what unit, which way is better, and whether it is tracked for its trend only (no target, so no colour).",
		"",
		[]string{"title", "Area", "description", "What it measures", "unit", "Unit", "direction", "Better when", "trend_only", "Trend only"},
		query{Expr: "max by (title, description, unit, direction, trend_only) (sems_kpi_info)"}).
		override("byName", "Better when", mappingsProp(textMapping("higher_is_better", "Higher", "lower_is_better", "Lower"))).
		override("byName", "Trend only", mappingsProp(textMapping("true", "Yes", "false", "No"))).
		size(24, 8)
	measures.Transformations[0].Options["excludeByName"] = map[string]any{"Time": true, "Value": true}
	l.row(measures)
	return dashboard(boardUID, "SeMS: Board and Accountable Manager",
		"Is security under control, and is it getting better? Organisation-wide status of each area against its target, and its trend over two years.",
		"now-2y", "1h", []string{"board"}, l, ratioKPIs, totalKPIs)
}

// boardKPI is the row of a KPI, repeated for each KPI of the set: now
// against target, the change on the previous quarter (in changeUnit), and
// two years.
func boardKPI(k kpiSet, unit, changeUnit, value, target, now, change string) []*Panel {
	kpi := k.ref()
	actual := stat(k.title()+": now and target", unit,
		now+". Actual is the figure now; Target is the level management set (green); Minimum is the lowest acceptable level (amber). An area tracked for its trend only has no target.",
		query{Expr: fmt.Sprintf("%s{%s}", value, kpi), Legend: "Actual"},
		query{Expr: fmt.Sprintf(`%s{%s, rag="green"}`, target, kpi), Legend: "Target"},
		query{Expr: fmt.Sprintf(`%s{%s, rag="amber"}`, target, kpi), Legend: "Minimum"}).
		withOptions(statOptions("none", "value_and_name")).decimals(1).link(toManager(keepSites)).size(6, 7).repeat(k, 0)
	actual.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}

	// Averages of the raw series rather than the 91-day recording rule:
	// a rule sample exactly 91 days ago need not exist, the raw history
	// does.
	diff := fmt.Sprintf(`avg_over_time(%[1]s{%[2]s}[91d]) - avg_over_time(%[1]s{%[2]s}[91d] offset 91d)`, value, kpi)
	if changeUnit == percentagePoints {
		// The difference of two shares is in percentage points, not a
		// share: x100 and Grafana's custom suffix unit.
		diff = "100 * (" + diff + ")"
	}
	delta := stat(k.title()+": change on the previous quarter", changeUnit,
		"The average of the last 91 days minus the average of the 91 days before. "+change,
		query{Expr: diff, Legend: "Change"}).
		withOptions(statOptions("value", "value")).decimals(1).
		// The sign of a change, not a target.
		thresholds(red, 0.0, green).size(4, 7).repeat(k, 0)

	trend := timeSeries(k.title()+": over two years", unit,
		"The figure over the last two years, for the whole organisation; the dashed lines are the target (green) and the minimum acceptable level (amber).",
		query{Expr: fmt.Sprintf("%s{%s}", value, kpi), Legend: "Actual"},
		query{Expr: fmt.Sprintf(`%s{%s, rag="green"}`, target, kpi), Legend: "Target"},
		query{Expr: fmt.Sprintf(`%s{%s, rag="amber"}`, target, kpi), Legend: "Minimum"}).
		// A point a day is plenty over years.
		interval("1d").decimals(1).link(toManager(keepSites)).
		override("byFrameRefID", "B", fixedColor(green), dashed()).
		override("byFrameRefID", "C", fixedColor(amber), dashed()).
		size(14, 7).repeat(k, 0)
	return []*Panel{actual, delta, trend}
}
