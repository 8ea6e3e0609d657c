package main

import "github.com/sems-exporter/sems_exporter/collectors"

// manager answers the Security Manager: "Where and why are we off
// target?" Every family by site and by its causes, CAPA ageing, training
// gaps by role level, and the health of every source.
func manager() *Dashboard {
	l := &layout{}
	headline := table("Headline KPIs by site", "percentunit",
		"Each area's headline figure at each selected site, graded by the exporter against that site's targets (a site can have its own). Areas tracked for their trend only have no status or target. Click a site for its operations dashboard.",
		"",
		[]string{"title", "Area", "site", "Site", "Value #A", "Status", "Value #B", "Actual", "Value #C", "Target", "Value #D", "Minimum"},
		siteKPIQueries(ratioKPIs, "sems_kpi_ratio", "sems_kpi_target_ratio")...,
	).decimals(1).
		override("byName", "Status", unitProp("none"), mappingsProp(ragMapping()), cellBackground(), thresholdColour()).
		override("byName", "Site", linksProp(toOperations(cellSite))).
		size(14, 11)
	// Figures that stand on partial data are marked: a share of records
	// rejected against the family's limit (red from 100 %), and configured
	// sites with no accepted record (red from 1), a renamed site say.
	rejectedShare := "sum by (family, source) (sems_collection_records_rejected) / max by (family, source) (sems_collection_records)"
	sources := table("Freshness and health of every source", "s",
		"For each KPI family and configured indicator, and the source it reads: how long ago its last successful collection finished, how often it is collected, whether the last collection succeeded, how many records it read and rejected, the share rejected against the family's limit (red from 100 %: its figures stand on partial data), and how many configured sites had no accepted record (a renamed or missing site). An age well beyond the usual interval means the figures are stale. Not filtered by site.",
		"",
		[]string{"family", "Family", "source", "Source", "Value #A", "Last success, ago", "Value #B", "Usual interval", "Value #C", "Last collection", "Value #D", "Records read", "Value #E", "Records rejected", "Value #F", "Rejected against limit", "Value #G", "Sites without records"},
		query{Expr: "max by (family, source) (family:sems_collection_age:seconds)"},
		query{Expr: "max by (family, source) (sems_collection_interval_seconds)"},
		query{Expr: "min by (family, source) (sems_collection_success)"},
		query{Expr: "max by (family, source) (sems_collection_records)"},
		query{Expr: "sum by (family, source) (sems_collection_records_rejected)"},
		query{Expr: rejectedShare + " / max by (family, source) (sems_collection_records_rejected_ratio_limit)"},
		query{Expr: "count by (family, source) (sems_collection_site_records == 0) or 0 * max by (family, source) (sems_collection_records)"},
	).decimals(0).
		override("byName", "Last collection", unitProp("none"), mappingsProp(successMapping()), cellBackground(), thresholdColour()).
		override("byName", "Records read", counted()...).
		override("byName", "Records rejected", counted()...).
		// 1 is the family's own limit itself: the query divides by it.
		override("byName", "Rejected against limit", unitProp("percentunit"), thresholdsProp(green, 1, red), thresholdColour(), cellBackground()).
		override("byName", "Sites without records", append(counted(), thresholdsProp(green, 1, red), thresholdColour(), cellBackground())...).
		plainCells("family").
		size(10, 11)
	l.row(headline, sources)

	totals := table("Totals by site", count,
		"Each area measured as a total (a count, minutes...) at each selected site, graded by the exporter against that site's limits; whether a higher total is better depends on the area. Areas tracked for their trend only have no status or limit. Click a site for its operations dashboard.",
		"",
		[]string{"title", "Area", "site", "Site", "Value #A", "Status", "Value #B", "Actual", "Value #C", "Target", "Value #D", "Minimum"},
		siteKPIQueries(totalKPIs, "sems_kpi_value", "sems_kpi_target_value")...,
	).decimals(1).
		override("byName", "Status", unitProp("none"), mappingsProp(ragMapping()), cellBackground(), thresholdColour()).
		override("byName", "Site", linksProp(toOperations(cellSite))).
		size(24, 8)
	l.row(totals)

	l.row(siteTrend(ratioKPIs, "percentunit", "sems_kpi_ratio", "sems_kpi_target_ratio"))
	l.row(siteTrend(totalKPIs, count, "sems_kpi_value", "sems_kpi_target_value"))
	for _, name := range collectors.Names() {
		panels, ok := familyPanels[name]
		if !ok {
			panic("dashboards: the " + name + " family has no entry in familyPanels")
		}
		l.row(panels()...)
	}
	l.row(breakdown(ratioBreakdowns, "percentunit", func(k kpiSet) string {
		return "sum by (breakdown) (" + sel("sems_indicator_numerator", k.ref()) + ") / sum by (breakdown) (" + sel("sems_indicator_denominator", k.ref()) + ")"
	}), breakdown(totalBreakdowns, count, func(k kpiSet) string {
		return "sum by (breakdown) (" + sel("sems_indicator_value", k.ref()) + ")"
	}))

	rejected := barGauge("Records rejected, by family and reason", count,
		"Records that the last collection of each family could not use, by reason (a missing or unknown value, a malformed row, a timestamp in the future...). Rejected records are left out of every figure, so many rejections make the figures less complete. Not filtered by site.",
		query{Expr: "topk(10, sum by (family, reason) (sems_collection_records_rejected) > 0)", Legend: "{{family}}: {{reason}}"}).plainNames("family", "reason").size(8, 8)
	failures := barGauge("Failed collections in the period", count,
		"Collections of each family that failed in the selected time range. While a family's collections fail it keeps its last good figures, which grow stale. Not filtered by site.",
		query{Expr: "sum by (family) (increase(sems_collection_failures_total[$__range]))", Legend: "{{family}}"}).decimals(0).plainNames("family").size(8, 8)
	duration := timeSeries("Collection duration", "s",
		"How long each family's collections take. A collection that grows towards its timeout is about to fail. Not filtered by site.",
		query{Expr: "max by (family) (sems_collection_duration_seconds)", Legend: "{{family}}"}).plainNames("family").size(8, 8)
	l.row(rejected, failures, duration)

	return dashboard(managerUID, "SeMS: Security Manager",
		"Where and why are we off target? Each area by site, equipment type, severity, role level, test type and cause of failure; corrective action ageing; training gaps; the organisation's own indicators; and the freshness of every source.",
		"now-90d", "5m", []string{"security-manager"}, l, ratioKPIs, totalKPIs, ratioBreakdowns, totalBreakdowns)
}

