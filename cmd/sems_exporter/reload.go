package main

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/schedule"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
)

// reloader swaps the running configuration for a new one only when the new
// one is valid; a broken file leaves the running schedule and snapshot as
// they are.
type reloader struct {
	mu   sync.Mutex
	path string
	// checksum is the running configuration's: a reload of the same file
	// and secrets changes nothing, and does not collect again.
	checksum [sha256.Size]byte
	snap     *snapshot.Snapshot
	logger   *slog.Logger
	running  *schedule.Scheduler
	ok       prometheus.Gauge
	okTime   prometheus.Gauge
}

func newReloader(path string, snap *snapshot.Snapshot, logger *slog.Logger) *reloader {
	return &reloader{
		path:   path,
		snap:   snap,
		logger: logger,
		ok: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sems_exporter_config_last_reload_successful",
			Help: "Whether the last configuration load or reload succeeded.",
		}),
		okTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sems_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration load or reload.",
		}),
	}
}

func (r *reloader) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := config.Load(r.path)
	if err != nil {
		r.ok.Set(0)
		return err
	}
	sum := cfg.Checksum()
	if r.running != nil && sum == r.checksum {
		r.ok.Set(1)
		r.okTime.Set(float64(time.Now().UnixNano()) / 1e9)
		r.logger.Info("configuration unchanged: nothing reloaded", "file", r.path)
		return nil
	}
	next, err := schedule.New(cfg, r.snap, r.logger)
	if err != nil {
		r.ok.Set(0)
		return err
	}
	if r.running != nil {
		r.running.Stop()
	}
	next.Start()
	r.running = next
	r.checksum = sum
	r.ok.Set(1)
	r.okTime.Set(float64(time.Now().UnixNano()) / 1e9)
	r.logger.Info("configuration loaded", "file", r.path, "families", len(cfg.Families))
	return nil
}

func (r *reloader) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		r.running.Stop()
	}
}

func (r *reloader) handleReload(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "reload with POST or PUT", http.StatusMethodNotAllowed)
		return
	}
	if err := r.reload(); err != nil {
		logErrors(r.logger, "reloading the configuration; keeping the running one", err)
		http.Error(w, fmt.Sprintf("failed to reload config: %s", err), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

// logErrors logs each of a configuration's problems on a line of its own:
// logfmt would write them as one, joined by a literal \n.
func logErrors(logger *slog.Logger, msg string, err error) {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		logger.Error(msg, "err", err)
		return
	}
	for _, e := range joined.Unwrap() {
		logger.Error(msg, "err", e)
	}
}

func (r *reloader) Describe(ch chan<- *prometheus.Desc) {
	r.ok.Describe(ch)
	r.okTime.Describe(ch)
}

func (r *reloader) Collect(ch chan<- prometheus.Metric) {
	r.ok.Collect(ch)
	r.okTime.Collect(ch)
}
