package main

import "fmt"

// The three audiences' dashboards: stable uids, the folder (directory) each
// is provisioned from, and the drill-down order Board -> Security Manager ->
// Operations.
const (
	boardUID      = "sems-board"
	managerUID    = "sems-security-manager"
	operationsUID = "sems-operations"
)

// The KPIs come from the exporter's sems_kpi_info, never from a list kept
// here: a configured indicator appears on the dashboards after a reload of
// the exporter, with nothing to regenerate. Each kind of KPI is a hidden
// variable whose values are the kpi labels and whose texts are the titles;
// panels repeat over it, one copy per KPI.
type kpiSet struct {
	variable, description string
	// selector picks the KPIs, as query_result sees them.
	selector string
}

var (
	ratioKPIs = kpiSet{"kpi", "The KPIs that are shares (0-100 %), from the exporter's sems_kpi_info.",
		`sems_kpi_info{unit="ratio"}`}
	totalKPIs = kpiSet{"total_kpi", "The KPIs that are totals (a count, minutes...), from the exporter's sems_kpi_info.",
		`sems_kpi_info{unit!="ratio"}`}
	// The configured indicators with a breakdown; their texts are the
	// breakdowns' titles.
	ratioBreakdowns = kpiSet{"breakdown_kpi", "The configured share and ratio indicators with a breakdown, from sems_indicator_breakdown_info.",
		`sems_indicator_breakdown_info * on (job, instance, kpi) group_left (unit) sems_kpi_info{unit="ratio"}`}
	totalBreakdowns = kpiSet{"breakdown_total_kpi", "The configured count and sum indicators with a breakdown, from sems_indicator_breakdown_info.",
		`sems_indicator_breakdown_info * on (job, instance, kpi) group_left (unit) sems_kpi_info{unit!="ratio"}`}
)

// kpiRegex takes a query_result line's kpi label as the value and its
// title label as the text. Prometheus sorts labels by name, and no label
// between kpi and title holds a quote.
const kpiRegex = `/kpi="(?<value>[^"]+)".*title="(?<text>[^"]+)"/`

// ref is the KPI variable in a query: a regular expression, so that it
// holds for one KPI in a repeated panel and for All elsewhere.
func (k kpiSet) ref() string { return fmt.Sprintf(`kpi=~"$%s"`, k.variable) }

// title is the KPI's title in a repeated panel's title.
func (k kpiSet) title() string { return "${" + k.variable + ":text}" }

func (k kpiSet) templateVariable() Variable {
	definition := "query_result(" + k.selector + ")"
	return Variable{
		Current:     map[string]any{"text": []string{"All"}, "value": []string{"$__all"}},
		Datasource:  &datasource,
		Definition:  definition,
		Description: k.description,
		Hide:        2,
		IncludeAll:  true,
		Multi:       true,
		Name:        k.variable,
		Options:     []any{},
		Query: map[string]any{
			"qryType": 3,
			"query":   definition,
			"refId":   "PrometheusVariableQueryEditor-VariableQuery",
		},
		Refresh: 1,
		Regex:   kpiRegex,
		Sort:    1,
		Type:    "query",
	}
}

// repeat makes one copy of the panel per value of the KPI variable, below
// one another, or side by side up to perRow.
func (p *Panel) repeat(k kpiSet, perRow int) *Panel {
	p.Repeat = k.variable
	p.RepeatDirection = "v"
	if perRow > 0 {
		p.RepeatDirection, p.MaxPerRow = "h", perRow
	}
	return p
}

// withTitle joins a KPI's title from sems_kpi_info to a per-KPI
// expression, kept by the given labels and title.
func withTitle(expr, by string) string {
	return fmt.Sprintf("max by (%s) (%s * on (job, instance, kpi) group_left (title) sems_kpi_info)", by, expr)
}

// Site parameters of drill-down links: keep the selected sites, or narrow
// to the site of the clicked series or table cell.
const (
	keepSites  = "${site:queryparam}"
	seriesSite = "var-site=${__field.labels.site}"
	cellSite   = "var-site=${__value.raw}"
)

// drill links to another dashboard with the same time range and data
// source, and the sites that siteParam gives.
func drill(title, uid, siteParam string) DataLink {
	return DataLink{Title: title, URL: "/d/" + uid + "?${__url_time_range}&${datasource:queryparam}&" + siteParam}
}

func toManager(siteParam string) DataLink {
	return drill("Where and why: Security Manager dashboard", managerUID, siteParam)
}

func toOperations(siteParam string) DataLink {
	return drill("What needs doing: site operations dashboard", operationsUID, siteParam)
}

// dashboardLinks are the top-bar links to the other two dashboards; they
// keep the time range and carry the variables (data source and sites).
func dashboardLinks(self string) []Link {
	all := []struct{ uid, title, tooltip string }{
		{boardUID, "Board", "Is security under control, and is it getting better?"},
		{managerUID, "Security Manager", "Where and why are we off target?"},
		{operationsUID, "Site operations", "What needs doing now?"},
	}
	var links []Link
	for _, d := range all {
		if d.uid == self {
			continue
		}
		links = append(links, Link{
			Icon: "dashboard", IncludeVars: true, KeepTime: true, Tags: []string{},
			Title: d.title, Tooltip: d.tooltip, Type: "link", URL: "/d/" + d.uid,
		})
	}
	return links
}

// The site variable lists the sites from the exported targets, which exist
// for every configured site whether or not it has records. The query is
// written as Grafana's variable editor writes a label values query.
const (
	siteMetric = "sems_kpi_target_ratio"
	siteQuery  = "label_values(" + siteMetric + ",site)"
)

func variables(kpis ...kpiSet) Templating {
	t := Templating{List: []Variable{
		{
			// "default" is Grafana's default data source, whatever its uid.
			Current:     map[string]any{"text": "default", "value": "default"},
			Description: "The Prometheus that scrapes the SeMS exporter.",
			IncludeAll:  false,
			Label:       "Data source",
			Name:        "datasource",
			Options:     []any{},
			Query:       "prometheus",
			Refresh:     1,
			Type:        "datasource",
		},
		{
			Current:     map[string]any{"text": []string{"All"}, "value": []string{"$__all"}},
			Datasource:  &datasource,
			Definition:  siteQuery,
			Description: "The sites to show. Organisation-wide figures do not depend on it.",
			IncludeAll:  true,
			Label:       "Site",
			Multi:       true,
			Name:        "site",
			Options:     []any{},
			Query: map[string]any{
				"label":   "site",
				"metric":  siteMetric,
				"qryType": 1,
				"query":   siteQuery,
				"refId":   "PrometheusVariableQueryEditor-VariableQuery",
			},
			Refresh: 1,
			Sort:    1,
			Type:    "query",
		},
	}}
	for _, k := range kpis {
		t.List = append(t.List, k.templateVariable())
	}
	return t
}

func dashboard(uid, title, description, from, refresh string, tags []string, l *layout, kpis ...kpiSet) *Dashboard {
	return &Dashboard{
		Annotations:   Annotations{List: []any{}},
		Description:   description,
		GraphTooltip:  1,
		Links:         dashboardLinks(uid),
		Panels:        l.panels,
		Refresh:       refresh,
		SchemaVersion: schemaVersion,
		Tags:          append([]string{"sems", "security"}, tags...),
		Templating:    variables(kpis...),
		Time:          TimeRange{From: from, To: "now"},
		Timezone:      "browser",
		Title:         title,
		UID:           uid,
		Version:       1,
	}
}
