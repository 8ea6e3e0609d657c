// Package stacktest runs the real parts of the monitoring stack for tests:
// the exporter binary built from this repository, and Prometheus,
// Alertmanager and Thanos as scripts/tools.sh builds them, each on a free
// loopback port with its own temporary files. Every process is stopped, and
// its log printed if the test failed, when the test ends.
package stacktest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/syncbuf"
)

// ModuleRoot is the directory of the repository's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("not inside the module: go env GOMOD is empty")
	}
	return filepath.Dir(mod)
}

// RequireBinary returns the path of a program the test cannot do without,
// failing the test with where to get it when it is missing: scripts/test.sh
// builds the servers (scripts/tools.sh) or installs the Debian package, if
// one is given.
func RequireBinary(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if debianPackage == "" {
		t.Fatalf("%s not found in PATH: run the tests with scripts/test.sh, which builds it", name)
	}
	t.Fatalf("%s not found in PATH: run the tests with scripts/test.sh, or install the Debian package %s", name, debianPackage)
	return ""
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago. Fixed ports are never used: a system service may hold them.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// BuildExporter builds cmd/sems_exporter into the test's temporary
// directory and returns the binary's path.
func BuildExporter(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sems_exporter")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sems_exporter")
	cmd.Dir = ModuleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the exporter: %v\n%s", err, out)
	}
	return bin
}

// Exporter is a running exporter process.
type Exporter struct {
	Addr string // host:port
	URL  string // http://host:port
	proc *process
}

// StartExporter runs binary with args on a free loopback port; the args
// must not set --web.listen-address.
func StartExporter(t testing.TB, binary string, args ...string) *Exporter {
	t.Helper()
	addr := FreeAddr(t)
	e := &Exporter{Addr: addr, URL: "http://" + addr}
	e.proc = startProcess(t, "exporter", binary, append([]string{"--web.listen-address=" + addr}, args...)...)
	return e
}

// Scrape returns the body of /metrics.
func (e *Exporter) Scrape() ([]byte, error) {
	resp, err := http.Get(e.URL + "/metrics")
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

// WaitCollections scrapes until every configured family has finished at
// least n collections (sems_collections_total >= n for every series) and
// returns that scrape.
func (e *Exporter) WaitCollections(t testing.TB, n int, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		body, err := e.Scrape()
		if err == nil && collected(body, n) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exporter did not finish %d collection(s) of every family within %s (last error: %v)", n, timeout, err)
		}
		if e.proc.exited() {
			t.Fatalf("the exporter exited:\n%s", e.proc.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func collected(exposition []byte, n int) bool {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(exposition))
	if err != nil {
		return false
	}
	runs, ok := mfs["sems_collections_total"]
	if !ok || len(runs.GetMetric()) == 0 {
		return false
	}
	for _, m := range runs.GetMetric() {
		if m.GetCounter().GetValue() < float64(n) {
			return false
		}
	}
	return true
}

// process is a started program whose output is kept for the test log.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan struct{}
	once sync.Once
}

func startProcess(t testing.TB, name, binary string, args ...string) *process {
	t.Helper()
	p := &process{name: name, log: &syncbuf.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, p.log.String())
		}
	})
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to terminate and kills it if it has not within 10 s.
func (p *process) stop() {
	p.once.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
}
