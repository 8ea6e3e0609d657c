package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/syncbuf"
)

// buildExporter builds the exporter binary from the repository at root.
func buildExporter(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "sems_exporter")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/sems_exporter")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the exporter: %v\n%s", err, out)
	}
	return bin, nil
}

// exporter is a running exporter process.
type exporter struct {
	url string
	cmd *exec.Cmd
	log *syncbuf.Buffer
	// exited is closed when the process has ended.
	exited chan struct{}
}

func startExporter(bin, config, dsn string, env []string) (*exporter, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	e := &exporter{url: "http://" + addr, log: &syncbuf.Buffer{}, exited: make(chan struct{})}
	e.cmd = exec.Command(bin, "--config.file="+config, "--web.listen-address="+addr)
	e.cmd.Env = append(append(os.Environ(), env...), dsnEnv+"="+dsn)
	e.cmd.Stdout, e.cmd.Stderr = e.log, e.log
	if err := e.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = e.cmd.Wait(); close(e.exited) }()
	return e, nil
}

// stop ends the process: SIGINT, then SIGKILL if it has not exited in 10 s.
func (e *exporter) stop() {
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.exited:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
}

// gone reports an exporter that has exited, a refused configuration say,
// with its log: waiting on it would only time out.
func (e *exporter) gone() error {
	select {
	case <-e.exited:
		return e.fail(fmt.Errorf("the exporter exited"))
	default:
		return nil
	}
}

// fail wraps err with the end of the exporter's log.
func (e *exporter) fail(err error) error {
	log := e.log.String()
	if len(log) > 4000 {
		log = "..." + log[len(log)-4000:]
	}
	return fmt.Errorf("%w\nexporter log:\n%s", err, log)
}

// memory reads the process's peak and current resident set sizes, in bytes.
func (e *exporter) memory() (peak, current float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", e.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmHWM:":
			peak = kb * 1024
		case "VmRSS:":
			current = kb * 1024
		}
	}
	return peak, current, sc.Err()
}

// scrapeText fetches /metrics in the text format, uncompressed.
func scrapeText(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return body, nil
}

func parseText(body []byte) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(bytes.NewReader(body))
}

// familyHealth is what the exporter's health metrics say of one family.
type familyHealth struct {
	collections, failures, success, duration, records float64
	rejected                                          float64
	// started is when the last successful collection began, Unix seconds.
	started float64
}

func health(mfs map[string]*dto.MetricFamily) map[string]familyHealth {
	out := map[string]familyHealth{}
	set := func(metric string, f func(h *familyHealth, v float64)) {
		for _, m := range mfs[metric].GetMetric() {
			var fam string
			for _, l := range m.GetLabel() {
				if l.GetName() == "family" {
					fam = l.GetValue()
				}
			}
			h := out[fam]
			f(&h, m.GetGauge().GetValue()+m.GetCounter().GetValue())
			out[fam] = h
		}
	}
	set("sems_collections_total", func(h *familyHealth, v float64) { h.collections = v })
	set("sems_collection_failures_total", func(h *familyHealth, v float64) { h.failures = v })
	set("sems_collection_success", func(h *familyHealth, v float64) { h.success = v })
	set("sems_collection_duration_seconds", func(h *familyHealth, v float64) { h.duration = v })
	set("sems_collection_last_success_timestamp_seconds", func(h *familyHealth, v float64) { h.started = v })
	set("sems_collection_records", func(h *familyHealth, v float64) { h.records = v })
	set("sems_collection_records_rejected", func(h *familyHealth, v float64) { h.rejected += v })
	return out
}

// each watches /metrics and calls f after each collection of the family
// that ends, with what the health metrics say of it, until f is done or
// limit has passed. Collections ending between two polls count as one: the
// health metrics tell only of the last.
func (e *exporter) each(ctx context.Context, client *http.Client, family string, limit time.Duration, f func(h familyHealth) (done bool, err error)) error {
	deadline := time.Now().Add(limit)
	seen := 0.0
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.gone(); err != nil {
			return err
		}
		body, err := scrapeText(ctx, client, e.url)
		if err == nil {
			mfs, err := parseText(body)
			if err != nil {
				return err
			}
			h := health(mfs)[family]
			if h.failures > 0 {
				return e.fail(fmt.Errorf("a collection of %s failed", family))
			}
			if h.collections > seen {
				seen = h.collections
				done, err := f(h)
				if err != nil || done {
					return err
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return e.fail(fmt.Errorf("%s: not done within %v", family, limit))
}

// healthNow scrapes the exporter's health metrics once.
func (e *exporter) healthNow(ctx context.Context, client *http.Client) (map[string]familyHealth, error) {
	body, err := scrapeText(ctx, client, e.url)
	if err != nil {
		return nil, err
	}
	mfs, err := parseText(body)
	if err != nil {
		return nil, err
	}
	return health(mfs), nil
}

// waitCollected waits until every family has completed a collection and
// returns the scrape that shows it.
func (e *exporter) waitCollected(ctx context.Context, client *http.Client, families []string, limit time.Duration) ([]byte, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := e.gone(); err != nil {
			return nil, err
		}
		if body, err := scrapeText(ctx, client, e.url); err == nil {
			mfs, err := parseText(body)
			if err != nil {
				return nil, err
			}
			hs, done := health(mfs), 0
			for _, f := range families {
				if hs[f].failures > 0 {
					return nil, e.fail(fmt.Errorf("a collection of %s failed", f))
				}
				if hs[f].success == 1 {
					done++
				}
			}
			if done == len(families) {
				return body, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil, e.fail(fmt.Errorf("not every family collected within %v", limit))
}
