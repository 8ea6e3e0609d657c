// Package dashboards holds the checks of the committed Grafana dashboards:
// their JSON model, queries, links and provisioning, as far as they can be
// checked without Grafana, and (live_test.go) every query against a real
// Prometheus that scrapes the real exporter.
package dashboards

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/internal/metricsdoc"
)

// The Grafana release that deploy/grafana/VERSION pins writes dashboard
// schema version 42.
const schemaVersion = 42

// The audiences' dashboards: directory (a Grafana folder), uid and default
// time range.
var audiences = []struct{ dir, uid, from string }{
	{"board", "sems-board", "now-2y"},
	{"security-manager", "sems-security-manager", "now-90d"},
	{"operations", "sems-operations", "now-24h"},
}

// The parts of Grafana's dashboard JSON model that the checks read;
// encoding/json matches the keys case-insensitively.
type (
	dashboard struct {
		path          string
		raw           any
		UID, Title    string
		SchemaVersion int
		Tags          []string
		Time          struct{ From, To string }
		Links         []struct {
			Type, URL             string
			KeepTime, IncludeVars bool
		}
		Templating struct{ List []variable }
		Panels     []panel
	}
	variable struct {
		Name, Type, Definition, Regex string
		Multi, IncludeAll             bool
		Datasource                    *dsRef
		Query                         any
	}
	dsRef struct{ Type, UID string }
	panel struct {
		ID                       int
		Type, Title, Description string
		Interval, PluginVersion  string
		// Repeat names the variable of which the panel shows a copy per
		// value.
		Repeat      string
		Datasource  *dsRef
		GridPos     struct{ X, Y, W, H int }
		Targets     []target
		FieldConfig struct {
			Defaults struct {
				Unit string
			}
		}
	}
	target struct {
		Expr, RefID    string
		Instant, Range bool
		Datasource     *dsRef
	}
)

// variableRef is the only data source a panel or query may use.
var variableRef = dsRef{Type: "prometheus", UID: "${datasource}"}

