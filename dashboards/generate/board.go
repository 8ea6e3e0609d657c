package main

import "fmt"

// board answers the Board and the Accountable Manager: "Is security under
// control, and is it getting better?" Organisation-wide figures only, in
// plain words, for every KPI the exporter reports. Trends are by calendar
// quarter, from the records (the period indicators), so they are there from
// the first day; only what the records cannot give (equipment status
// history) waits for Prometheus history.
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

	shares := kpiFigures{unit: "percentunit", changeUnit: percentagePoints, now: "sems_kpi_organisation_ratio",
		target: "sems_kpi_organisation_target_ratio", period: "sems_kpi_organisation_period_ratio"}
	totals := kpiFigures{unit: count, changeUnit: count, now: "sems_kpi_organisation_value",
		target: "sems_kpi_organisation_target_value", period: "sems_kpi_organisation_period_value"}
	l.row(shares.row(periodShareKPIs)...)
	l.row(shares.liveRow(liveShareKPIs)...)
	l.row(totals.row(totalKPIs)...)
	l.row(incidentReports())

	measures := table("What each figure measures", "none",
		"Every area on this page, as the exporter's configuration defines it: what it measures, in what unit, which way is better, whether it is tracked for its trend only (no target, so no colour), and whether its quarters come from the records.",
		"",
		[]string{"title", "Area", "description", "What it measures", "unit", "Unit", "direction", "Better when", "trend_only", "Trend only", "periods", "Quarters from the records"},
		query{Expr: "max by (title, description, unit, direction, trend_only, periods) (sems_kpi_info)"}).
		override("byName", "Better when", mappingsProp(textMapping("higher_is_better", "Higher", "lower_is_better", "Lower"))).
		override("byName", "Trend only", mappingsProp(textMapping("true", "Yes", "false", "No"))).
		override("byName", "Quarters from the records", mappingsProp(textMapping("true", "Yes", "false", "No: Prometheus history"))).
		size(24, 8)
	measures.Transformations[0].Options["excludeByName"] = map[string]any{"Time": true, "Value": true}
	l.row(measures)
	return dashboard(boardUID, "SeMS: Board and Accountable Manager",
		"Is security under control, and is it getting better? Organisation-wide status of each area against its target, quarter by quarter from the records, and the incident reporting rate against its statistical alert levels.",
		"now-2y", "1h", []string{"board"}, l, periodShareKPIs, liveShareKPIs, totalKPIs)
}

// kpiFigures are the organisation-wide metrics of one kind of KPI, shares
// or totals, and their units.
type kpiFigures struct {
	unit, changeUnit    string
	now, target, period string
}

// sel picks the KPI's series of a metric.
func (f kpiFigures) sel(k kpiSet, metric string, matchers ...string) string {
	return metric + "{" + joinMatchers(append([]string{k.ref()}, matchers...)) + "}"
}

// scaled writes a change in its unit: a difference of two shares in
// percentage points.
func (f kpiFigures) scaled(expr string) string {
	if f.changeUnit == percentagePoints {
		return "100 * (" + expr + ")"
	}
	return expr
}

// nowAndTarget is the figure now with its target and minimum.
func (f kpiFigures) nowAndTarget(k kpiSet) *Panel {
	p := stat(k.title()+": now and target", f.unit,
		"The figure now, for the whole organisation. Actual is the figure now; Target is the level management set (green); Minimum is the lowest acceptable level (amber). An area tracked for its trend only has no target.",
		query{Expr: f.sel(k, f.now), Legend: "Actual"},
		query{Expr: f.sel(k, f.target, `rag="green"`), Legend: "Target"},
		query{Expr: f.sel(k, f.target, `rag="amber"`), Legend: "Minimum"}).
		withOptions(statOptions("none", "value_and_name")).decimals(1).link(toManager(keepSites)).size(5, 8).repeat(k, 0)
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}
	return p
}

// change is a change in its unit, green when it rose: the sign of a change,
// not a target.
func (f kpiFigures) change(k kpiSet, description, expr string) *Panel {
	return stat(k.title()+": change on the previous quarter", f.changeUnit, description,
		query{Expr: f.scaled(expr), Legend: "Change"}).
		withOptions(statOptions("value", "value")).decimals(1).
		thresholds(red, 0.0, green).size(4, 8).repeat(k, 0)
}

