package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/metricsdoc"
	"github.com/sems-exporter/sems_exporter/internal/promtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sems-exporter-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "sems_exporter")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the exporter: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// exporter is a running exporter process.
type exporter struct {
	url string
	cmd *exec.Cmd
}

// start runs the exporter until the test ends (see launch).
func start(t *testing.T, args ...string) *exporter {
	t.Helper()
	return launch(t, args...).exporter
}

// scrape parses /metrics with the exposition-format parser Prometheus uses.
func (e *exporter) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatalf("scraping: %v", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the exposition: %v", err)
	}
	return mfs
}

// waitCollected scrapes until every configured family and indicator (each
// has its collections counter from start-up) has finished a collection.
func (e *exporter) waitCollected(t *testing.T) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(e.url + "/metrics"); err == nil {
			resp.Body.Close()
			samples := flat(e.scrape(t))
			configured, done := 0, 0
			for k, v := range samples {
				if strings.HasPrefix(k, "sems_collections_total{") {
					configured++
					if v >= 1 {
						done++
					}
				}
			}
			if configured > 0 && done == configured {
				return samples
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every family collected within 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// registeredKPIs lists the headline KPIs of every registered family.
func registeredKPIs() []string {
	var out []string
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		for _, k := range f.KPIs() {
			out = append(out, k.Name)
		}
	}
	return out
}

func flat(mfs map[string]*dto.MetricFamily) map[string]float64 {
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	return promtest.Flatten(list)
}

func TestDemoServesEveryFamily(t *testing.T) {
	e := start(t, "--demo")
	families := collectors.Names()
	samples := e.waitCollected(t)
	mfs := e.scrape(t)

	for _, f := range families {
		key := fmt.Sprintf(`sems_collection_success{family=%q,source="demo"}`, f)
		if samples[key] != 1 {
			t.Errorf("%s = %v, want 1", key, samples[key])
		}
		if samples[fmt.Sprintf(`sems_collection_records{family=%q,source="demo"}`, f)] == 0 {
			t.Errorf("family %s read no records from the demo", f)
		}
	}
	// Every family's headline KPI is graded for the organisation.
	for _, kpi := range registeredKPIs() {
		key := fmt.Sprintf(`sems_kpi_organisation_rag_status{kpi=%q}`, kpi)
		if v, ok := samples[key]; !ok || v < collectors.RAGGreen || v > collectors.RAGRed {
			t.Errorf("%s = %v (present %v), want a RAG status 0-2", key, v, ok)
		}
	}
	if samples[`sems_exporter_config_last_reload_successful{}`] != 1 {
		t.Error("sems_exporter_config_last_reload_successful is not 1")
	}
	if _, ok := mfs["sems_exporter_build_info"]; !ok {
		t.Error("the version collector's sems_exporter_build_info is missing")
	}

	// The metrics reference and /metrics agree, both ways.
	doc, err := metricsdoc.Load("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "sems_") {
			continue
		}
		m, ok := doc[name]
		if !ok {
			t.Errorf("%s is served but not in docs/metrics.md", name)
			continue
		}
		if want := strings.ToLower(mf.GetType().String()); m.Type != want {
			t.Errorf("%s is a %s, docs/metrics.md says %s", name, want, m.Type)
		}
	}
	for name, m := range doc {
		if _, ok := mfs[name]; !ok && !m.PostgresOnly {
			t.Errorf("%s is in docs/metrics.md but the demo does not serve it", name)
		}
	}

	// The landing page links to the metrics.
	resp, err := http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `href="/metrics"`) {
		t.Errorf("landing page: status %d, body %.200s", resp.StatusCode, body)
	}
}

// demoConfig writes a copy of the demo configuration and data to a temp dir.
func demoConfig(t *testing.T) string {
	t.Helper()
	dir, err := writeDemo(time.Now(), demo.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "demo.yml")
}

func TestConfigCheck(t *testing.T) {
	path := demoConfig(t)
	out, err := exec.Command(binary, "--config.file="+path, "--config.check").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the configuration is valid") {
		t.Fatalf("checking the demo configuration: %v\n%s", err, out)
	}
	broken := strings.Replace(readFile(t, path), "schedule:", "schedul:", 1)
	writeFile(t, path, broken)
	line := lineOf(broken, "schedul:")
	out, err = exec.Command(binary, "--config.file="+path, "--config.check").CombinedOutput()
	want := fmt.Sprintf("%s:%d: unknown key \"schedul\"", path, line)
	if err == nil || !strings.Contains(string(out), want) {
		t.Errorf("checking a broken configuration: err %v, output %q, want it to contain %q", err, out, want)
	}
}

func TestReloadKeepsRunningConfigOnError(t *testing.T) {
	path := demoConfig(t)
	e := start(t, "--config.file="+path, "--web.enable-lifecycle")
	before := e.waitCollected(t)
	good := readFile(t, path)

	writeFile(t, path, good+"\nnot: [valid\n")
	resp, err := http.Post(e.url+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("reloading a broken file: status %d, want 500", resp.StatusCode)
	}
	after := flat(e.scrape(t))
	if after[`sems_exporter_config_last_reload_successful{}`] != 0 {
		t.Error("a failed reload is not visible in sems_exporter_config_last_reload_successful")
	}
	key := `sems_kpi_organisation_ratio{kpi="training_current"}`
	if after[key] != before[key] {
		t.Errorf("%s changed from %v to %v after a refused reload", key, before[key], after[key])
	}

	writeFile(t, path, good)
	resp, err = http.Post(e.url+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("reloading a good file: status %d", resp.StatusCode)
	}
	if v := flat(e.scrape(t))[`sems_exporter_config_last_reload_successful{}`]; v != 1 {
		t.Errorf("after a good reload sems_exporter_config_last_reload_successful = %v", v)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func lineOf(text, needle string) int {
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), needle) {
			return n
		}
	}
	return 0
}
