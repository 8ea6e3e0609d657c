package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/collectors"

	"github.com/sems-exporter/sems_exporter/internal/syncbuf"
)

// process is an exporter whose log can be read while it runs and whose
// exit can be seen; its scrape helpers are those of exporter.
type process struct {
	*exporter
	output *syncbuf.Buffer
	done   chan struct{}
}

// launch runs the exporter on a free loopback port until the test ends,
// then stops it and, if the test failed, logs its output.
func launch(t *testing.T, args ...string) *process {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &process{exporter: &exporter{url: "http://" + addr}, output: &syncbuf.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, append([]string{"--web.listen-address=" + addr}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("exporter log:\n%s", p.output)
		}
	})
	return p
}

// stop interrupts the exporter and waits for it, killing it after 10 s.
func (p *process) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// until scrapes until cond holds, bounded.
func (p *process) until(t *testing.T, what string, cond func(map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if samples, ok := p.samples(); ok && cond(samples) {
			return samples
		}
		if p.exited() {
			t.Fatalf("the exporter exited while waiting for %s", what)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60 s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// samples scrapes once; false while the exporter does not answer.
func (p *process) samples() (map[string]float64, bool) {
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, false
	}
	return flat(mfs), true
}

func TestSIGHUPReloadKeepsRunningConfigOnError(t *testing.T) {
	path := demoConfig(t)
	fast := strings.ReplaceAll(readFile(t, path), `"@every 1m"`, `"@every 1s"`)
	writeFile(t, path, fast)
	p := launch(t, "--config.file="+path)
	families := collectors.Names()
	before := p.waitCollected(t)
	if before[`sems_exporter_config_last_reload_successful{}`] != 1 {
		t.Fatal("the first load is not reported as successful")
	}
	loadedAt := before[`sems_exporter_config_last_reload_success_timestamp_seconds{}`]

	// Two problems: capa's found first (families are checked in the order
	// of their names), equipment's first in the file.
	broken := strings.Replace(fast, "  capa:\n", "  capa:\n    scheduel: daily\n", 1)
	broken = strings.Replace(broken, "  equipment:\n", "  equipment:\n    scheduel: daily\n", 1)
	writeFile(t, path, broken)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	const runs = `sems_collections_total{family="capa",source="demo"}`
	after := p.until(t, "the refused reload to show", func(m map[string]float64) bool {
		return m[`sems_exporter_config_last_reload_successful{}`] == 0
	})
	// The running configuration goes on collecting every second.
	later := p.until(t, "a collection after the refused reload", func(m map[string]float64) bool {
		return m[runs] > after[runs]
	})
	for _, f := range families {
		key := fmt.Sprintf(`sems_collection_success{family=%q,source="demo"}`, f)
		if later[key] != 1 {
			t.Errorf("after a refused reload %s = %v, want 1", key, later[key])
		}
	}
	for _, kpi := range registeredKPIs() {
		key := fmt.Sprintf(`sems_kpi_organisation_ratio{kpi=%q}`, kpi)
		if later[key] != before[key] {
			t.Errorf("%s changed from %v to %v after a refused reload", key, before[key], later[key])
		}
	}
	if got := later[`sems_exporter_config_last_reload_success_timestamp_seconds{}`]; got != loadedAt {
		t.Errorf("a refused reload moved the last success time from %v to %v", loadedAt, got)
	}
	// One log line a problem, in the order of the file.
	equipmentLine := lineOf(broken, "  equipment:") + 1
	capaLine := lineOf(broken, "  capa:") + 1
	var problems []string
	for _, line := range strings.Split(p.output.String(), "\n") {
		if strings.Contains(line, "keeping the running one") {
			problems = append(problems, line)
		}
	}
	if len(problems) != 2 {
		t.Fatalf("the refused reload is logged on %d lines, want 2, one a problem:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	for i, line := range []int{equipmentLine, capaLine} {
		want := fmt.Sprintf("%s:%d: unknown key \\\"scheduel\\\"", path, line)
		if !strings.Contains(problems[i], want) {
			t.Errorf("log line %d of the refused reload is %s, want it to report %s", i+1, problems[i], want)
		}
	}

	// A good file is taken on the next SIGHUP: a 2 s schedule for capa.
	good := strings.Replace(fast, "  capa:\n    source: demo\n    file: capa.csv\n    schedule: \"@every 1s\"\n",
		"  capa:\n    source: demo\n    file: capa.csv\n    schedule: \"@every 2s\"\n", 1)
	if good == fast {
		t.Fatal("the demo configuration's capa block has changed; update this test")
	}
	writeFile(t, path, good)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// One scrape runs the collectors side by side: it may show the new
	// reload status beside the old snapshot, so wait for both.
	reloaded := p.until(t, "the good reload, with capa collected every 2 s", func(m map[string]float64) bool {
		return m[`sems_exporter_config_last_reload_successful{}`] == 1 &&
			m[`sems_collection_interval_seconds{family="capa",source="demo"}`] == 2
	})
	if reloaded[`sems_exporter_config_last_reload_success_timestamp_seconds{}`] <= loadedAt {
		t.Error("a good reload did not move the last success time")
	}
}

// TestConfigCheckNamesFileLineAndProblem runs --config.check on a file
// broken in several places, the label guard's vocabulary rules among them.
func TestConfigCheckNamesFileLineAndProblem(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sems.yml")
	text := `sites: [north, South Terminal]
sources:
  exports: {type: csv, directory: csv}
  db: {type: postgres, dsn_env: SEMS_TEST_UNSET_DSN}
families:
  equipment:
    source: exports
    file: equipment.csv
    schedule: "every day"
    vocabulary:
      equipment_type: [cctv, Body Scanner, XRAY]
  incidents:
    source: db
    query: SELECT * FROM incident_log
    vocabulary:
      category: [theft, "J. Smith's complaint"]
`
	writeFile(t, path, text)
	t.Setenv("SEMS_TEST_UNSET_DSN", "")
	out, err := exec.Command(binary, "--config.file="+path, "--config.check").CombinedOutput()
	if err == nil {
		t.Fatalf("--config.check accepted a broken file:\n%s", out)
	}
	for _, want := range []struct{ at, msg string }{
		{"sites:", `"South Terminal" is not a site code`},
		{"dsn_env:", "environment variable SEMS_TEST_UNSET_DSN is not set"},
		{"schedule:", `invalid schedule "every day"`},
		{"equipment_type:", `"Body Scanner" is not a label value`},
		{"equipment_type:", `"XRAY" is not a label value`},
		{"category:", `"J. Smith's complaint" is not a label value`},
	} {
		prefix := fmt.Sprintf("%s:%d: ", path, lineOf(text, want.at))
		found := false
		for _, l := range strings.Split(string(out), "\n") {
			found = found || strings.HasPrefix(l, prefix) && strings.Contains(l, want.msg)
		}
		if !found {
			t.Errorf("no line starting %q containing %q in:\n%s", prefix, want.msg, out)
		}
	}
	// Every line of the report names the file and a line.
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(path) + `:[1-9][0-9]*: \S`)
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !line.MatchString(l) {
			t.Errorf("report line %q does not name the file and a line", l)
		}
	}
}

// TestReloadSurvivesAnEmptyFamily reloads a file whose capa block lost its
// contents, by SIGHUP and by POST: both are refused, the exporter runs on.
func TestReloadSurvivesAnEmptyFamily(t *testing.T) {
	path := demoConfig(t)
	good := readFile(t, path)
	const capa = "  capa:\n    source: demo\n    file: capa.csv\n    schedule: \"@every 1m\"\n    timeout: 30s\n"
	if !strings.Contains(good, capa) {
		t.Fatal("the demo configuration's capa block has changed; update this test")
	}
	p := launch(t, "--config.file="+path, "--web.enable-lifecycle")
	p.waitCollected(t)

	writeFile(t, path, strings.Replace(good, capa, "  capa:\n", 1))
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.until(t, "the refused reload to show", func(m map[string]float64) bool {
		return m[`sems_exporter_config_last_reload_successful{}`] == 0
	})
	resp, err := http.Post(p.url+"/-/reload", "", nil)
	if err != nil {
		t.Fatalf("POST /-/reload: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("POST /-/reload: status %d, want 500", resp.StatusCode)
	}
	if v := p.until(t, "a scrape", func(map[string]float64) bool { return true })[`sems_collection_success{family="capa",source="demo"}`]; v != 1 {
		t.Errorf("capa's sems_collection_success = %v after refused reloads, want 1", v)
	}
}