// twoYears is the figure over the dashboard's two years of Prometheus
// history.
func (f kpiFigures) twoYears(k kpiSet, w int) *Panel {
	return timeSeries(k.title()+": as Prometheus recorded it", f.unit,
		"The figure as Prometheus has recorded it over the last two years (only since Prometheus started scraping the exporter); the dashed lines are the target (green) and the minimum acceptable level (amber).",
		query{Expr: f.sel(k, f.now), Legend: "Actual"},
		query{Expr: f.sel(k, f.target, `rag="green"`), Legend: "Target"},
		query{Expr: f.sel(k, f.target, `rag="amber"`), Legend: "Minimum"}).
		// A point a day is plenty over years.
		interval("1d").decimals(1).link(toManager(keepSites)).
		override("byFrameRefID", "B", fixedColor(green), dashed()).
		override("byFrameRefID", "C", fixedColor(amber), dashed()).
		size(w, 8).repeat(k, 0)
}

// row is the row of a KPI whose records give it by calendar quarter: now,
// the change between the last two complete quarters, every quarter the
// exporter keeps, and Prometheus's record.
func (f kpiFigures) row(k kpiSet) []*Panel {
	quarter := []string{`granularity="quarter"`}
	// A target in every quarter's row, so that the bars line up with it.
	level := func(rag string) string {
		return fmt.Sprintf(`0 * %s + on (kpi) group_left () max by (kpi) (%s)`,
			f.sel(k, f.period, quarter...), f.sel(k, f.target, `rag="`+rag+`"`))
	}
	quarters := barChart(k.title()+": quarter by quarter", f.unit,
		"The figure for each calendar quarter of the organisation's year (the last one so far), computed by the exporter from the records, so it is there from the first day; a quarter with nothing to measure has no bar. The outlines are the target (green) and the minimum acceptable level (amber) in force now.",
		[]string{"period", "Quarter", "Value #A", "Actual", "Value #B", "This quarter so far", "Value #C", "Target", "Value #D", "Minimum"},
		query{Expr: f.sel(k, f.period, append(quarter, `complete="true"`)...)},
		query{Expr: f.sel(k, f.period, append(quarter, `complete="false"`)...)},
		query{Expr: level("green")},
		query{Expr: level("amber")}).
		decimals(1).
		override("byName", "This quarter so far", fixedColor(neutral)).
		override("byName", "Target", outlined(green)...).
		override("byName", "Minimum", outlined(amber)...).
		size(9, 8).repeat(k, 0)
	return []*Panel{
		f.nowAndTarget(k),
		f.change(k, "The last complete calendar quarter minus the one before, from the records: in percentage points for a share. Above zero (green) the figure rose; whether that is better depends on the area (see What each figure measures).",
			f.sel(k, "sems_kpi_organisation_quarter_change")),
		quarters,
		f.twoYears(k, 6),
	}
}

// liveRow is the row of a KPI the records hold only as it is now (the
// equipment's status): its trend is Prometheus's record alone.
func (f kpiFigures) liveRow(k kpiSet) []*Panel {
	return []*Panel{
		f.nowAndTarget(k),
		// Averages of the raw series rather than a recording rule: a rule
		// sample exactly 91 days ago need not exist, the raw history does.
		f.change(k, "The average of the last 91 days minus the average of the 91 days before, as Prometheus recorded them: the records hold this figure only as it is now. Above zero (green) the figure rose.",
			fmt.Sprintf(`avg_over_time(%[1]s[91d]) - avg_over_time(%[1]s[91d] offset 91d)`, f.sel(k, f.now))),
		f.twoYears(k, 15),
	}
}

// incidentReports is the monthly number of incidents reported across the
// organisation, from the records, against the ICAO Doc 9859 alert levels
// of the current month, which the exporter computes from the 12 complete
// months before it.
func incidentReports() *Panel {
	const months = `sum by (period, complete) (sems_incidents_period_reported{granularity="month"})`
	level := func(n int) string {
		return fmt.Sprintf(`0 * %s + scalar(max(sems_incidents_organisation_reported_alert_level{level="%d"}))`, months, n)
	}
	return barChart("Incident reports per month, against this month's alert levels", count,
		"Incidents reported in each calendar month across the organisation, from the records. Reporting is a sign of a healthy security culture: it has no target. The outlines are this month's statistical alert levels (ICAO Doc 9859): the mean of the 12 complete months before it plus one, two and three standard deviations; a month above them deserves a look, as does a sudden drop.",
		[]string{"period", "Month", "Value #A", "Reported", "Value #B", "Alert level 1", "Value #C", "Alert level 2", "Value #D", "Alert level 3"},
		query{Expr: months}, query{Expr: level(1)}, query{Expr: level(2)}, query{Expr: level(3)}).
		decimals(0).
		override("byName", "Alert level 1", outlined(amber)...).
		override("byName", "Alert level 2", outlined(red)...).
		override("byName", "Alert level 3", outlined("purple")...).
		size(24, 8)
}
