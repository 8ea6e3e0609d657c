package main

import "fmt"

// manager answers the Security Manager: "Where and why are we off
// target?" Every family by site and by its causes, CAPA ageing, training
// gaps by role level, and the health of every source.
func manager() *Dashboard {
	l := &layout{}
	headline := table("Headline KPIs by site", "percentunit",
		"Each area's headline figure at each selected site, graded by the exporter against that site's targets (a site can have its own). Click a site for its operations dashboard.",
		"",
		[]string{"kpi", "Area", "site", "Site", "Value #A", "Status", "Value #B", "Actual", "Value #C", "Target", "Value #D", "Minimum"},
		query{Expr: "max by (kpi, site) (" + sel("sems_kpi_rag_status") + ")"},
		query{Expr: "max by (kpi, site) (" + sel("sems_kpi_ratio") + ")"},
		query{Expr: "max by (kpi, site) (" + sel("sems_kpi_target_ratio", `rag="green"`) + ")"},
		query{Expr: "max by (kpi, site) (" + sel("sems_kpi_target_ratio", `rag="amber"`) + ")"},
	).decimals(1).
		override("byName", "Status", unitProp("none"), mappingsProp(ragMapping()), cellBackground(), thresholdColour()).
		override("byName", "Area", mappingsProp(kpiNames())).
		override("byName", "Site", linksProp(toOperations(cellSite))).
		size(14, 11)
	sources := table("Freshness and health of every source", "s",
		"For each KPI family and the source it reads: how long ago its last successful collection finished, how often it is collected, whether the last collection succeeded, and how many records it read and rejected. An age well beyond the usual interval means the figures are stale. Not filtered by site.",
		"",
		[]string{"family", "Family", "source", "Source", "Value #A", "Last success, ago", "Value #B", "Usual interval", "Value #C", "Last collection", "Value #D", "Records read", "Value #E", "Records rejected"},
		query{Expr: "max by (family, source) (family:sems_collection_age:seconds)"},
		query{Expr: "max by (family, source) (sems_collection_interval_seconds)"},
		query{Expr: "min by (family, source) (sems_collection_success)"},
		query{Expr: "max by (family, source) (sems_collection_records)"},
		query{Expr: "sum by (family, source) (sems_collection_records_rejected)"},
	).decimals(0).
		override("byName", "Last collection", unitProp("none"), mappingsProp(successMapping()), cellBackground(), thresholdColour()).
		override("byName", "Records read", counted()...).
		override("byName", "Records rejected", counted()...).
		plainCells("family").
		size(10, 11)
	l.row(headline, sources)

	for _, f := range families {
		l.row(append([]*Panel{siteTrend(f)}, managerDetail(f)...)...)
	}

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
		"Where and why are we off target? Each area by site, equipment type, severity, role level, test type and cause of failure; corrective action ageing; training gaps; and the freshness of every source.",
		"now-90d", "5m", []string{"security-manager"}, l)
}

// siteTrend is a family's headline KPI per site over time with each site's
// target.
func siteTrend(f family) *Panel {
	return timeSeries(f.name+" by site", "percentunit",
		f.description+" One line per site; the dashed lines are each site's target. Click a line for that site's operations dashboard.",
		query{Expr: sel("sems_kpi_ratio", fmt.Sprintf("kpi=%q", f.kpi)), Legend: "{{site}}"},
		query{Expr: sel("sems_kpi_target_ratio", fmt.Sprintf("kpi=%q", f.kpi), `rag="green"`), Legend: "{{site}} target"}).
		decimals(1).link(toOperations(seriesSite)).
		// The targets are dashed and neutral; the sites have the colours.
		override("byFrameRefID", "B", dashed(), fixedColor(neutral)).
		size(8, 9)
}

