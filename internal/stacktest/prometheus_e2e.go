package stacktest

import (
	"testing"
	"time"
)

// StartPrometheusFile starts the prometheus binary with an existing
// configuration file, listening on addr (the file may name addr, as a
// Prometheus that scrapes itself does), its data in a temporary directory,
// and waits until it is ready. extraArgs are further flags.
func StartPrometheusFile(t testing.TB, config, addr string, extraArgs ...string) *Prometheus {
	t.Helper()
	bin := RequireBinary(t, "prometheus", "prometheus")
	p := &Prometheus{Addr: addr, URL: "http://" + addr, DataDir: t.TempDir()}
	p.proc = startProcess(t, "prometheus", bin, append([]string{
		"--config.file=" + config,
		"--storage.tsdb.path=" + p.DataDir,
		"--web.listen-address=" + addr,
	}, extraArgs...)...)
	p.waitReady(t, 60*time.Second)
	return p
}
