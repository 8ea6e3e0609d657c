package main

// The three audiences' dashboards: stable uids, the folder (directory) each
// is provisioned from, and the drill-down order Board -> Security Manager ->
// Operations.
const (
	boardUID      = "sems-board"
	managerUID    = "sems-security-manager"
	operationsUID = "sems-operations"
)

// family is a KPI family's headline KPI as people call it.
type family struct {
	kpi         string // the kpi label value
	name        string // plain title
	description string // what the headline KPI measures
}

var families = []family{
	{"equipment_serviceability", "Security equipment serviceable",
		"Share of security equipment (CCTV, X-ray, metal and trace detectors, access control, perimeter detection) that is fully working. Degraded counts as not working. A critical item out of service too long holds the status at amber or worse."},
	{"incident_resolution", "Incidents resolved on time",
		"Share of the incidents resolved in the review window (90 days by default) that were resolved within the target time for their severity."},
	{"capa_on_time", "Corrective actions closed on time",
		"Share of the corrective and preventive actions closed in the review window (90 days by default) that were closed by their due date."},
	{"training_current", "Security training up to date",
		"Share of the required security training, over all staff and courses, that is completed and not expired."},
	{"covert_test_pass", "Security tests passed",
		"Share of the covert and other security tests of the last 90 days (the first configured window) that were passed."},
}

// kpiNames maps kpi label values to the families' plain names.
func kpiNames() Mapping {
	var pairs []string
	for _, f := range families {
		pairs = append(pairs, f.kpi, f.name)
	}
	return textMapping(pairs...)
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

func variables() Templating {
	return Templating{List: []Variable{
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
}

func dashboard(uid, title, description, from, refresh string, tags []string, l *layout) *Dashboard {
	return &Dashboard{
		Annotations:   Annotations{List: []any{}},
		Description:   description,
		GraphTooltip:  1,
		Links:         dashboardLinks(uid),
		Panels:        l.panels,
		Refresh:       refresh,
		SchemaVersion: schemaVersion,
		Tags:          append([]string{"sems", "security"}, tags...),
		Templating:    variables(),
		Time:          TimeRange{From: from, To: "now"},
		Timezone:      "browser",
		Title:         title,
		UID:           uid,
		Version:       1,
	}
}
