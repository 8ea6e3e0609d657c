package stacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// PrometheusConfig is what a test Prometheus scrapes and evaluates.
type PrometheusConfig struct {
	// ScrapeInterval defaults to 15s, EvaluationInterval to 5s.
	ScrapeInterval, EvaluationInterval time.Duration
	// Targets maps a job name to the host:port targets whose /metrics it
	// scrapes.
	Targets map[string][]string
	// RuleFiles are loaded as they are: recording and alerting rules. Glob
	// patterns work, as in a Prometheus configuration.
	RuleFiles []string
	// Alertmanagers are the host:port addresses alerts are sent to.
	Alertmanagers []string
	// DataDir is an existing TSDB directory, such as one CreateBlocks has
	// backfilled; empty means a new temporary directory.
	DataDir string
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	Addr, URL, DataDir string
	proc               *process
}

// StartPrometheus writes a configuration file for c, starts the
// prometheus binary on a free loopback port and waits until it is ready.
func StartPrometheus(t testing.TB, c PrometheusConfig) *Prometheus {
	t.Helper()
	bin := RequireBinary(t, "prometheus", "prometheus")
	dir := t.TempDir()
	if c.DataDir == "" {
		c.DataDir = filepath.Join(dir, "data")
	}
	// Prometheus resolves relative rule files against its configuration
	// file, which lives in a temporary directory.
	rules := make([]string, len(c.RuleFiles))
	for i, f := range c.RuleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		rules[i] = abs
	}
	c.RuleFiles = rules
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, prometheusYAML(c), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := FreeAddr(t)
	p := &Prometheus{Addr: addr, URL: "http://" + addr, DataDir: c.DataDir}
	p.proc = startProcess(t, "prometheus", bin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+c.DataDir,
		// The default 15-day retention would delete backfilled history.
		"--storage.tsdb.retention.time=10y",
		"--web.listen-address="+addr,
	)
	p.waitReady(t, 60*time.Second)
	return p
}