func loadDashboards(t *testing.T) []*dashboard {
	t.Helper()
	var out []*dashboard
	for _, a := range audiences {
		paths, err := filepath.Glob(filepath.Join(a.dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != 1 {
			t.Fatalf("%s/ holds %d dashboards, want 1", a.dir, len(paths))
		}
		data, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		d := &dashboard{path: paths[0]}
		if err := json.Unmarshal(data, d); err != nil {
			t.Fatalf("%s: %v", paths[0], err)
		}
		if err := json.Unmarshal(data, &d.raw); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func pinnedGrafana(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../deploy/grafana/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	image := strings.TrimSpace(string(data))
	_, tag, ok := strings.Cut(image, ":")
	if !ok || !strings.HasPrefix(image, "grafana/grafana") {
		t.Fatalf("deploy/grafana/VERSION: %q is not a grafana/grafana image with a tag", image)
	}
	return tag
}

func TestDashboardModel(t *testing.T) {
	version := pinnedGrafana(t)
	for i, d := range loadDashboards(t) {
		a := audiences[i]
		if d.UID != a.uid {
			t.Errorf("%s: uid %q, want %q", d.path, d.UID, a.uid)
		}
		if d.Title == "" || len(d.Tags) == 0 {
			t.Errorf("%s: needs a title and tags", d.path)
		}
		if d.SchemaVersion != schemaVersion {
			t.Errorf("%s: schemaVersion %d, Grafana %s writes %d", d.path, d.SchemaVersion, version, schemaVersion)
		}
		if d.Time.From != a.from || d.Time.To != "now" {
			t.Errorf("%s: time range %s to %s, want %s to now", d.path, d.Time.From, d.Time.To, a.from)
		}
		checkVariables(t, d)
		ids := map[int]bool{}
		for _, p := range d.Panels {
			where := d.path + ": panel " + p.Title
			if p.Title == "" {
				where = d.path + ": an untitled panel"
				t.Errorf("%s", where)
			}
			if ids[p.ID] || p.ID <= 0 {
				t.Errorf("%s: id %d is not a unique positive number", where, p.ID)
			}
			ids[p.ID] = true
			if p.Description == "" {
				t.Errorf("%s: no description", where)
			}
			if p.FieldConfig.Defaults.Unit == "" {
				t.Errorf("%s: no unit", where)
			}
			if p.Datasource == nil || *p.Datasource != variableRef {
				t.Errorf("%s: data source %v, want %v", where, p.Datasource, variableRef)
			}
			if p.PluginVersion != version {
				t.Errorf("%s: pluginVersion %q, the pinned Grafana is %s", where, p.PluginVersion, version)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no query", where)
			}
			for _, q := range p.Targets {
				if q.Datasource == nil || *q.Datasource != variableRef {
					t.Errorf("%s: query %s: data source %v, want %v", where, q.RefID, q.Datasource, variableRef)
				}
				if q.Instant == q.Range {
					t.Errorf("%s: query %s must be either instant or range", where, q.RefID)
				}
			}
		}
		checkGrid(t, d)
	}
}

func checkVariables(t *testing.T, d *dashboard) {
	t.Helper()
	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if ds := vars["datasource"]; ds.Type != "datasource" || ds.Query != "prometheus" {
		t.Errorf("%s: no datasource variable of type prometheus", d.path)
	}
	site := vars["site"]
	q, _ := site.Query.(map[string]any)
	if site.Type != "query" || !site.Multi || !site.IncludeAll || site.Datasource == nil || *site.Datasource != variableRef ||
		site.Definition != "label_values(sems_kpi_target_ratio,site)" || q["query"] != site.Definition ||
		q["qryType"] != 1.0 || q["label"] != "site" || q["metric"] != "sems_kpi_target_ratio" {
		t.Errorf("%s: site must be a multi-value query variable with All, label_values(sems_kpi_target_ratio,site) (qryType 1, label site, metric sems_kpi_target_ratio) through ${datasource}", d.path)
	}
}

// checkGrid holds panels to Grafana's 24-column grid without overlaps.
func checkGrid(t *testing.T, d *dashboard) {
	t.Helper()
	for i, p := range d.Panels {
		g := p.GridPos
		if g.X < 0 || g.Y < 0 || g.W < 1 || g.H < 1 || g.X+g.W > 24 {
			t.Errorf("%s: panel %q at %+v does not fit the 24-column grid", d.path, p.Title, g)
		}
		for _, o := range d.Panels[:i] {
			h := o.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("%s: panels %q and %q overlap", d.path, o.Title, p.Title)
			}
		}
	}
}

// Every "datasource" in the JSON is the variable: no data source name or
// uid is typed into a dashboard, so it works with any Prometheus.
func TestNoHardCodedDataSource(t *testing.T) {
	for _, d := range loadDashboards(t) {
		walk(d.raw, func(key string, v any) {
			if key != "datasource" {
				return
			}
			m, _ := v.(map[string]any)
			if len(m) != 2 || m["type"] != variableRef.Type || m["uid"] != variableRef.UID {
				t.Errorf("%s: data source %v, want the ${datasource} variable", d.path, v)
			}
		})
	}
}

// walk calls f on every key and value of decoded JSON.
func walk(v any, f func(key string, v any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f(k, e)
			walk(e, f)
		}
	case []any:
		for _, e := range v {
			walk(e, f)
		}
	}
}

// Fixed thresholds are allowed only where no exported target applies: 0,
// the sign of a change, and 1, either the whole of an exported limit that
// the query divides by or the first of a count of things waiting.
// Anything else would be a target typed into a dashboard.
func TestNoTargetTypedIntoThresholds(t *testing.T) {
	for _, d := range loadDashboards(t) {
		walk(d.raw, func(key string, v any) {
			if key != "steps" {
				return
			}
			steps, _ := v.([]any)
			for _, s := range steps {
				value := s.(map[string]any)["value"]
				if value != nil && value != 0.0 && value != 1.0 {
					t.Errorf("%s: threshold %v is a typed target; grade with the exported targets instead", d.path, value)
				}
			}
		})
	}
}

// Drill-down: Board -> Security Manager -> Operations, in the top bar and
// on panels, keeping the time range, the data source and the sites.
func TestDrillDownLinks(t *testing.T) {
	ds := loadDashboards(t)
	uids := map[string]bool{}
	for _, d := range ds {
		uids[d.UID] = true
	}
	panelLinks := map[string]map[string]bool{} // from uid -> to uid
	for _, d := range ds {
		targets := map[string]bool{}
		for _, l := range d.Links {
			to := strings.TrimPrefix(l.URL, "/d/")
			if l.Type != "link" || !uids[to] || !l.KeepTime || !l.IncludeVars {
				t.Errorf("%s: top-bar link %+v must be a link to another dashboard keeping the time and the variables", d.path, l)
			}
			targets[to] = true
		}
		for uid := range uids {
			if uid != d.UID && !targets[uid] {
				t.Errorf("%s: no top-bar link to %s", d.path, uid)
			}
		}
		panelLinks[d.UID] = map[string]bool{}
		walk(d.raw.(map[string]any)["panels"], func(key string, v any) {
			url, _ := v.(string)
			if key != "url" || !strings.HasPrefix(url, "/d/") {
				return
			}
			to, query, _ := strings.Cut(strings.TrimPrefix(url, "/d/"), "?")
			if !uids[to] {
				t.Errorf("%s: data link to unknown dashboard %s", d.path, url)
			}
			if !strings.Contains(query, "${__url_time_range}") || !strings.Contains(query, "${datasource:queryparam}") ||
				!(strings.Contains(query, "${site:queryparam}") || strings.Contains(query, "var-site=${__")) {
				t.Errorf("%s: data link %s must keep the time range, the data source and the site", d.path, url)
			}
			panelLinks[d.UID][to] = true
		})
	}
	if !panelLinks["sems-board"]["sems-security-manager"] {
		t.Error("the Board has no panel link to the Security Manager dashboard")
	}
	if !panelLinks["sems-security-manager"]["sems-operations"] {
		t.Error("the Security Manager dashboard has no panel link to the operations dashboard")
	}
}

// Grafana's variables as the queries use them, for parsing: $site becomes
// a regular expression of site codes, the intervals become durations.
// expand substitutes Grafana's interval variables and the dashboard's
// variables, each multi-value one as Grafana writes it into a regular
// expression matcher: its values joined as (a|b).
func expand(expr string, vars map[string][]string, interval, rateInterval, rng time.Duration) string {
	pairs := []string{
		"$__rate_interval", model.Duration(rateInterval).String(),
		"$__interval", model.Duration(interval).String(),
		"$__range", model.Duration(rng).String(),
	}
	// Longer names first, so that $breakdown_total_kpi is not taken for
	// $breakdown_ followed by something else.
	names := slices.SortedFunc(maps.Keys(vars), func(a, b string) int { return len(b) - len(a) })
	for _, name := range names {
		re := "(" + strings.Join(vars[name], "|") + ")"
		pairs = append(pairs, "${"+name+"}", re, "$"+name, re)
	}
	return strings.NewReplacer(pairs...).Replace(expr)
}

// placeholderVars gives each of the dashboard's query variables one value,
// for checks that need a query to parse, not to return data.
func placeholderVars(d *dashboard) map[string][]string {
	vars := map[string][]string{}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			vars[v.Name] = []string{"x"}
		}
	}
	return vars
}

