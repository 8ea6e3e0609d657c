// Package rules holds the Prometheus recording and alerting rules; these
// tests run promtool's check and unit tests, hold the alerts to the
// catalogue's conventions, and hold every metric name the rules use to the
// metrics reference and to what the exporter serves.
package rules

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/metricsdoc"
)

var ruleFiles = []string{"sems.rules.yml", "sems.alerts.yml"}

const runbookBase = "https://github.com/sems-exporter/sems_exporter/blob/main/docs/runbooks/"

type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var all []rule
	for _, f := range ruleFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []struct {
				Rules []rule `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range doc.Groups {
			all = append(all, g.Rules...)
		}
	}
	return all
}

func alerts(t *testing.T) []rule {
	return slices.DeleteFunc(loadRules(t), func(r rule) bool { return r.Alert == "" })
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (scripts/test.sh builds it; Debian's package prometheus has it too): %v", name, err)
	}
	return p
}

func TestPromtoolCheckRules(t *testing.T) {
	out, err := exec.Command(tool(t, "promtool"), append([]string{"check", "rules"}, ruleFiles...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestPromtoolUnitTests(t *testing.T) {
	files, err := filepath.Glob("tests/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no unit tests in tests/: %v", err)
	}
	out, err := exec.Command(tool(t, "promtool"), append([]string{"test", "rules"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// The dashboards query these names.
func TestSharedRecordingRules(t *testing.T) {
	recorded := map[string]bool{}
	for _, r := range loadRules(t) {
		recorded[r.Record] = true
	}
	for _, name := range []string{
		"organisation:sems_equipment_assets:sum",
		"equipment_type:sems_equipment_serviceable:ratio",
		"organisation:sems_incidents_open:sum",
		"severity:sems_incidents_resolved_within_target:ratio",
		"organisation:sems_capa_overdue:sum",
		"organisation:sems_capa_open:sum",
		"role_level:sems_training_current:ratio",
		"test_type:sems_covert_tests_pass:ratio",
		"family:sems_collection_age:seconds",
		"kpi:sems_kpi_organisation_ratio:avg_over_time_91d",
		"site:sems_incidents_reported:increase30d",
		"organisation:sems_incidents_reported:increase30d",
	} {
		if !recorded[name] {
			t.Errorf("recording rule %s is missing", name)
		}
	}
}

var (
	severities = []string{"critical", "warning", "info"}
	audiences  = []string{"oncall", "security_manager", "board"}
	dashboard  = regexp.MustCompile(`^/d/(sems-board|sems-security-manager|sems-operations)(\?var-site=\{\{ \$labels\.site \}\})?$`)
)

func TestAlertConventions(t *testing.T) {
	doc := readMetricsDoc(t)
	catalogue, err := os.ReadFile("../docs/alerting.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts(t) {
		// A severity may be a template (the statistical alert levels): each
		// value it can give must be one of the three.
		sev := a.Labels["severity"]
		if strings.Contains(sev, "{{") {
			for _, v := range regexp.MustCompile(`\}\}([a-z]+)\{\{`).FindAllStringSubmatch(sev, -1) {
				if !slices.Contains(severities, v[1]) {
					t.Errorf("%s: severity template gives %q", a.Alert, v[1])
				}
			}
		} else if !slices.Contains(severities, sev) {
			t.Errorf("%s: severity %q, want one of %v", a.Alert, sev, severities)
		}
		if sev == "critical" && a.Labels["audience"] != "oncall" {
			t.Errorf("%s pages, so its audience must be oncall, not %q", a.Alert, a.Labels["audience"])
		}
		if !slices.Contains(audiences, a.Labels["audience"]) {
			t.Errorf("%s: audience %q, want one of %v", a.Alert, a.Labels["audience"], audiences)
		}
		if f, ok := a.Labels["family"]; ok {
			if f != "exporter" && !slices.Contains(collectors.Names(), f) {
				t.Errorf("%s: family %q is not a family", a.Alert, f)
			}
		} else if !familyFromSeries(t, a.Expr, doc) {
			t.Errorf("%s has no family label and its expression selects no series with one", a.Alert)
		}
		for _, k := range []string{"summary", "description"} {
			if strings.TrimSpace(a.Annotations[k]) == "" {
				t.Errorf("%s: no %s annotation", a.Alert, k)
			}
		}
		if want := runbookBase + a.Alert + ".md"; a.Annotations["runbook_url"] != want {
			t.Errorf("%s: runbook_url %q, want %q", a.Alert, a.Annotations["runbook_url"], want)
		}
		if b, err := os.ReadFile("../docs/runbooks/" + a.Alert + ".md"); err != nil {
			t.Errorf("%s: no runbook: %v", a.Alert, err)
		} else if !bytes.HasPrefix(b, []byte("# "+a.Alert+"\n")) {
			t.Errorf("docs/runbooks/%s.md does not start with the heading # %s", a.Alert, a.Alert)
		}
		if !dashboard.MatchString(a.Annotations["dashboard"]) {
			t.Errorf("%s: dashboard %q is not /d/<uid> of a SeMS dashboard", a.Alert, a.Annotations["dashboard"])
		}
		if !bytes.Contains(catalogue, []byte("`"+a.Alert+"`")) {
			t.Errorf("%s is not in the catalogue in docs/alerting.md", a.Alert)
		}
	}
}

// familyFromSeries reports whether the expression selects a documented
// metric with a family label (sems_kpi_info gives a KPI's).
func familyFromSeries(t *testing.T, expr string, doc map[string]metricsdoc.Metric) bool {
	for _, name := range selectorNames(t, expr) {
		if slices.Contains(doc[name].Labels, "family") {
			return true
		}
	}
	return false
}

// TestEveryAlertUnitTested requires, for every alert, a promtool case where
// it fires, one before that where it is silent, and one after where it has
// resolved.
func TestEveryAlertUnitTested(t *testing.T) {
	type eval struct {
		at     time.Duration
		firing bool
	}
	timelines := map[string][][]eval{}
	files, _ := filepath.Glob("tests/*.yml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests []struct {
				AlertRuleTest []struct {
					EvalTime  string           `yaml:"eval_time"`
					Alertname string           `yaml:"alertname"`
					ExpAlerts []map[string]any `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range doc.Tests {
			byAlert := map[string][]eval{}
			for _, a := range tc.AlertRuleTest {
				at, err := model.ParseDuration(a.EvalTime)
				if err != nil {
					t.Fatalf("%s: %s: %v", f, a.Alertname, err)
				}
				byAlert[a.Alertname] = append(byAlert[a.Alertname], eval{time.Duration(at), len(a.ExpAlerts) > 0})
			}
			for name, evals := range byAlert {
				timelines[name] = append(timelines[name], evals)
			}
		}
	}
	for _, a := range alerts(t) {
		var silentBefore, fires, resolves bool
		for _, evals := range timelines[a.Alert] {
			slices.SortFunc(evals, func(x, y eval) int { return int(x.at - y.at) })
			first := slices.IndexFunc(evals, func(e eval) bool { return e.firing })
			if first < 0 {
				continue
			}
			fires = true
			silentBefore = silentBefore || slices.ContainsFunc(evals[:first], func(e eval) bool { return !e.firing })
			resolves = resolves || slices.ContainsFunc(evals[first:], func(e eval) bool { return !e.firing })
		}
		if !fires || !silentBefore || !resolves {
			t.Errorf("%s: unit tests must show it silent, then firing, then resolved (silent %v, fires %v, resolves %v)",
				a.Alert, silentBefore, fires, resolves)
		}
	}
}

