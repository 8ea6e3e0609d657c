package stacktest

import (
	"os/exec"
	"testing"
	"time"
)

// StartThanos runs a Thanos component, such as "receive" or "query", with
// its flags, and waits until its HTTP server at httpAddr (which the flags
// must set) is ready. Thanos Query serves Prometheus's query API, so the
// result queries as a Prometheus does.
func StartThanos(t testing.TB, httpAddr, component string, flags ...string) *Prometheus {
	t.Helper()
	bin := RequireBinary(t, "thanos", "")
	p := &Prometheus{Addr: httpAddr, URL: "http://" + httpAddr}
	p.proc = startProcess(t, "thanos "+component, bin, append([]string{component}, flags...)...)
	p.waitReady(t, 60*time.Second)
	return p
}

// RunThanos runs a Thanos command that ends by itself, such as "compact"
// without --wait or "tools bucket upload-blocks", and returns its output.
func RunThanos(t testing.TB, args ...string) string {
	t.Helper()
	bin := RequireBinary(t, "thanos", "")
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("thanos %v: %v\n%s", args, err, out)
	}
	return string(out)
}