// managerDetail breaks a family down by its causes, beside its trend.
func managerDetail(f family) []*Panel {
	switch f.kpi {
	case "equipment_serviceability":
		return []*Panel{
			matrix("Equipment status by site and type", "none",
				"The exporter's grade of each site's equipment of each type: its serviceable share against the site's target, held at amber or worse while a critical item has been out longer than allowed.",
				"site", "equipment_type", "Site",
				query{Expr: "max by (site, equipment_type) (" + sel("sems_equipment_rag_status") + ")"}).
				mapped(ragMapping()).override("byType", "number", cellBackground()).
				size(8, 9),
			barGauge("Critical equipment outages against the allowed time", "percentunit",
				"The longest current outage of a critical item, by site and type, as a share of the outage the site allows (its critical_outage target): red from 100 %, when the outage has lasted longer than allowed.",
				query{Expr: "topk(8, max by (site, equipment_type) (" + sel("sems_equipment_critical_outage_longest_seconds") + ") / on (site) group_left max by (site) (" + sel("sems_equipment_critical_outage_threshold_seconds") + "))", Legend: "{{site}}: {{equipment_type}}"}).
				// 1 is the exported target itself, the query divides by it.
				thresholds(green, 1.0, red).decimals(0).plainNames("equipment_type").size(8, 9),
		}
	case "incident_resolution":
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
				size(8, 9),
			timeSeries("Incidents reported per 30 days, by site", count,
				"Incidents reported in the 30 days before each point. Reporting is a sign of a healthy security culture, not a failure count, so it has no target; a sudden drop deserves as much attention as a rise.",
				query{Expr: "site:sems_incidents_reported:increase30d{" + sites + "}", Legend: "{{site}}"}).
				link(toOperations(seriesSite)).size(8, 9),
		}
	case "capa_on_time":
		overdue := "sum by (site, kind, priority) (" + sel("sems_capa_overdue") + ") > 0"
		return []*Panel{
			barGauge("Open actions by age band", count,
				"Open corrective and preventive actions at the selected sites by how long ago they were raised.",
				query{Expr: "sum by (age_band) (" + sel("sems_capa_open") + ")", Legend: "{{age_band}}"}).size(4, 9),
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
				size(12, 9),
		}
	case "training_current":
		return []*Panel{
			matrix("Training up to date by site and role level", "percentunit",
				"Share of the required training that is current, for each role level at each site: where the gaps are.",
				"role_level", "site", "Role level",
				query{Expr: "max by (site, role_level) (" + sel("sems_training_role_current_ratio") + ")"}).
				decimals(1).size(8, 9),
			barGauge("Training gaps by role level", count,
				"Required training that is not current at the selected sites, by role level: expired, or never completed.",
				query{Expr: "sum by (role_level, state) (" + sel("sems_training_requirements", `state!="current"`) + ")", Legend: "{{role_level}}: {{state}}"}).
				plainNames("role_level", "state").size(8, 9),
		}
	default: // covert_test_pass
		return []*Panel{
			barGauge("Test pass rate by test type", "percentunit",
				"Share of the tests of each type passed at the selected sites, over each configured window (90 and 365 days by default).",
				query{Expr: "sum by (test_type, window) (" + sel("sems_covert_tests_in_window", `result="pass"`) + ") / sum by (test_type, window) (" + sel("sems_covert_tests_in_window") + ")", Legend: "{{test_type}} ({{window}})"}).
				minMax(0, 1).decimals(0).plainNames("test_type").size(8, 9),
			barGauge("Test failures by cause", count,
				"Failed tests at the selected sites by the cause found (people, procedure, equipment), over each configured window.",
				query{Expr: "sum by (failure_cause, window) (" + sel("sems_covert_tests_failures_in_window") + ")", Legend: "{{failure_cause}} ({{window}})"}).
				plainNames("failure_cause").size(8, 9),
		}
	}
}

// successMapping names a collection's success flag.
func successMapping() Mapping {
	return Mapping{Type: "value", Options: map[string]any{
		"0": map[string]any{"color": red, "index": 0, "text": "Failed"},
		"1": map[string]any{"color": green, "index": 1, "text": "OK"},
	}}
}
