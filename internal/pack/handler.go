package pack

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// Handler serves the pack's HTML of the gatherer's figures: the last
// complete quarter's, or ?period=. Covert test results are left out, as
// from a pack made without --include-restricted.
func Handler(g prometheus.Gatherer, version, revision string, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mfs, err := g.Gather()
		if err != nil {
			logger.Error("gathering the pack's figures", "err", err)
			http.Error(w, "the figures cannot be read", http.StatusInternalServerError)
			return
		}
		f := figures.Read(mfs)
		now := time.Now().UTC()
		o := Options{Period: DefaultPeriod(f, now), AsAt: now, Generated: now, Version: version, Revision: revision}
		if asked := r.URL.Query().Get("period"); asked != "" {
			if o.Period, err = ParsePeriod(asked); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		page, err := Build(f, o).HTML()
		if err != nil {
			logger.Error("rendering the pack", "err", err)
			http.Error(w, "the pack cannot be rendered", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
}
