package dashboards

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/sems-exporter/sems_exporter/internal/promtest"
	"github.com/sems-exporter/sems_exporter/internal/stacktest"
)

const (
	// scrapeInterval is the test Prometheus's; Grafana's $__rate_interval
	// and smallest step derive from it as from the data source's
	// timeInterval.
	scrapeInterval = 15 * time.Second
	// historyStep is the spacing of the backfilled history. Grafana aligns
	// a range query's steps to multiples of the step since the Unix epoch,
	// and every step it picks for ranges over a day is a multiple of 6h, so
	// each step of a long-range panel lands on a backfilled sample.
	historyStep = 6 * time.Hour
	// longRange is the time range above which a dashboard needs history a
	// fresh Prometheus cannot have.
	longRange = 91 * 24 * time.Hour
	// job is the scrape job of the exporter, as in deploy/prometheus.
	job = "sems_exporter"
)

// TestPanelsReturnData runs every query of every dashboard the way Grafana
// would against a real Prometheus (as scripts/tools.sh builds it) that
// scrapes the real exporter serving the demo dataset and evaluates the
// rules of rules/. A query that returns nothing fails: a panel showing
// "No data" on the demo is a broken panel.
//
// A fresh Prometheus has minutes of data, but the Board looks back two
// years (quarterly trends, quarter-on-quarter change with offset 91d). So
// before it starts, the test backfills the history those panels read: it
// scrapes the exporter once and writes the current values of the series
// they need, with the labels the scrape adds, every 6h over the past two
// years and two quarters, as OpenMetrics loaded by promtool tsdb
// create-blocks-from openmetrics. The recording rules those panels read are
// then evaluated by Prometheus over that history (with the rule's own
// expression from rules/) and loaded the same way, as Prometheus would have
// recorded them had it run for two years. The history is flat, the current
// value repeated: it tests that the panels find data across their range,
// not what a trend looks like.
func TestPanelsReturnData(t *testing.T) {
	stacktest.RequireBinary(t, "promtool", "prometheus")
	dashboards := loadDashboards(t)
	recorded := recordingRules(t)

	exporter := stacktest.StartExporter(t, stacktest.BuildExporter(t), "--demo")
	scrape := exporter.WaitCollections(t, 1, time.Minute)
	targetLabels := map[string]string{"job": job, "instance": exporter.Addr}

	// The history: from two years and two quarters ago (the quarter
	// before the oldest quarter-on-quarter change) to the last 6h mark.
	now := time.Now()
	end := now.Truncate(historyStep)
	start := now.Add(-2*365*24*time.Hour - 2*longRange).Truncate(historyStep)
	metrics, rules := historyNeeds(t, dashboards, recorded)
	dataDir := t.TempDir()
	stacktest.CreateBlocks(t, dataDir, history(t, scrape, metrics, targetLabels, start, end))
	if len(rules) > 0 {
		backfill := stacktest.StartPrometheus(t, stacktest.PrometheusConfig{DataDir: dataDir})
		om := ruleHistory(t, backfill, rules, recorded, start, end)
		backfill.Stop()
		stacktest.CreateBlocks(t, dataDir, om)
	}

	prom := stacktest.StartPrometheus(t, stacktest.PrometheusConfig{
		ScrapeInterval:     scrapeInterval,
		EvaluationInterval: 5 * time.Second,
		Targets:            map[string][]string{job: {exporter.Addr}},
		RuleFiles:          ruleFiles(t),
		DataDir:            dataDir,
	})
	// Two scrapes, so that increase() and rate() have two samples.
	prom.WaitVector(t, fmt.Sprintf(`count_over_time(up{job=%q}[5m]) >= 2`, job), time.Minute)

	// The site variable's query, and its "All" value.
	var sites []string
	if err := prom.Get("/api/v1/label/site/values", map[string][]string{"match[]": {"sems_kpi_target_ratio"}}, &sites); err != nil || len(sites) == 0 {
		t.Fatalf("label_values(sems_kpi_target_ratio, site) returned %v (%v)", sites, err)
	}

	var checks []*check
	for _, d := range dashboards {
		for _, p := range d.Panels {
			for _, q := range p.Targets {
				checks = append(checks, newCheck(t, d, p, q, sites))
			}
		}
	}
	// Rules are evaluated every 5s after the scrapes: retry a while.
	deadline := time.Now().Add(45 * time.Second)
	for {
		pending := 0
		for _, c := range checks {
			if c.err != nil || !c.ok {
				c.run(prom, time.Now())
				if !c.ok {
					pending++
				}
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no data (%v) from\n\t%s", c.where, c.err, c.expr)
		}
	}

	t.Logf("%d queries of %d dashboards returned data; history of %d metrics and %d recording rules", len(checks), len(dashboards), len(metrics), len(rules))

	// The long-range panels find the backfilled history across their
	// range, at the steps Grafana uses: at least four quarters of it.
	for _, c := range checks {
		if c.rng > longRange && c.q.Range {
			checkHistory(t, prom, c)
		}
	}
}

// check is one query of a panel, as Grafana would send it.
type check struct {
	where, expr string
	q           target
	rng, step   time.Duration
	ok          bool
	err         error
}

func newCheck(t *testing.T, d *dashboard, p panel, q target, sites []string) *check {
	t.Helper()
	rng, err := model.ParseDuration(strings.TrimPrefix(d.Time.From, "now-"))
	if err != nil {
		t.Fatalf("%s: time range %s: %v", d.path, d.Time.From, err)
	}
	step := grafanaStep(time.Duration(rng), p)
	rate := max(step+scrapeInterval, 4*scrapeInterval)
	return &check{
		where: fmt.Sprintf("%s: %s: %s", d.path, p.Title, q.RefID),
		expr:  expand(q.Expr, sites, step, rate, time.Duration(rng)),
		q:     q,
		rng:   time.Duration(rng),
		step:  step,
	}
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
	c.ok = c.err == nil && samples(v) > 0
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

// checkHistory runs a long-range query with Grafana's step alignment and
// requires data at least four quarters before its newest point.
func checkHistory(t *testing.T, p *stacktest.Prometheus, c *check) {
	t.Helper()
	now := time.Now()
	start, end := now.Add(-c.rng).Truncate(c.step), now.Truncate(c.step)
	v, err := p.QueryRange(c.expr, start, end, c.step)
	if err != nil {
		t.Errorf("%s: %v", c.where, err)
		return
	}
	var first, last model.Time
	for _, s := range v.(model.Matrix) {
		for _, pt := range s.Values {
			if first == 0 || pt.Timestamp < first {
				first = pt.Timestamp
			}
			last = max(last, pt.Timestamp)
		}
	}
	if first == 0 || last.Sub(first) < 4*longRange {
		t.Errorf("%s: data from %v to %v at %s steps, want at least four quarters\n\t%s", c.where, first.Time(), last.Time(), c.step, c.expr)
	}
}

// historyNeeds lists what the long-range dashboards read from the past:
// the metrics of their range queries and of queries that look back
// (offsets, range selectors), and the recording rules among them with,
// recursively, the metrics those rules read.
func historyNeeds(t *testing.T, ds []*dashboard, recorded map[string][]rule) (metrics, rules map[string]bool) {
	t.Helper()
	metrics, rules = map[string]bool{}, map[string]bool{}
	var add func(e parser.Expr)
	add = func(e parser.Expr) {
		for _, vs := range selectors(e) {
			switch {
			case len(recorded[vs.Name]) > 0 && !rules[vs.Name]:
				rules[vs.Name] = true
				for _, r := range recorded[vs.Name] {
					add(mustParse(t, r.Expr))
				}
			case len(recorded[vs.Name]) == 0:
				metrics[vs.Name] = true
			}
		}
	}
	for _, d := range ds {
		rng, _ := model.ParseDuration(strings.TrimPrefix(d.Time.From, "now-"))
		if time.Duration(rng) <= longRange {
			continue
		}
		for _, p := range d.Panels {
			for _, q := range p.Targets {
				e := mustParse(t, expand(q.Expr, []string{"x"}, time.Hour, time.Hour, time.Duration(rng)))
				if q.Range || looksBack(e) {
					add(e)
				}
			}
		}
	}
	return metrics, rules
}

func looksBack(e parser.Expr) bool {
	back := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.MatrixSelector, *parser.SubqueryExpr:
			back = true
		case *parser.VectorSelector:
			back = back || n.OriginalOffset > 0
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

// history writes the scraped series of the given metrics, with the scrape's
// target labels, every historyStep from start to end, as OpenMetrics.
func history(t *testing.T, scrape []byte, metrics map[string]bool, target map[string]string, start, end time.Time) []byte {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(scrape))
	if err != nil {
		t.Fatal(err)
	}
	var families []*dto.MetricFamily
	for name, mf := range mfs {
		if metrics[name] || metrics[name+"_bucket"] || metrics[name+"_sum"] || metrics[name+"_count"] {
			for _, m := range mf.Metric {
				for k, v := range target {
					m.Label = append(m.Label, &dto.LabelPair{Name: &k, Value: &v})
				}
			}
			families = append(families, mf)
		}
	}
	series := promtest.Flatten(families)
	if len(series) == 0 {
		t.Fatalf("the exporter serves none of %v", slices.Sorted(maps.Keys(metrics)))
	}
	var b bytes.Buffer
	for _, key := range slices.Sorted(maps.Keys(series)) {
		for ts := start; !ts.After(end); ts = ts.Add(historyStep) {
			fmt.Fprintf(&b, "%s %v %d\n", key, series[key], ts.Unix())
		}
	}
	b.WriteString("# EOF\n")
	return b.Bytes()
}

// ruleHistory evaluates recording rules over the backfilled history, on
// the same 6h grid, and writes the results under the rules' names and
// labels as OpenMetrics.
func ruleHistory(t *testing.T, p *stacktest.Prometheus, names map[string]bool, recorded map[string][]rule, start, end time.Time) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(names)) {
		for _, r := range recorded[name] {
			v, err := p.QueryRange(r.Expr, start, end, historyStep)
			if err != nil {
				t.Fatalf("evaluating %s over the history: %v", name, err)
			}
			for _, s := range v.(model.Matrix) {
				labels := model.LabelSet{}
				for k, v := range s.Metric {
					labels[k] = v
				}
				for k, v := range r.Labels {
					labels[model.LabelName(k)] = model.LabelValue(v)
				}
				delete(labels, model.MetricNameLabel)
				key := name + labelString(labels)
				for _, pt := range s.Values {
					fmt.Fprintf(&b, "%s %v %d\n", key, float64(pt.Value), pt.Timestamp.Unix())
				}
			}
		}
	}
	if b.Len() == 0 {
		t.Fatalf("the recording rules %v gave nothing over the history", slices.Sorted(maps.Keys(names)))
	}
	b.WriteString("# EOF\n")
	return b.Bytes()
}

// labelString renders labels in OpenMetrics form, sorted.
func labelString(ls model.LabelSet) string {
	var pairs []string
	for k, v := range ls {
		pairs = append(pairs, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(pairs)
	return "{" + strings.Join(pairs, ",") + "}"
}