// siteKPIQueries are a KPI table's columns: the status, the value, the
// green and the amber thresholds, per KPI title and site.
func siteKPIQueries(k kpiSet, value, target string) []query {
	by := "title, site"
	return []query{
		{Expr: withTitle(sel("sems_kpi_rag_status", k.ref()), by)},
		{Expr: withTitle(sel(value, k.ref()), by)},
		{Expr: withTitle(sel(target, k.ref(), `rag="green"`), by)},
		{Expr: withTitle(sel(target, k.ref(), `rag="amber"`), by)},
	}
}

// siteTrend is each KPI's value per site over time with each site's
// target, a panel per KPI.
func siteTrend(k kpiSet, unit, value, target string) *Panel {
	return timeSeries(k.title()+" by site", unit,
		"One line per selected site; the dashed lines are each site's target. Click a line for that site's operations dashboard.",
		query{Expr: sel(value, k.ref()), Legend: "{{site}}"},
		query{Expr: sel(target, k.ref(), `rag="green"`), Legend: "{{site}} target"}).
		decimals(1).link(toOperations(seriesSite)).
		// The targets are dashed and neutral; the sites have the colours.
		override("byFrameRefID", "B", dashed(), fixedColor(neutral)).
		size(8, 9).repeat(k, 3)
}

