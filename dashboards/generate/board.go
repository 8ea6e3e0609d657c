package main

import "fmt"

// board answers the Board and the Accountable Manager: "Is security under
// control, and is it getting better?" Organisation-wide figures only, over
// two years, in plain words.
func board() *Dashboard {
	l := &layout{}
	overview := stat("Is each area on target?", "none",
		"One tile per area of security, for the whole organisation. Green: on or above target. Amber: below target but above the minimum acceptable level. Red: below the minimum. The targets are the ones management set in the exporter's configuration; the exporter grades the figures against them. Click a tile for the Security Manager's view of where and why.")
	for _, f := range families {
		overview.Targets = append(overview.Targets, Target{
			Datasource: datasource, EditorMode: "code", Format: "time_series", Instant: true,
			Expr:         fmt.Sprintf(`sems_kpi_organisation_rag_status{kpi=%q}`, f.kpi),
			LegendFormat: f.name,
			RefID:        string(rune('A' + len(overview.Targets))),
		})
	}
	overview.mapped(ragMapping()).link(toManager(keepSites)).size(20, 5)
	fresh := stat("Figures last updated", "s",
		"How long ago the oldest figure on this page was collected from its source system. Figures are collected every few minutes to hours, depending on the source; a value much older than that means a source has stopped delivering and the figures are out of date.",
		query{Expr: "max(family:sems_collection_age:seconds)", Legend: "Age of the oldest figure"}).
		withOptions(statOptions("none", "value")).decimals(0).size(4, 5)
	fresh.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}
	l.row(overview, fresh)

	for _, f := range families {
		now := stat(f.name+": now and target", "percentunit",
			f.description+" Actual is the figure now; Target is the level management set (green); Minimum is the lowest acceptable level (amber).",
			query{Expr: fmt.Sprintf(`sems_kpi_organisation_ratio{kpi=%q}`, f.kpi), Legend: "Actual"},
			query{Expr: fmt.Sprintf(`sems_kpi_organisation_target_ratio{kpi=%q, rag="green"}`, f.kpi), Legend: "Target"},
			query{Expr: fmt.Sprintf(`sems_kpi_organisation_target_ratio{kpi=%q, rag="amber"}`, f.kpi), Legend: "Minimum"}).
			withOptions(statOptions("none", "value_and_name")).decimals(1).link(toManager(keepSites)).size(6, 7)
		now.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}

		// Averages of the raw series rather than the 91-day recording rule:
		// a rule sample exactly 91 days ago need not exist, the raw history
		// does.
		// The difference of two shares is in percentage points, not a
		// share: x100 and Grafana's custom suffix unit.
		change := stat(f.name+": change on the previous quarter", percentagePoints,
			"The average of the last 91 days minus the average of the 91 days before, in percentage points. Above zero (green) the figure is improving; below zero (red) it is getting worse.",
			query{Expr: fmt.Sprintf(`100 * (avg_over_time(sems_kpi_organisation_ratio{kpi=%[1]q}[91d]) - avg_over_time(sems_kpi_organisation_ratio{kpi=%[1]q}[91d] offset 91d))`, f.kpi), Legend: "Change"}).
			withOptions(statOptions("value", "value")).decimals(1).
			// The sign of a change, not a target: up is better for every KPI.
			thresholds(red, 0.0, green).size(4, 7)

		trend := timeSeries(f.name+": quarterly average over two years", "percentunit",
			f.description+" The solid line is the average of the preceding 91 days at each point, so each point summarises a quarter; the dashed lines are the target (green) and the minimum acceptable level (amber).",
			query{Expr: fmt.Sprintf(`kpi:sems_kpi_organisation_ratio:avg_over_time_91d{kpi=%q}`, f.kpi), Legend: "Quarterly average"},
			query{Expr: fmt.Sprintf(`sems_kpi_organisation_target_ratio{kpi=%q, rag="green"}`, f.kpi), Legend: "Target"},
			query{Expr: fmt.Sprintf(`sems_kpi_organisation_target_ratio{kpi=%q, rag="amber"}`, f.kpi), Legend: "Minimum"}).
			// A point a day is plenty for quarterly averages over years.
			interval("1d").decimals(1).link(toManager(keepSites)).
			override("byFrameRefID", "B", fixedColor(green), dashed()).
			override("byFrameRefID", "C", fixedColor(amber), dashed()).
			size(14, 7)
		l.row(now, change, trend)
	}
	return dashboard(boardUID, "SeMS: Board and Accountable Manager",
		"Is security under control, and is it getting better? Organisation-wide status of each area against its target, and its trend over two years.",
		"now-2y", "1h", []string{"board"}, l)
}