// The parts of the Prometheus configuration file that tests set.
type (
	promConfig struct {
		Global struct {
			ScrapeInterval     string `yaml:"scrape_interval"`
			EvaluationInterval string `yaml:"evaluation_interval"`
		} `yaml:"global"`
		RuleFiles     []string      `yaml:"rule_files,omitempty"`
		ScrapeConfigs []scrapeJob   `yaml:"scrape_configs,omitempty"`
		Alerting      *promAlerting `yaml:"alerting,omitempty"`
	}
	scrapeJob struct {
		Name          string         `yaml:"job_name"`
		StaticConfigs []staticConfig `yaml:"static_configs"`
	}
	promAlerting struct {
		Alertmanagers []struct {
			StaticConfigs []staticConfig `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	}
	staticConfig struct {
		Targets []string `yaml:"targets"`
	}
)

func prometheusYAML(c PrometheusConfig) []byte {
	scrape, eval := c.ScrapeInterval, c.EvaluationInterval
	if scrape == 0 {
		scrape = 15 * time.Second
	}
	if eval == 0 {
		eval = 5 * time.Second
	}
	cfg := promConfig{RuleFiles: c.RuleFiles}
	cfg.Global.ScrapeInterval = model.Duration(scrape).String()
	cfg.Global.EvaluationInterval = model.Duration(eval).String()
	jobs := slices.Sorted(maps.Keys(c.Targets))
	for _, name := range jobs {
		cfg.ScrapeConfigs = append(cfg.ScrapeConfigs, scrapeJob{Name: name, StaticConfigs: []staticConfig{{Targets: c.Targets[name]}}})
	}
	if len(c.Alertmanagers) > 0 {
		cfg.Alerting = &promAlerting{}
		cfg.Alerting.Alertmanagers = make([]struct {
			StaticConfigs []staticConfig `yaml:"static_configs"`
		}, 1)
		cfg.Alerting.Alertmanagers[0].StaticConfigs = []staticConfig{{Targets: c.Alertmanagers}}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return out
}

func (p *Prometheus) waitReady(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(p.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if p.proc.exited() {
			t.Fatalf("%s exited:\n%s", p.proc.name, p.proc.log.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready within %s", p.proc.name, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the server, keeping its data directory for another start; the
// test's cleanup stops it too.
func (p *Prometheus) Stop() { p.proc.stop() }

// Get calls the HTTP API at path (such as "/api/v1/rules") with params and
// decodes the "data" member of a successful answer into data.
func (p *Prometheus) Get(path string, params url.Values, data any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path+"?"+params.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("GET %s: %s: %w", path, resp.Status, err)
	}
	if answer.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", path, answer.ErrorType, answer.Error)
	}
	return json.Unmarshal(answer.Data, data)
}

// Query evaluates expr at time at: a model.Vector, model.Scalar or
// model.String.
func (p *Prometheus) Query(expr string, at time.Time) (model.Value, error) {
	return p.QueryWith(expr, at, nil)
}

// QueryWith is Query with further parameters of the query API, such as
// Thanos Query's dedup.
func (p *Prometheus) QueryWith(expr string, at time.Time, params url.Values) (model.Value, error) {
	all := url.Values{"query": {expr}, "time": {formatTime(at)}}
	for k, v := range params {
		all[k] = v
	}
	return p.query("/api/v1/query", all)
}

// QueryRange evaluates expr from start to end every step: a model.Matrix.
func (p *Prometheus) QueryRange(expr string, start, end time.Time, step time.Duration) (model.Value, error) {
	return p.query("/api/v1/query_range", url.Values{
		"query": {expr},
		"start": {formatTime(start)},
		"end":   {formatTime(end)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	})
}

func (p *Prometheus) query(path string, params url.Values) (model.Value, error) {
	var data struct {
		Type   model.ValueType `json:"resultType"`
		Result json.RawMessage `json:"result"`
	}
	if err := p.Get(path, params, &data); err != nil {
		return nil, err
	}
	switch data.Type {
	case model.ValVector:
		var v model.Vector
		return v, json.Unmarshal(data.Result, &v)
	case model.ValMatrix:
		var m model.Matrix
		return m, json.Unmarshal(data.Result, &m)
	case model.ValScalar:
		s := &model.Scalar{}
		return s, json.Unmarshal(data.Result, s)
	case model.ValString:
		s := &model.String{}
		return s, json.Unmarshal(data.Result, s)
	}
	return nil, fmt.Errorf("unknown result type %q", data.Type)
}

func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}

// WaitVector evaluates expr until it returns a non-empty vector, and
// returns it.
func (p *Prometheus) WaitVector(t testing.TB, expr string, timeout time.Duration) model.Vector {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, err := p.Query(expr, time.Now())
		if vec, ok := v.(model.Vector); ok && err == nil && len(vec) > 0 {
			return vec
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s returned nothing within %s (last error: %v)", expr, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// CreateBlocks loads an OpenMetrics text (ending with "# EOF") into the
// TSDB directory dataDir with promtool, before a Prometheus starts on it:
// the way to give a test Prometheus history it could not have scraped.
// Blocks are of up to 1458h (about 60 days), a Prometheus compaction
// range; the default 2h would make thousands of blocks from years.
func CreateBlocks(t testing.TB, dataDir string, openMetrics []byte) {
	t.Helper()
	CreateBlocksOf(t, 1458*time.Hour, dataDir, openMetrics)
}

// CreateBlocksOf is CreateBlocks with blocks of at most maxBlock, such as
// the 2h blocks a Prometheus or Thanos Receive uploads.
func CreateBlocksOf(t testing.TB, maxBlock time.Duration, dataDir string, openMetrics []byte) {
	t.Helper()
	promtool := RequireBinary(t, "promtool", "prometheus")
	in := filepath.Join(t.TempDir(), "backfill.om")
	if err := os.WriteFile(in, openMetrics, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "tsdb", "create-blocks-from", "--max-block-duration="+model.Duration(maxBlock).String(), "--quiet", "openmetrics", in, dataDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
}