// breakdown is a configured indicator's figure at the selected sites per
// value of its breakdown, from the expression figure gives, a panel per
// indicator with a breakdown.
func breakdown(k kpiSet, unit string, figure func(kpiSet) string) *Panel {
	return barGauge("${"+k.variable+"}: by "+k.title(), unit,
		"The configured indicator's figure at the selected sites, by the value of its breakdown, over its window.",
		query{Expr: figure(k), Legend: "{{breakdown}}"}).
		size(8, 8).repeat(k, 3)
}

// familyPanels are the panels of each built-in family's own metrics,
// beside the KPI panels every KPI gets: they break the family down by its
// causes. Every registered family has an entry; a test keeps it so.
var familyPanels = map[string]func() []*Panel{
	"equipment": func() []*Panel {
		return []*Panel{
			matrix("Equipment status by site and type", "none",
				"The exporter's grade of each site's equipment of each type: its serviceable share against the site's target, held at amber or worse while a critical item has been out longer than allowed.",
				"site", "equipment_type", "Site",
				query{Expr: "max by (site, equipment_type) (" + sel("sems_equipment_rag_status") + ")"}).
				mapped(ragMapping()).override("byType", "number", cellBackground()).
				size(12, 9),
			barGauge("Critical equipment outages against the allowed time", "percentunit",
				"The longest current outage of a critical item, by site and type, as a share of the outage the site allows (its critical_outage target): red from 100 %, when the outage has lasted longer than allowed.",
				query{Expr: "topk(8, max by (site, equipment_type) (" + sel("sems_equipment_critical_outage_longest_seconds") + ") / on (site) group_left max by (site) (" + sel("sems_equipment_critical_outage_threshold_seconds") + "))", Legend: "{{site}}: {{equipment_type}}"}).
				// 1 is the exported target itself, the query divides by it.
				thresholds(green, 1.0, red).decimals(0).plainNames("equipment_type").size(12, 9),
		}
	},
	"incidents": func() []*Panel {
		return []*Panel{
			table("Time to resolve by severity", "s",
				"For each severity: the time within which 90 % of all resolved incidents were resolved, the resolution target, the share of incidents resolved in the review window within target, and the open incidents already past their target.",
				"",
				[]string{"severity", "Severity", "Value #A", "90 % resolved within", "Value #B", "Target", "Value #C", "Within target (window)", "Value #D", "Open past target"},
				query{Expr: "histogram_quantile(0.9, sum by (severity, le) (" + sel("sems_incidents_resolution_duration_seconds_bucket") + "))"},
				query{Expr: "max by (severity) (" + sel("sems_incidents_resolution_target_seconds") + ")"},
				query{Expr: "sum by (severity) (" + sel("sems_incidents_resolved_in_window_within_target") + ") / sum by (severity) (" + sel("sems_incidents_resolved_in_window") + ")"},
				query{Expr: "sum by (severity) (" + sel("sems_incidents_open_over_target") + ")"}).
				override("byName", "Within target (window)", unitProp("percentunit")).
				override("byName", "Open past target", counted()...).
				plainCells("severity").ordered("severity").
				size(12, 9),
			timeSeries("Incidents reported per 30 days, by site", count,
				"Incidents reported in the 30 days before each point. Reporting is a sign of a healthy security culture, not a failure count, so it has no target; a sudden drop deserves as much attention as a rise.",
				query{Expr: "site:sems_incidents_reported:increase30d{" + sites + "}", Legend: "{{site}}"}).
				link(toOperations(seriesSite)).size(12, 9),
		}
	},
	"capa": func() []*Panel {
		overdue := "sum by (site, kind, priority) (" + sel("sems_capa_overdue") + ") > 0"
		return []*Panel{
			barGauge("Open actions by age band", count,
				"Open corrective and preventive actions at the selected sites by how long ago they were raised.",
				query{Expr: "sum by (age_band) (" + sel("sems_capa_open") + ")", Legend: "{{age_band}}"}).size(8, 9),
			table("Overdue actions, oldest first", "s",
				"Open actions past their due date, by site, kind and priority: how many, how long ago the oldest was raised, that age against the site's overdue age threshold (red from 100 %), and how long the most overdue is past its due date.",
				"Oldest raised",
				[]string{"site", "Site", "kind", "Kind", "priority", "Priority", "Value #A", "Overdue", "Value #B", "Oldest raised", "Value #C", "Against threshold", "Value #D", "Most past due"},
				query{Expr: overdue},
				query{Expr: "max by (site, kind, priority) (" + sel("sems_capa_overdue_oldest_age_seconds") + ") and on (site, kind, priority) (" + overdue + ")"},
				query{Expr: "max by (site, kind, priority) (" + sel("sems_capa_overdue_oldest_age_seconds") + ") / on (site) group_left max by (site) (" + sel("sems_capa_overdue_age_threshold_seconds") + ") and on (site, kind, priority) (" + overdue + ")"},
				query{Expr: "max by (site, kind, priority) (" + sel("sems_capa_overdue_longest_seconds") + ") and on (site, kind, priority) (" + overdue + ")"}).
				override("byName", "Overdue", counted()...).
				// 1 is the exported threshold itself, the query divides by it.
				override("byName", "Against threshold", unitProp("percentunit"), thresholdsProp(green, 1, red), thresholdColour(), cellBackground()).
				override("byName", "Site", linksProp(toOperations(cellSite))).
				plainCells("kind", "priority").
				size(16, 9),
		}
	},
	"training": func() []*Panel {
		return []*Panel{
			matrix("Training up to date by site and role level", "percentunit",
				"Share of the required training that is current, for each role level at each site: where the gaps are.",
				"role_level", "site", "Role level",
				query{Expr: "max by (site, role_level) (" + sel("sems_training_role_current_ratio") + ")"}).
				decimals(1).size(12, 9),
			barGauge("Training gaps by role level", count,
				"Required training that is not current at the selected sites, by role level: expired, or never completed.",
				query{Expr: "sum by (role_level, state) (" + sel("sems_training_requirements", `state!="current"`) + ")", Legend: "{{role_level}}: {{state}}"}).
				plainNames("role_level", "state").size(12, 9),
		}
	},
	"covert_tests": func() []*Panel {
		return []*Panel{
			barGauge("Test pass rate by test type", "percentunit",
				"Share of the tests of each type passed at the selected sites, over each configured window (90 and 365 days by default).",
				query{Expr: "sum by (test_type, window) (" + sel("sems_covert_tests_in_window", `result="pass"`) + ") / sum by (test_type, window) (" + sel("sems_covert_tests_in_window") + ")", Legend: "{{test_type}} ({{window}})"}).
				minMax(0, 1).decimals(0).plainNames("test_type").size(12, 9),
			barGauge("Test failures by cause", count,
				"Failed tests at the selected sites by the cause found (people, procedure, equipment), over each configured window.",
				query{Expr: "sum by (failure_cause, window) (" + sel("sems_covert_tests_failures_in_window") + ")", Legend: "{{failure_cause}} ({{window}})"}).
				plainNames("failure_cause").size(12, 9),
		}
	},
	"reporting": func() []*Panel {
		withheld := " Counts below the family's suppress_below (5 by default) are withheld so that no report can be traced to a person: a sum is at least what is shown, and a missing cell is a small count or none."
		return []*Panel{
			matrix("Reports by month and channel", count,
				"Security reports received at the selected sites in each month, by channel. Reporting is a sign of a healthy security culture and has no target: a channel drying up deserves attention."+withheld,
				"period", "channel", "Month",
				query{Expr: "sum by (period, channel) (" + sel("sems_reporting_reports", `granularity="month"`) + ")"}).
				size(12, 9),
			barGauge("Reports per 1,000 staff this quarter, by site and channel", count,
				"Reports received so far in the current quarter per 1,000 of the site's configured headcount."+withheld,
				query{Expr: "sum by (site, channel) (" + sel("sems_reporting_reports_per_1000_staff", `granularity="quarter"`, `complete="false"`) + ")", Legend: "{{site}}: {{channel}}"}).
				decimals(1).plainNames("channel").size(12, 9),
		}
	},
	"governance": func() []*Panel {
		by := func(metric string) string { return "max by (site, kind) (" + sel(metric) + ")" }
		return []*Panel{
			table("Reviews, audits and exercises by kind", "s",
				"For each kind of activity at each site (organisation: the whole organisation's): the time since it was last completed, that time as a share of its maximum interval (red from 100 %), the planned activities past their date and not completed, and this financial year's plan against what has been done.",
				"Of the interval",
				[]string{"site", "Site", "kind", "Kind", "Value #A", "Since last completed", "Value #B", "Of the interval", "Value #C", "Overdue", "Value #D", "Planned this year", "Value #E", "Completed this year"},
				query{Expr: by("sems_governance_last_completed_age_seconds")},
				query{Expr: by("sems_governance_last_completed_age_seconds") + " / on (kind) group_left max by (kind) (sems_governance_max_interval_seconds)"},
				query{Expr: by("sems_governance_overdue")},
				query{Expr: by("sems_governance_planned_this_year")},
				query{Expr: by("sems_governance_completed_this_year")}).
				// 1 is the configured interval itself, the query divides by it.
				override("byName", "Of the interval", unitProp("percentunit"), thresholdsProp(green, 1, red), thresholdColour(), cellBackground()).
				override("byName", "Overdue", counted()...).
				override("byName", "Planned this year", unitProp(count)).
				override("byName", "Completed this year", unitProp(count)).
				plainCells("kind").
				size(24, 9),
		}
	},
	"providers": func() []*Panel {
		return []*Panel{
			barGauge("Contracted measures met, by provider and service", "percentunit",
				"Share of each provider's contracted measures for each service, at the selected sites and over the review window (365 days by default), that met the level the contract specifies.",
				query{Expr: "sum by (provider, service) (" + sel("sems_providers_measures_met") + ") / sum by (provider, service) (" + sel("sems_providers_measures") + ")", Legend: "{{provider}}: {{service}}"}).
				minMax(0, 1).decimals(0).plainNames("service").size(12, 9),
		}
	},
	"self_assessment": func() []*Panel {
		return []*Panel{
			matrix("PSeMS self-assessment score by section", "percentunit",
				"Score of each site's latest PSeMS checklist self-assessment (organisation: the whole organisation's own) per Plan, Do, Check and Act section: Yes 1, In part 0.5, No and Not sure 0, N/A left out.",
				"site", "section", "Site",
				query{Expr: "max by (site, section) (" + sel("sems_self_assessment_score") + ")"}).
				decimals(0).size(12, 9),
			barGauge("Self-assessment gaps by section", count,
				"Statements the latest self-assessments at the selected sites answered No or Not sure, by section: where the SeMS falls short by its own account.",
				query{Expr: "sum by (section, answer) (" + sel("sems_self_assessment_gap") + ")", Legend: "{{section}}: {{answer}}"}).
				plainNames("section", "answer").size(12, 9),
		}
	},
}

// successMapping names a collection's success flag.
func successMapping() Mapping {
	return Mapping{Type: "value", Options: map[string]any{
		"0": map[string]any{"color": red, "index": 0, "text": "Failed"},
		"1": map[string]any{"color": green, "index": 1, "text": "OK"},
	}}
}
