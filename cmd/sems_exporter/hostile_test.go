package main

// The hostile-input suite of the exporter process: clients that hold
// connections open and send nothing, a source that never answers while
// reload and shutdown are asked for, flags that used to panic.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// closedWithin reports whether the server closes c within d, reading
// whatever it sends first.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return err == nil // EOF: closed by the server, not the deadline
}

// TestHostileIdleConnections opens connections that send nothing, half a
// request, or sit idle after one: with no server timeouts each held a file
// descriptor for ever, and at the process limit every scrape failed. With
// 1 s timeouts each is closed within 3 s, in plain HTTP and before a TLS
// handshake.
func TestHostileIdleConnections(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	webFile := filepath.Join(dir, "web.yml")
	writeFile(t, webFile, fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\n", certFile, keyFile))
	timeouts := []string{"--demo", "--web.read-timeout=1s", "--web.idle-timeout=1s"}
	for _, tc := range []struct {
		name string
		args []string
	}{{"http", timeouts}, {"tls", append(timeouts, "--web.config.file="+webFile)}} {
		t.Run(tc.name, func(t *testing.T) {
			p := launch(t, tc.args...)
			addr := strings.TrimPrefix(p.url, "http://")
			waitListening(t, addr)
			var conns []net.Conn
			dial := func(first string) net.Conn {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				if first != "" {
					if _, err := io.WriteString(c, first); err != nil {
						t.Fatal(err)
					}
				}
				return c
			}
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			silent := make([]net.Conn, 20)
			for i := range silent {
				silent[i] = dial("")
			}
			cases := map[string]net.Conn{"half a request": dial("GET /metrics HTTP/1.1\r\nHost: x\r\n")}
			if tc.name == "http" {
				// An idle keep-alive after one answered request.
				c := dial("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
				cases["idle keep-alive"] = c
			}
			for i, c := range silent {
				cases[fmt.Sprintf("silent connection %d", i)] = c
			}
			for name, c := range cases {
				if !closedWithin(c, 3*time.Second) {
					t.Errorf("%s: still open after 3 s", name)
				}
			}
		})
	}
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exporter does not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHostileTelemetryPath: paths the server cannot route, or that its
// own endpoints take, panicked at start-up with a stack trace.
func TestHostileTelemetryPath(t *testing.T) {
	for _, p := range []string{"/-/reload", "/-/healthy", "metrics", "/ metrics", "/{x}", "/a/../metrics"} {
		out, err := exec.Command(binary, "--demo", "--web.listen-address=127.0.0.1:0", "--web.telemetry-path="+p).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || bytes.Contains(out, []byte("goroutine")) || !bytes.Contains(out, []byte("invalid --web.telemetry-path")) {
			t.Errorf("--web.telemetry-path=%q: %v\n%s", p, err, out)
		}
	}
}

// TestHostileBlockedSource points a family at a PostgreSQL port that
// accepts connections and never answers. Each collection ends at its 2 s
// timeout and is counted as failed; a reload and then SIGTERM, asked for
// while a collection is blocked, are done within a few seconds. Before,
// the first collection never ended, nothing showed a problem, the reload
// hung and the process outlived SIGTERM.
func TestHostileBlockedSource(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	t.Setenv("SEMS_HOSTILE_DSN", "postgres://sems@"+l.Addr().String()+"/sems?sslmode=disable")
	dir := t.TempDir()
	path := filepath.Join(dir, "sems.yml")
	writeFile(t, path, `sites: [north]
sources:
  silent: {type: postgres, dsn_env: SEMS_HOSTILE_DSN}
families:
  incidents:
    source: silent
    schedule: "@every 1s"
    timeout: 2s
    query: SELECT * FROM incident_log
`)
	p := launch(t, "--config.file="+path, "--web.enable-lifecycle")
	const fails = `sems_collection_failures_total{family="incidents",source="silent"}`
	got := p.until(t, "two failed collections", func(m map[string]float64) bool { return m[fails] >= 2 })
	if v := got[`sems_collection_success{family="incidents",source="silent"}`]; v != 0 {
		t.Errorf("success = %v while the source never answers", v)
	}
	if d := got[`sems_collection_duration_seconds{family="incidents",source="silent"}`]; d < 2 || d > 4 {
		t.Errorf("a blocked collection took %v s, want its 2 s timeout", d)
	}

	start := time.Now()
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Post(p.url+"/-/reload", "", nil)
	if err != nil {
		t.Fatalf("reloading while a collection is blocked: %v", err)
	}
	resp.Body.Close()
	if d := time.Since(start); resp.StatusCode != http.StatusOK || d > 5*time.Second {
		t.Errorf("reload while blocked: status %d after %v, want 200 within 5 s", resp.StatusCode, d)
	}

	time.Sleep(1500 * time.Millisecond) // a collection is under way again
	start = time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Error("still running 5 s after SIGTERM while a collection is blocked")
	}
}
