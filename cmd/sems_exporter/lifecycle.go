package main

import (
	"fmt"
	"net/http"

	"github.com/sems-exporter/sems_exporter/internal/snapshot"
)

// reloadHandler serves POST /-/reload when the lifecycle endpoints are
// enabled. They are off by default, as Prometheus's are: a reload
// collects from every source again, and without a web configuration
// anyone who reaches the port could ask for one.
func (r *reloader) reloadHandler(enabled bool) http.HandlerFunc {
	if !enabled {
		return func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Lifecycle API is not enabled: start the exporter with --web.enable-lifecycle, or send it SIGHUP.", http.StatusForbidden)
		}
	}
	return r.handleReload
}

// readyHandler answers 200 once every configured family has finished a
// collection, failed or not, and 503 before: until then /metrics lacks
// what some families will say.
func readyHandler(snap *snapshot.Snapshot) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !snap.Ready() {
			http.Error(w, "Not ready: not every family has finished its first collection.", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "Ready")
	}
}