var promql = parser.NewParser(parser.Options{})

// Every query parses as PromQL once Grafana's variables are substituted,
// and uses only documented metrics (docs/metrics.md), recording rules of
// rules/, or Prometheus's own ALERTS, with documented labels.
func TestQueriesParseAndUseDocumentedMetrics(t *testing.T) {
	doc, err := metricsdoc.Load("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	recorded := recordingRules(t)
	for _, d := range loadDashboards(t) {
		for _, p := range d.Panels {
			for _, q := range p.Targets {
				where := d.path + ": " + p.Title + ": " + q.RefID
				expr := expand(q.Expr, placeholderVars(d), time.Minute, 2*time.Minute, 24*time.Hour)
				// "$$" is label_replace's "$", not a variable.
				if strings.Contains(strings.ReplaceAll(expr, "$$", ""), "$") {
					t.Errorf("%s: unknown variable in %s", where, q.Expr)
					continue
				}
				e, err := promql.ParseExpr(expr)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				for _, vs := range selectors(e) {
					checkSelector(t, where, vs, doc, recorded)
				}
			}
		}
	}
}

func checkSelector(t *testing.T, where string, vs *parser.VectorSelector, doc map[string]metricsdoc.Metric, recorded map[string][]rule) {
	t.Helper()
	name := vs.Name
	labels := []string{"job", "instance"} // added by the scrape
	switch {
	case name == "ALERTS", name == "up": // Prometheus's own
		return
	case len(recorded[name]) > 0:
		return
	}
	m, ok := doc[name]
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, cut := strings.CutSuffix(name, suffix); !ok && cut && doc[base].Type == "histogram" {
			m, ok = doc[base], true
			if suffix == "_bucket" {
				labels = append(labels, "le")
			}
		}
	}
	if !ok {
		t.Errorf("%s: %s is neither in docs/metrics.md nor a recording rule in rules/", where, name)
		return
	}
	labels = append(labels, m.Labels...)
	for _, lm := range vs.LabelMatchers {
		if lm.Name != model.MetricNameLabel && !slices.Contains(labels, lm.Name) {
			t.Errorf("%s: %s has no label %s in docs/metrics.md", where, name, lm.Name)
		}
	}
}

