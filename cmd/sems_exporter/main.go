// Command sems_exporter collects Security Management System (SeMS) KPI
// records from PostgreSQL or CSV exports on a schedule and serves the
// indicators to Prometheus.
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
)

const name = "sems_exporter"

// defaultAddress is outside the 9100-9999 range that the Prometheus default
// port allocations cover, so it cannot clash with an allocated exporter.
const defaultAddress = ":10127"

func main() {
	var (
		configFile  = kingpin.Flag("config.file", "Exporter configuration file.").Default("sems.yml").String()
		configCheck = kingpin.Flag("config.check", "Validate the configuration file, including the secrets it names, and exit.").Bool()
		demo        = kingpin.Flag("demo", "Serve the embedded demo: a generated dataset for a fictional airport group, dated relative to now, read from CSV. Ignores --config.file.").Bool()
		demoSeed    = kingpin.Flag("demo.seed", "Seed of the --demo dataset; another seed gives another organisation's figures.").Default(defaultDemoSeed).Uint64()
		metricsPath = kingpin.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
		webConfig   = kingpinflag.AddFlags(kingpin.CommandLine, defaultAddress)
	)
	logConfig := &promslog.Config{}
	flag.AddFlags(kingpin.CommandLine, logConfig)
	kingpin.Version(version.Print(name))
	kingpin.HelpFlag.Short('h')
	kingpin.Parse()
	logger := promslog.New(logConfig)

	if *demo {
		dir, err := writeDemo(*demoSeed)
		if err != nil {
			logger.Error("preparing the demo", "err", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		*configFile = dir + "/demo.yml"
		logger.Info("serving the demo dataset", "dir", dir)
	}

	if *configCheck {
		if _, err := config.Load(*configFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stdout, "%s: the configuration is valid\n", *configFile)
		return
	}

	logger.Info("starting "+name, "version", version.Info(), "build_context", version.BuildContext())
	snap := snapshot.New()
	rl := newReloader(*configFile, snap, logger)
	if err := rl.reload(); err != nil {
		logger.Error("loading the configuration", "err", err)
		os.Exit(1)
	}
	defer rl.stop()

	// The exporter's own metrics, served after the snapshot's: the runtime's
	// gathered at most once a second, the reloads' on every scrape.
	runtimeMetrics := prometheus.NewRegistry()
	runtimeMetrics.MustRegister(
		versioncollector.NewCollector(name),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	reloads := prometheus.NewRegistry()
	reloads.MustRegister(rl)
	own := prometheus.Gatherers{&recentGatherer{g: runtimeMetrics, maxAge: time.Second}, reloads}

	mux := http.NewServeMux()
	mux.Handle(*metricsPath, snap.Handler(own, logger))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "Healthy") })
	mux.HandleFunc("/-/reload", rl.handleReload)
	if *metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "SeMS Exporter",
			Description: "Security Management System KPIs, collected on a schedule from the organisation's source systems",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: *metricsPath, Text: "Metrics", Description: "The latest indicators of every KPI family and the health of each collection"},
				{Address: "/-/healthy", Text: "Health", Description: "Liveness"},
			},
		})
		if err != nil {
			logger.Error("building the landing page", "err", err)
			os.Exit(1)
		}
		mux.Handle("/", landing)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			if err := rl.reload(); err != nil {
				logger.Error("reloading the configuration; keeping the running one", "err", err)
			}
		}
	}()

	srv := &http.Server{Handler: mux}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		logger.Info("shutting down")
		srv.Close()
	}()
	if err := web.ListenAndServe(srv, webConfig, logger); err != nil && err != http.ErrServerClosed {
		logger.Error("serving", "err", err)
		os.Exit(1)
	}
}
