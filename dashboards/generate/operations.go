package main

// operations answers site supervisors and on-call: "What needs doing now?"
// Per site: equipment out of service, open incidents by age, actions due
// this week and overdue, tests awaiting an action, and firing alerts.
func operations() *Dashboard {
	l := &layout{}
	// A count of things waiting: 1 marks anything present. It is not a
	// target; none of these counts has one. The same holds for the
	// equipment state over time.
	waiting := func(p *Panel) *Panel { return p.thresholds(green, 1.0, red).decimals(0).size(6, 4) }
	l.row(
		waiting(stat("Equipment out of service now", count,
			"Security equipment that is unserviceable now, per site. Degraded equipment is not counted here.",
			query{Expr: "sum by (site) (" + sel("sems_equipment_assets", `status="unserviceable"`) + ")", Legend: "{{site}}"})),
		waiting(stat("Open incidents past their target", count,
			"Open incidents, per site, older than the resolution target for their severity.",
			query{Expr: "sum by (site) (" + sel("sems_incidents_open_over_target") + ")", Legend: "{{site}}"})),
		stat("Actions due this week", count,
			"Open corrective and preventive actions, per site, that fall due within the due-soon horizon (7 days by default, shown as Horizon) and are not yet overdue.",
			query{Expr: "sum by (site) (" + sel("sems_capa_due_soon") + ")", Legend: "{{site}}"},
			query{Expr: "sems_capa_due_soon_horizon_seconds", Legend: "Horizon"}).
			decimals(0).override("byFrameRefID", "B", unitProp("s")).size(6, 4),
		waiting(stat("Actions overdue", count,
			"Open corrective and preventive actions, per site, past their due date.",
			query{Expr: "sum by (site) (" + sel("sems_capa_overdue") + ")", Legend: "{{site}}"})),
	)

	alerts := table("Firing alerts", "none",
		"Alerts that Prometheus is firing now for the selected sites, and organisation-wide alerts that carry no site. ALERTS is Prometheus's own series of its alerting rules (rules/), not an exporter metric. The runbook of each alert is in docs/alerting.md.",
		"",
		[]string{"alertname", "Alert", "severity", "Severity", "site", "Site", "family", "Family"},
		// Only the listed labels: the others differ from alert to alert.
		// An organisation-wide alert's site is Grafana's "All" value
		// ($$ is label_replace's "$"), so its link keeps every site.
		query{Expr: `max by (alertname, severity, site, family) (ALERTS{alertstate="firing", ` + sites + `})` +
			` or label_replace(max by (alertname, severity, family) (ALERTS{alertstate="firing", site=""}), "site", "$$__all", "", "")`}).
		override("byName", "Site", linksProp(toOperations(cellSite)), mappingsProp(textMapping("$__all", "All sites"))).
		// The alerts' own severities (rules/), not the incidents'.
		override("byName", "Severity", mappingsProp(displayNames([]string{"critical", "warning", "info"}))).
		plainCells("family").
		size(24, 7)
	alerts.Transformations[0].Options["excludeByName"] = map[string]any{"Time": true, "Value": true}
	l.row(alerts)

	l.row(
		stateTimeline("Equipment out of service over the day", count,
			"Unserviceable security equipment by site and type over the selected time range: red while at least one item is out, with how many; green while all are in service.",
			query{Expr: "sum by (site, equipment_type) (" + sel("sems_equipment_assets", `status="unserviceable"`) + ")", Legend: "{{site}}: {{equipment_type}}"}).
			thresholds(green, 1.0, red).decimals(0).plainNames("equipment_type").size(12, 10),
		table("Critical outages against the allowed time", "s",
			"Critical equipment out of service now, by site and type: how long the longest outage has lasted and that time as a share of the outage the site allows (red from 100 %).",
			"Out for",
			[]string{"site", "Site", "equipment_type", "Equipment type", "Value #A", "Out for", "Value #B", "Against allowed"},
			query{Expr: "max by (site, equipment_type) (" + sel("sems_equipment_critical_outage_longest_seconds") + ") > 0"},
			query{Expr: "max by (site, equipment_type) (" + sel("sems_equipment_critical_outage_longest_seconds") + ") / on (site) group_left max by (site) (" + sel("sems_equipment_critical_outage_threshold_seconds") + ") > 0"}).
			// 1 is the exported target itself, the query divides by it.
			override("byName", "Against allowed", unitProp("percentunit"), thresholdsProp(green, 1, red), thresholdColour(), cellBackground()).
			plainCells("equipment_type").
			size(12, 10),
	)

	open := "sum by (site, severity) (" + sel("sems_incidents_open") + ") > 0"
	l.row(
		table("Open incidents by age", "s",
			"Open incidents by site and severity, most severe first: how many, how long the oldest has been open, the resolution target for the severity, and how many are past it.",
			"",
			[]string{"site", "Site", "severity", "Severity", "Value #A", "Open", "Value #B", "Oldest open for", "Value #C", "Target", "Value #D", "Past target"},
			query{Expr: open},
			query{Expr: "max by (site, severity) (" + sel("sems_incidents_open_oldest_age_seconds") + ") and on (site, severity) (" + open + ")"},
			query{Expr: "max by (site, severity) (" + sel("sems_incidents_resolution_target_seconds") + ") and on (site, severity) (" + open + ")"},
			query{Expr: "sum by (site, severity) (" + sel("sems_incidents_open_over_target") + ") and on (site, severity) (" + open + ")"}).
			override("byName", "Open", counted()...).
			override("byName", "Past target", counted()...).
			plainCells("severity").ordered("severity").
			size(12, 8),
		timeSeries("Open incidents over the day", count,
			"Open incidents per site over the selected time range.",
			query{Expr: "sum by (site) (" + sel("sems_incidents_open") + ")", Legend: "{{site}}"}).
			decimals(0).size(12, 8),
	)

	overdue := "sum by (site, kind, priority) (" + sel("sems_capa_overdue") + ") > 0"
	l.row(
		table("Actions due this week, by kind and priority", count,
			"Open actions not yet overdue that fall due within the due-soon horizon (7 days by default), by site, kind and priority.",
			"Due",
			[]string{"site", "Site", "kind", "Kind", "priority", "Priority", "Value", "Due"},
			query{Expr: "sum by (site, kind, priority) (" + sel("sems_capa_due_soon") + ") > 0"}).
			plainCells("kind", "priority").
			size(12, 8),
		table("Overdue actions", "s",
			"Open actions past their due date by site, kind and priority: how many, and how long the most overdue is past its due date. A high-priority corrective action overdue pages on-call.",
			"Most past due",
			[]string{"site", "Site", "kind", "Kind", "priority", "Priority", "Value #A", "Overdue", "Value #B", "Most past due"},
			query{Expr: overdue},
			query{Expr: "max by (site, kind, priority) (" + sel("sems_capa_overdue_longest_seconds") + ") and on (site, kind, priority) (" + overdue + ")"}).
			override("byName", "Overdue", counted()...).
			plainCells("kind", "priority").
			size(12, 8),
	)

	l.row(
		barGauge("Failed tests awaiting a corrective action", count,
			"Failed security tests, by site and test type, that still have no linked corrective action after the grace period (14 days by default).",
			query{Expr: "sum by (site, test_type) (" + sel("sems_covert_tests_failures_without_action") + ") > 0", Legend: "{{site}}: {{test_type}}"}).
			decimals(0).plainNames("test_type").size(8, 8),
		barGauge("Training expiring soon", count,
			"Current training that expires within the expiry horizon (30 days by default), by site and course: the people concerned should be booked now.",
			query{Expr: "topk(10, sum by (site, course) (" + sel("sems_training_expiring_soon") + ") > 0)", Legend: "{{site}}: {{course}}"}).
			decimals(0).plainNames("course").size(8, 8),
		stat("Age of the figures", "s",
			"How long ago each family's figures were collected from their source. Much older than usual means the source has stopped delivering: the page is out of date. Not filtered by site.",
			query{Expr: "max by (family) (family:sems_collection_age:seconds)", Legend: "{{family}}"}).
			withOptions(statOptions("none", "value_and_name")).decimals(0).plainNames("family").size(8, 8),
	)

	return dashboard(operationsUID, "SeMS: Site operations",
		"What needs doing now? For the selected sites: equipment out of service, open incidents by age, actions due this week and overdue, tests awaiting action, and the alerts firing.",
		"now-24h", "1m", []string{"operations"}, l)
}