// selectors lists an expression's vector selectors.
func selectors(e parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// rule is a rule of rules/*.yml.
type rule struct {
	Record, Alert, Expr string
	Labels              map[string]string
}

// ruleFiles are the rule files Prometheus loads: rules/*.yml.
func ruleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../rules/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in rules/ (%v)", err)
	}
	return files
}

// recordingRules maps each recorded name to its rules, in file order.
func recordingRules(t *testing.T) map[string][]rule {
	t.Helper()
	out := map[string][]rule{}
	for _, f := range ruleFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var file struct {
			Groups []struct{ Rules []rule }
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					out[r.Record] = append(out[r.Record], r)
				}
			}
		}
	}
	return out
}

// Provisioning gives Grafana the Prometheus data source with a fixed uid
// and one folder per audience from the mounted dashboards/ directory.
func TestProvisioning(t *testing.T) {
	var sources struct {
		Datasources []struct {
			Name, UID, Type, URL string
			IsDefault            bool `yaml:"isDefault"`
		}
	}
	readYAML(t, "../deploy/grafana/provisioning/datasources/prometheus.yml", &sources)
	if len(sources.Datasources) != 1 {
		t.Fatalf("want one data source, got %d", len(sources.Datasources))
	}
	if s := sources.Datasources[0]; s.UID != "sems-prometheus" || s.Type != "prometheus" || s.URL != "http://prometheus:9090" || !s.IsDefault {
		t.Errorf("data source %+v: want the default prometheus, uid sems-prometheus, at http://prometheus:9090", s)
	}
	var providers struct {
		Providers []struct {
			Name, Folder, Type string
			FolderUID          string `yaml:"folderUid"`
			Options            struct{ Path string }
		}
	}
	readYAML(t, "../deploy/grafana/provisioning/dashboards/sems.yml", &providers)
	paths := map[string]bool{}
	for _, p := range providers.Providers {
		if p.Type != "file" || p.Folder == "" || p.FolderUID == "" {
			t.Errorf("provider %s: want a file provider with a folder and folder uid", p.Name)
		}
		paths[p.Options.Path] = true
	}
	for _, a := range audiences {
		if path := "/var/lib/grafana/dashboards/" + a.dir; !paths[path] {
			t.Errorf("no provider for %s", path)
		}
	}
	if len(paths) != len(audiences) {
		t.Errorf("%d providers for %d audiences", len(paths), len(audiences))
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
