package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestLifecycleEndpoints: POST /-/reload is off unless enabled, as
// Prometheus's is; a reload of an unchanged file collects nothing again
// (20 POSTs made about 20 collections); /-/ready answers once every family
// has collected.
func TestLifecycleEndpoints(t *testing.T) {
	path := demoConfig(t)
	hourly := strings.ReplaceAll(readFile(t, path), `"@every 1m"`, `"@every 1h"`)
	writeFile(t, path, hourly)

	off := launch(t, "--config.file="+path)
	off.waitCollected(t)
	if code, body := post(t, off.url+"/-/reload"); code != http.StatusForbidden || !strings.Contains(body, "--web.enable-lifecycle") {
		t.Errorf("POST /-/reload without --web.enable-lifecycle: %d %q, want 403 naming the flag", code, body)
	}
	resp, err := http.Get(off.url + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/-/ready after every family collected: %d, want 200", resp.StatusCode)
	}
	off.stop()

	on := launch(t, "--config.file="+path, "--web.enable-lifecycle")
	before := on.waitCollected(t)
	for range 20 {
		if code, body := post(t, on.url+"/-/reload"); code != http.StatusOK {
			t.Fatalf("POST /-/reload: %d %q", code, body)
		}
	}
	// Every collection is hourly: any further one was made by a reload.
	time.Sleep(time.Second)
	after := flat(on.scrape(t))
	for k, v := range before {
		if strings.HasPrefix(k, "sems_collections_total{") && after[k] != v {
			t.Errorf("%s went from %v to %v over 20 reloads of an unchanged file", k, v, after[k])
		}
	}
	if after[`sems_exporter_config_last_reload_successful{}`] != 1 {
		t.Error("a reload of an unchanged file is not reported as successful")
	}

	// A changed file is loaded, and its families collected again.
	writeFile(t, path, hourly+"\n# changed\n")
	if code, body := post(t, on.url+"/-/reload"); code != http.StatusOK {
		t.Fatalf("POST /-/reload of a changed file: %d %q", code, body)
	}
	const runs = `sems_collections_total{family="capa",source="demo"}`
	on.until(t, "a collection after reloading a changed file", func(m map[string]float64) bool { return m[runs] == before[runs]+1 })
	if !strings.Contains(on.output.String(), "configuration unchanged: nothing reloaded") {
		t.Error("the skipped reloads are not logged")
	}
}

// TestDemoCleansUpWhenStartFails: with its port taken, --demo exited and
// left its 1.6 MB temporary directory behind.
func TestDemoCleansUpWhenStartFails(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tmp := t.TempDir()
	cmd := exec.Command(binary, "--demo", "--web.listen-address="+taken.Addr().String())
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the exporter started on a port in use:\n%s", out)
	}
	if !strings.Contains(string(out), "serving the demo dataset") {
		t.Fatalf("the demo was not prepared before the failure:\n%s", out)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
	}
}
