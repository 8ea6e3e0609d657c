package dashboards

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/sems-exporter/sems_exporter/examples"
	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/stacktest"
)

const (
	// scrapeInterval is the test Prometheus's; Grafana's $__rate_interval
	// and smallest step derive from it as from the data source's
	// timeInterval.
	scrapeInterval = 15 * time.Second
	// job is the scrape job of the exporter, as in deploy/prometheus.
	job = "sems_exporter"
	// quarters is how many quarters the exporter keeps by default (the
	// calendar's quarters), the current one included.
	quarters = 8
)

// TestPanelsReturnData runs every query of every dashboard the way Grafana
// would against a real Prometheus (as scripts/tools.sh builds it) that
// scrapes the real exporter serving the demo dataset and evaluates the
// rules of rules/. A query that returns nothing fails: a panel showing
// "No data" on the demo is a broken panel.
//
// The Prometheus starts empty, seconds before the queries, as on the first
// day of a deployment: the Board's trends come from the records (the
// period indicators), so they must be there at once. Only a query that
// looks back with an offset (the change of a KPI the records hold only as
// it is now, such as equipment) needs Prometheus history; it is run, but
// may find nothing yet.
func TestPanelsReturnData(t *testing.T) {
	stacktest.RequireBinary(t, "promtool", "prometheus")
	dashboards := loadDashboards(t)

	exporter := stacktest.StartExporter(t, stacktest.BuildExporter(t), "--config.file="+demoWithGateChecks(t))
	exporter.WaitCollections(t, 1, time.Minute)
	prom := stacktest.StartPrometheus(t, stacktest.PrometheusConfig{
		ScrapeInterval:     scrapeInterval,
		EvaluationInterval: 5 * time.Second,
		Targets:            map[string][]string{job: {exporter.Addr}},
		RuleFiles:          ruleFiles(t),
		DataDir:            t.TempDir(),
	})
	// Two scrapes, so that increase() and rate() have two samples.
	prom.WaitVector(t, fmt.Sprintf(`count_over_time(up{job=%q}[5m]) >= 2`, job), time.Minute)

	// Each panel's queries as Grafana sends them: every variable at All,
	// and a panel repeated over a variable once per value of it. The KPI
	// variables list the indicator this test configured in YAML alone, so
	// it is on both dashboards without their having been regenerated.
	// A trend-only KPI has no target: its copies of a panel find none.
	trendOnly := labelSet(t, prom, `sems_kpi_info{trend_only="true"}`, "kpi")
	if len(trendOnly) == 0 {
		t.Fatal("the demo has no trend-only KPI")
	}
	var checks []*check
	for _, d := range dashboards {
		vars := resolveVariables(t, prom, d)
		if listed := slices.ContainsFunc(slices.Collect(maps.Values(vars)), func(vs []string) bool { return slices.Contains(vs, gateChecks) }); !listed && d.UID != "sems-operations" {
			t.Errorf("%s: no variable lists the configured indicator %s: %v", d.path, gateChecks, vars)
		}
		for _, p := range d.Panels {
			copies := []map[string][]string{vars}
			if p.Repeat != "" {
				copies = nil
				for _, v := range vars[p.Repeat] {
					one := maps.Clone(vars)
					one[p.Repeat] = []string{v}
					copies = append(copies, one)
				}
				if len(copies) == 0 {
					t.Errorf("%s: %s repeats over %s, which has no value", d.path, p.Title, p.Repeat)
				}
			}
			for _, vs := range copies {
				for _, q := range p.Targets {
					c := newCheck(t, d, p, q, vs)
					c.none = p.Repeat != "" && trendOnly[vs[p.Repeat][0]] && strings.Contains(q.Expr, "_target_")
					c.history = needsHistory(mustParse(t, c.expr))
					checks = append(checks, c)
				}
			}
		}
	}
	// The recording rules take the indicator configured in YAML alone, as
	// any KPI.
	for _, rule := range []string{"kpi:sems_kpi_organisation_ratio:avg_over_time_30d", "kpi:sems_kpi_organisation_ratio:avg_over_time_91d"} {
		checks = append(checks, &check{where: "rules/sems.rules.yml: " + rule, expr: fmt.Sprintf("%s{kpi=%q}", rule, gateChecks), q: target{Instant: true}})
	}
	// Rules are evaluated every 5s after the scrapes: retry a while.
	deadline := time.Now().Add(45 * time.Second)
	for {
		pending := 0
		for _, c := range checks {
			if c.err != nil || !c.ok {
				c.run(prom, time.Now())
				if !c.ok && !c.history {
					pending++
				}
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	waiting := 0
	for _, c := range checks {
		switch {
		case c.history:
			waiting++
		case !c.ok && c.none:
			t.Errorf("%s: data (%v) from a trend-only KPI's target\n\t%s", c.where, c.err, c.expr)
		case !c.ok:
			t.Errorf("%s: no data (%v) from\n\t%s", c.where, c.err, c.expr)
		}
	}
	t.Logf("%d queries of %d dashboards returned data on a Prometheus started seconds before; %d need its history", len(checks)-waiting, len(dashboards), waiting)

	// The Board shows every quarter the exporter keeps, the current one
	// included, for each KPI the records give by quarter.
	points := map[string]int{}
	for _, c := range checks {
		if strings.HasSuffix(c.panel, ": quarter by quarter") && (c.q.RefID == "A" || c.q.RefID == "B") {
			points[c.copy] += samples(c.answer)
		}
	}
	if len(points) == 0 {
		t.Error("no quarter by quarter panel on the Board")
	}
	for kpi, n := range points {
		if n != quarters {
			t.Errorf("Board: %s: %d quarters shown, want %d", kpi, n, quarters)
		}
	}

	sites := slices.Sorted(maps.Keys(labelSet(t, prom, "sems_kpi_target_ratio", "site")))
	checkRendered(t, prom, dashboards, checks, sites)
}

// check is one query of a panel, as Grafana would send it.
type check struct {
	where, expr string
	key         string // dashboard uid/panel id/refId
	q           target
	rng, step   time.Duration
	// panel and copy are the panel's title and, in a repeated one, the
	// value of its copy.
	panel, copy string
	// none is set for a query that must find nothing; history for one that
	// may, since it looks back further than Prometheus has run.
	none, history bool
	ok            bool
	err           error
	answer        model.Value
}

func newCheck(t *testing.T, d *dashboard, p panel, q target, vars map[string][]string) *check {
	t.Helper()
	rng, err := model.ParseDuration(strings.TrimPrefix(d.Time.From, "now-"))
	if err != nil {
		t.Fatalf("%s: time range %s: %v", d.path, d.Time.From, err)
	}
	step := grafanaStep(time.Duration(rng), p)
	rate := max(step+scrapeInterval, 4*scrapeInterval)
	where := fmt.Sprintf("%s: %s: %s", d.path, p.Title, q.RefID)
	if p.Repeat != "" {
		where = fmt.Sprintf("%s: %s (%s %s): %s", d.path, p.Title, p.Repeat, vars[p.Repeat][0], q.RefID)
	}
	c := &check{
		panel: p.Title,
		where: where,
		key:   fmt.Sprintf("%s/%d/%s", d.UID, p.ID, q.RefID),
		expr:  expand(q.Expr, vars, step, rate, time.Duration(rng)),
		q:     q,
		rng:   time.Duration(rng),
		step:  step,
	}
	if p.Repeat != "" {
		c.copy = vars[p.Repeat][0]
	}
	return c
}

// grafanaStep is the step Grafana picks: the range over the panel's width
// in pixels (about 75 a grid column on a full-HD screen), rounded as
// Grafana rounds intervals, and no less than the panel's minimum interval
// or the scrape interval.
func grafanaStep(rng time.Duration, p panel) time.Duration {
	minStep := scrapeInterval
	if p.Interval != "" {
		if d, err := model.ParseDuration(p.Interval); err == nil {
			minStep = time.Duration(d)
		}
	}
	return max(minStep, roundInterval(rng/time.Duration(75*p.GridPos.W)))
}

// roundInterval is Grafana's rounding of a computed interval
// (rangeutil.roundInterval), from 15s up.
func roundInterval(d time.Duration) time.Duration {
	steps := []struct{ below, to time.Duration }{
		{17500 * time.Millisecond, 15 * time.Second},
		{25 * time.Second, 20 * time.Second},
		{45 * time.Second, 30 * time.Second},
		{90 * time.Second, time.Minute},
		{210 * time.Second, 2 * time.Minute},
		{450 * time.Second, 5 * time.Minute},
		{750 * time.Second, 10 * time.Minute},
		{1050 * time.Second, 15 * time.Minute},
		{25 * time.Minute, 20 * time.Minute},
		{45 * time.Minute, 30 * time.Minute},
		{90 * time.Minute, time.Hour},
		{150 * time.Minute, 2 * time.Hour},
		{270 * time.Minute, 3 * time.Hour},
		{9 * time.Hour, 6 * time.Hour},
		{24 * time.Hour, 12 * time.Hour},
		{7 * 24 * time.Hour, 24 * time.Hour},
		{21 * 24 * time.Hour, 7 * 24 * time.Hour},
		{42 * 24 * time.Hour, 30 * 24 * time.Hour},
	}
	for _, s := range steps {
		if d < s.below {
			return s.to
		}
	}
	return 365 * 24 * time.Hour
}

// run evaluates the query at now: an instant query, or a range query over
// the dashboard's range whose last step is now. (Grafana aligns the steps
// to multiples of the step, so its last one can lie up to a step before
// now; ending at now lets a Prometheus with minutes of data answer, as a
// long-running one would.)
func (c *check) run(p *stacktest.Prometheus, now time.Time) {
	var v model.Value
	if c.q.Instant {
		v, c.err = p.Query(c.expr, now)
	} else {
		n := c.rng / c.step
		v, c.err = p.QueryRange(c.expr, now.Add(-n*c.step), now, c.step)
	}
	c.ok = c.err == nil && (samples(v) > 0) != c.none
	c.answer = v
}

func samples(v model.Value) int {
	switch v := v.(type) {
	case model.Vector:
		return len(v)
	case model.Matrix:
		n := 0
		for _, s := range v {
			n += len(s.Values)
		}
		return n
	case *model.Scalar:
		return 1
	}
	return 0
}

// needsHistory reports whether a query reads Prometheus history with an
// offset: a Prometheus that has just started has none that far back.
func needsHistory(e parser.Expr) bool {
	back := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.OriginalOffset > 0 {
			back = true
		}
		return nil
	})
	return back
}

func mustParse(t *testing.T, expr string) parser.Expr {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return e
}

// gateChecks is an indicator the live test adds in YAML alone: a share with
// targets and a breakdown, read from a CSV file the test writes.
const gateChecks = "gate_checks"

// demoWithGateChecks writes the demo configuration and data with the
// gate_checks indicator added, and returns the configuration's path.
func demoWithGateChecks(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	csvDir := filepath.Join(dir, "csv")
	if err := os.Mkdir(csvDir, 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := demo.Generate().WriteCSV(csvDir, now); err != nil {
		t.Fatal(err)
	}
	var rows strings.Builder
	rows.WriteString("site,at,breakdown,met\n")
	// Checks every 12 hours over two years, so that every quarter has some.
	for i, site := range []string{"north", "south", "harbour", "valley"} {
		for j := range 2 * 730 {
			fmt.Fprintf(&rows, "%s,%s,gate_%c,%t\n", site, now.Add(-time.Duration(j+1)*12*time.Hour).Format(time.RFC3339), 'a'+rune(j%2), j%(i+3) != 0)
		}
	}
	if err := os.WriteFile(filepath.Join(csvDir, "gate_checks.csv"), []byte(rows.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// The indicator joins the demo's own, the file's last section.
	_, last, ok := strings.Cut(string(examples.DemoConfig), "\nindicators:\n")
	if !ok || regexp.MustCompile(`(?m)^[a-z]`).MatchString(last) {
		t.Fatal("examples/demo.yml does not end with its indicators section")
	}
	config := string(examples.DemoConfig) + `
  gate_checks:
    title: Staff gate checks passed
    description: Share of the staff searches at the airside gates that found nothing missed.
    measure: share
    window: 7d
    breakdown: {title: Gate, values: [gate_a, gate_b]}
    source: demo
    file: gate_checks.csv
    targets: {green: 0.95, amber: 0.9}
`
	path := filepath.Join(dir, "demo.yml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// resolveVariables gives each of the dashboard's query variables its values
// as Grafana would find them against the Prometheus: label_values of the
// site variable, and the query_result variables' regular expression applied
// to each series of their query, written as Grafana writes it.
func resolveVariables(t *testing.T, p *stacktest.Prometheus, d *dashboard) map[string][]string {
	t.Helper()
	vars := map[string][]string{}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			var values []string
			if err := p.Get("/api/v1/label/"+m[2]+"/values", map[string][]string{"match[]": {m[1]}}, &values); err != nil || len(values) == 0 {
				t.Fatalf("%s: %s returned %v (%v)", d.path, v.Definition, values, err)
			}
			vars[v.Name] = values
			continue
		}
		m := queryResult.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Fatalf("%s: variable %s: a query this test cannot resolve: %s", d.path, v.Name, v.Definition)
		}
		re, err := regexp.Compile(strings.ReplaceAll(strings.Trim(v.Regex, "/"), "(?<", "(?P<"))
		if err != nil {
			t.Fatalf("%s: variable %s: regex %s: %v", d.path, v.Name, v.Regex, err)
		}
		res, err := p.Query(m[1], time.Now())
		if err != nil {
			t.Fatalf("%s: variable %s: %v", d.path, v.Name, err)
		}
		seen := map[string]bool{}
		for _, s := range res.(model.Vector) {
			if sub := re.FindStringSubmatch(grafanaText(s)); sub != nil {
				seen[sub[re.SubexpIndex("value")]] = true
			}
		}
		vars[v.Name] = slices.Sorted(maps.Keys(seen))
	}
	return vars
}

// labelSet is the values of a label over the series an instant query
// returns.
func labelSet(t *testing.T, p *stacktest.Prometheus, expr, label string) map[string]bool {
	t.Helper()
	res, err := p.Query(expr, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range res.(model.Vector) {
		out[string(s.Metric[model.LabelName(label)])] = true
	}
	return out
}

var (
	labelValues = regexp.MustCompile(`^label_values\((.+), ?([a-z_]+)\)$`)
	queryResult = regexp.MustCompile(`^query_result\((.+)\)$`)
)

// grafanaText writes a series as Grafana's query_result does: the metric
// name, its other labels as Prometheus returns them (sorted), the value and
// the time in milliseconds.
func grafanaText(s *model.Sample) string {
	var labels []string
	for _, name := range slices.Sorted(maps.Keys(s.Metric)) {
		if name != model.MetricNameLabel {
			labels = append(labels, fmt.Sprintf("%s=%q", name, s.Metric[name]))
		}
	}
	return fmt.Sprintf("%s{%s} %v %d", s.Metric[model.MetricNameLabel], strings.Join(labels, ","), s.Value, s.Timestamp)
}