var promql = parser.NewParser(parser.Options{})

// selectorNames returns the metric names an expression selects.
func selectorNames(t *testing.T, expr string) []string {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Fatalf("parsing %q: %v", expr, err)
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

var (
	action = regexp.MustCompile(`\{\{.*?\}\}`)
	quoted = regexp.MustCompile("`[^`]*`|\"[^\"]*\"")
)

// templateQueries returns the PromQL strings the annotation templates
// query, with printf's %s verbs filled in.
func templateQueries(r rule) []string {
	var qs []string
	for _, text := range r.Annotations {
		for _, a := range action.FindAllString(text, -1) {
			for _, q := range quoted.FindAllString(a, -1) {
				qs = append(qs, strings.ReplaceAll(q[1:len(q)-1], "%s", "x"))
			}
		}
	}
	return qs
}

func readMetricsDoc(t *testing.T) map[string]metricsdoc.Metric {
	t.Helper()
	doc, err := metricsdoc.Load("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestMetricNames holds every metric the rules and their annotation
// templates use to the metrics reference and to the demo exporter's
// /metrics, so a renamed metric cannot silently stop an alert.
func TestMetricNames(t *testing.T) {
	doc := readMetricsDoc(t)
	served := demoMetrics(t)
	rules := loadRules(t)
	recorded := map[string]bool{}
	for _, r := range rules {
		recorded[r.Record] = true
	}
	used := map[string]bool{}
	for _, r := range rules {
		for _, q := range append(templateQueries(r), r.Expr) {
			for _, name := range selectorNames(t, q) {
				used[name] = true
			}
		}
	}
	for name := range used {
		switch {
		case recorded[name]:
		case name == "up":
			// Written by Prometheus for every target, not by the exporter.
		default:
			if _, ok := doc[name]; !ok {
				t.Errorf("%s is used in rules/ but not documented in docs/metrics.md", name)
			}
			if _, ok := served[name]; !ok {
				t.Errorf("%s is used in rules/ but the demo exporter does not serve it", name)
			}
		}
	}
	if len(used) < 40 {
		t.Errorf("found only %d metric names in the rules; is the extraction broken?", len(used))
	}
}

// TestKPIInfo checks that the demo exporter describes, in sems_kpi_info,
// every KPI of every registered family, each with its family, so that the
// KPI alerts route and inhibit by family with no mapping kept in the rules.
func TestKPIInfo(t *testing.T) {
	for _, r := range loadRules(t) {
		if r.Labels["kpi"] != "" {
			t.Errorf("rule %s%s sets a kpi label by hand: KPIs come from sems_kpi_info", r.Record, r.Alert)
		}
	}
	info := map[string]string{}
	for _, m := range demoMetrics(t)["sems_kpi_info"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		info[labels["kpi"]] = labels["family"]
	}
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		for _, k := range f.KPIs() {
			if info[k.Name] != name {
				t.Errorf("sems_kpi_info gives kpi %s the family %q, want %q", k.Name, info[k.Name], name)
			}
		}
	}
}

var demo struct {
	once     sync.Once
	families map[string]*dto.MetricFamily
	err      error
}

// demoMetrics builds the exporter, runs it on the demo dataset until every
// family has been collected, and returns one scrape.
func demoMetrics(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	demo.once.Do(func() { demo.families, demo.err = scrapeDemo() })
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	return demo.families
}

func scrapeDemo() (map[string]*dto.MetricFamily, error) {
	dir, err := os.MkdirTemp("", "sems-rules-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "sems_exporter")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sems_exporter").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the exporter: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "--demo", "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	var last error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		mfs, err := scrape("http://" + addr + "/metrics")
		if err == nil {
			err = allCollected(mfs)
		}
		if err == nil {
			stop()
			return mfs, nil
		}
		last = err
	}
	stop()
	return nil, fmt.Errorf("the demo exporter did not collect every family within 60s: %v\nexporter log:\n%s", last, log.String())
}

func scrape(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// allCollected reports whether every configured family and indicator (each
// has its collections counter from start-up) has finished a collection.
func allCollected(mfs map[string]*dto.MetricFamily) error {
	series := mfs["sems_collections_total"].GetMetric()
	if len(series) == 0 {
		return fmt.Errorf("no collection configured yet")
	}
	for _, m := range series {
		if m.GetCounter().GetValue() < 1 {
			for _, l := range m.GetLabel() {
				if l.GetName() == "family" {
					return fmt.Errorf("family %s not collected yet", l.GetValue())
				}
			}
		}
	}
	return nil
}
