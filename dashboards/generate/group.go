package main

import "fmt"

// The group's dashboards, on the group's Thanos Query (deploy/group,
// docs/group.md): they read only the series an organisation sends, each
// labelled with its organisation.
const (
	groupUID = "sems-group"
	peersUID = "sems-peers"
)

// The group's share of a KPI (network-wide or per organisation) is the sum
// of the numerators over the sum of the denominators, never an average of
// ratios: a large organisation weighs as much as its records.
// kpi is a KPI selector: its matchers; the group's KPIs are a variable,
// listed from the sems_kpi_info each organisation sends.
func groupNumerator(kpi, matchers string) string {
	return fmt.Sprintf(`kpi:sems_kpi_numerator:sum{%s%s}`, kpi, matchers)
}

func groupDenominator(kpi, matchers string) string {
	return fmt.Sprintf(`kpi:sems_kpi_denominator:sum{%s%s}`, kpi, matchers)
}

// groupKPIs are the KPIs the organisations send, a share each: the group's
// figures are sums of numerators over sums of denominators.
var groupKPIs = kpiSet{"kpi", "The KPIs the organisations send, from their sems_kpi_info.",
	`max by (kpi, title) (sems_kpi_info * on (organisation, kpi) group_left () kpi:sems_kpi_denominator:sum)`}

// organisationRatio is each matching organisation's KPI, labelled with it.
func organisationRatio(kpi, matchers string) string {
	return groupNumerator(kpi, matchers) + " / " + groupDenominator(kpi, matchers)
}

// networkRatio is the KPI of all organisations together.
func networkRatio(kpi string) string {
	return "sum(" + groupNumerator(kpi, "") + ") / sum(" + groupDenominator(kpi, "") + ")"
}

// group answers the group's security lead or a regulator: "How is the
// network doing, and which organisations need attention?" Organisations
// are named: this dashboard is for those entitled to see every one.
func group() *Dashboard {
	l := &layout{}
	network := stat("Network-wide, all organisations", "percentunit",
		"Each area of security for all organisations together: the sum of their numerators over the sum of their denominators (for example every incident resolved on time over every incident resolved), so each organisation counts as much as its records. Organisation-wide figures only; no site figure leaves an organisation.",
		query{Expr: "(sum by (kpi) (kpi:sems_kpi_numerator:sum) / sum by (kpi) (kpi:sems_kpi_denominator:sum)) * on (kpi) group_left (title) max by (kpi, title) (sems_kpi_info)", Legend: "{{title}}"})
	network.withOptions(statOptions("none", "value_and_name")).decimals(1).size(20, 5)
	network.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}
	fresh := stat("Oldest figures", "s",
		"How long ago the oldest figure of any organisation was collected from its source system. Much older than a few hours means an organisation's source or its link to the group has stopped; its figures are then out of date.",
		query{Expr: "max(family:sems_collection_age:max)", Legend: "Age of the oldest figure"}).
		withOptions(statOptions("none", "value")).decimals(0).size(4, 5)
	fresh.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}
	l.row(network, fresh)

	status := matrix("Status by organisation and area", "none",
		"Each organisation's status in each area, graded by the organisation's own exporter against the targets its management set. Green: on target; amber: below target but above the minimum; red: below the minimum.",
		"organisation", "kpi", "Organisation",
		query{Expr: "max by (organisation, kpi) (sems_kpi_organisation_rag_status)"}).
		mapped(ragMapping()).custom("cellOptions", map[string]any{"type": "color-background", "mode": "basic"}).size(16, 8)
	ages := barGauge("Age of each organisation's oldest figure", "s",
		"How long ago each organisation's oldest figure was collected from its source system.",
		query{Expr: "sort_desc(max by (organisation) (family:sems_collection_age:max))", Legend: "{{organisation}}"}).
		decimals(0).size(8, 8)
	l.row(status, ages)

	kpi := groupKPIs.ref()
	ranked := barGauge(groupKPIs.title()+": organisations ranked", "percentunit",
		"Each organisation's figure, best first.",
		query{Expr: "sort_desc(" + organisationRatio(kpi, "") + ")", Legend: "{{organisation}}"}).
		minMax(0, 1).decimals(1).size(8, 8).repeat(groupKPIs, 0)
	trend := timeSeries(groupKPIs.title()+": network and organisations over three years", "percentunit",
		"The thick line is the network-wide figure (all numerators over all denominators); the others are the organisations.",
		query{Expr: networkRatio(kpi), Legend: "Network"},
		query{Expr: organisationRatio(kpi, ""), Legend: "{{organisation}}"}).
		// A point a day is plenty for trends over years, and Thanos
		// answers it from downsampled blocks.
		interval("1d").decimals(1).
		override("byFrameRefID", "A", Property{ID: "custom.lineWidth", Value: 4}).
		size(16, 8).repeat(groupKPIs, 0)
	l.row(ranked, trend)
	d := dashboard(groupUID, "SeMS: Group and regulator",
		"How is the network doing, and which organisations need attention? Every organisation's headline figures side by side, ranked, and the network-wide figure from all numerators and denominators, over three years.",
		"now-3y", "1h", []string{"group"}, l)
	return groupDashboard(d, groupVariables())
}

// peers answers one organisation: "Where do we stand among our peers?" Its
// own figure against the distribution of the others, which are never
// named, and shown only when there are at least $min_peers of them, so that
// no single peer's figure can be read off.
func peers() *Dashboard {
	l := &layout{}
	{
		kpi := groupKPIs.ref()
		own := organisationRatio(kpi, `, organisation="$organisation"`)
		others := organisationRatio(kpi, `, organisation!="$organisation"`)
		enough := fmt.Sprintf(" and on() (count(%s) >= $min_peers)", others)
		rank := stat(groupKPIs.title()+": your position", "none",
			"Your organisation's rank among all organisations (1 is the best), and how many there are.",
			query{Expr: fmt.Sprintf("((count(%s > on() group_left() %s) or vector(0)) + 1)", others, own) + enough, Legend: "Rank"},
			query{Expr: fmt.Sprintf("count(%s)", organisationRatio(kpi, "")) + enough, Legend: "Organisations"}).
			withOptions(statOptions("none", "value_and_name")).decimals(0).size(6, 7).repeat(groupKPIs, 0)
		rank.FieldConfig.Defaults.Color = map[string]any{"mode": "fixed", "fixedColor": neutral}
		spread := barGauge(groupKPIs.title()+": you and your peers", "percentunit",
			"Your figure, then the distribution of the other organisations' figures, none of them named: their highest, upper quartile, median, lower quartile and lowest.",
			query{Expr: own, Legend: "Your organisation"},
			query{Expr: "max(" + others + ")" + enough, Legend: "Highest of the others"},
			query{Expr: "quantile(0.75, " + others + ")" + enough, Legend: "Upper quartile"},
			query{Expr: "quantile(0.5, " + others + ")" + enough, Legend: "Median"},
			query{Expr: "quantile(0.25, " + others + ")" + enough, Legend: "Lower quartile"},
			query{Expr: "min(" + others + ")" + enough, Legend: "Lowest of the others"}).
			minMax(0, 1).decimals(1).
			override("byFrameRefID", "A", fixedColor("blue")).size(18, 7).repeat(groupKPIs, 0)
		l.row(rank, spread)
	}
	d := dashboard(peersUID, "SeMS: Our position among peers",
		"Where does our organisation stand among its peers? In each area, our figure against the anonymised distribution of the other organisations' figures.",
		"now-90d", "1h", []string{"group", "peers"}, l)
	return groupDashboard(d, peerVariables())
}

// groupDashboard gives a dashboard of the group the group's variables and
// links: the organisations' dashboards have sites, the group's do not.
func groupDashboard(d *Dashboard, vars Templating) *Dashboard {
	d.Templating = vars
	d.Links = nil
	for _, other := range []struct{ uid, title, tooltip string }{
		{groupUID, "Group", "How is the network doing, and which organisations need attention?"},
		{peersUID, "Peers", "Where does an organisation stand among its peers?"},
	} {
		if other.uid != d.UID {
			d.Links = append(d.Links, Link{
				Icon: "dashboard", IncludeVars: true, KeepTime: true, Tags: []string{},
				Title: other.title, Tooltip: other.tooltip, Type: "link", URL: "/d/" + other.uid,
			})
		}
	}
	return d
}

// thanosDatasource is the organisations' data source variable, described
// for the group's Thanos Query.
func thanosDatasource() Variable {
	for _, v := range variables().List {
		if v.Name == "datasource" {
			v.Description = "The group's Thanos Query, which holds the figures every organisation sends."
			return v
		}
	}
	panic("no datasource variable")
}

func groupVariables() Templating {
	return Templating{List: []Variable{thanosDatasource(), groupKPIs.templateVariable()}}
}

// peerVariables name the organisation whose position is shown: typed (or
// set in the link the group gives each organisation), never a list of the
// others' names.
func peerVariables() Templating {
	return Templating{List: []Variable{
		thanosDatasource(),
		groupKPIs.templateVariable(),
		{
			Current:     map[string]any{"text": "", "value": ""},
			Description: "Your organisation, as its Prometheus names it in its organisation external label.",
			Label:       "Organisation",
			Name:        "organisation",
			Options:     []any{},
			Query:       "",
			Type:        "textbox",
		},
		{
			Current:     map[string]any{"text": "5", "value": "5"},
			Description: "The fewest other organisations whose distribution is shown, so that no single peer's figure can be read off.",
			Hide:        2,
			Label:       "Fewest peers",
			Name:        "min_peers",
			Options:     []any{},
			Query:       "5",
			Type:        "constant",
		},
	}}
}
