// Command sems_exporter collects Security Management System (SeMS) KPI
// records from PostgreSQL or CSV exports on a schedule and serves the
// indicators to Prometheus.
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path"
	"runtime/debug"
	"strings"
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

	"github.com/sems-exporter/sems_exporter/internal/snapshot"
	"github.com/sems-exporter/sems_exporter/internal/statuspage"
)

const name = "sems_exporter"

// defaultAddress is outside the 9100-9999 range that the Prometheus default
// port allocations cover, so it cannot clash with an allocated exporter.
const defaultAddress = ":10127"

const (
	healthyPath = "/-/healthy"
	readyPath   = "/-/ready"
	reloadPath  = "/-/reload"
)

// checkTelemetryPath refuses a metrics path the server could not route:
// one that is not an absolute path, or one its own endpoints take.
func checkTelemetryPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("%q does not start with /", p)
	case strings.ContainsAny(p, " \t\r\n{}"):
		return fmt.Errorf("%q holds white space or braces", p)
	case p == healthyPath || p == readyPath || p == reloadPath:
		return fmt.Errorf("%q is the exporter's own endpoint", p)
	case path.Clean(p) != p && path.Clean(p)+"/" != p:
		return fmt.Errorf("%q is not a clean path (try %q)", p, path.Clean(p))
	}
	return nil
}

func main() {
	var (
		configFile   = kingpin.Flag("config.file", "Exporter configuration file.").Default("sems.yml").String()
		configCheck  = kingpin.Flag("config.check", "Validate the configuration file, including the secrets it names, and exit.").Bool()
		checkSources = kingpin.Flag("config.check-sources", "With --config.check, also collect each family once: connect to its source and read its record query's columns or CSV file's header.").Bool()
		demo         = kingpin.Flag("demo", "Serve the embedded demo: a generated dataset for a fictional airport group, dated relative to now, read from CSV. Ignores --config.file.").Bool()
		demoSeed     = kingpin.Flag("demo.seed", "Seed of the --demo dataset; another seed gives another organisation's figures.").Default(defaultDemoSeed).Uint64()
		metricsPath  = kingpin.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
		readTimeout  = kingpin.Flag("web.read-timeout", "Longest time to read a request, its headers and the TLS handshake included: a connection that sends nothing is closed after it.").Default("10s").Duration()
		idleTimeout  = kingpin.Flag("web.idle-timeout", "Longest time a keep-alive connection may wait for its next request.").Default("2m").Duration()
		lifecycle    = kingpin.Flag("web.enable-lifecycle", "Enable POST "+reloadPath+", which reloads the configuration as SIGHUP does.").Bool()
		webConfig    = kingpinflag.AddFlags(kingpin.CommandLine, defaultAddress)
	)
	kingpin.Command("serve", "Collect on schedule and serve the KPIs (the default).").Default()
	report := addReportCommand(kingpin.CommandLine)
	logConfig := &promslog.Config{}
	flag.AddFlags(kingpin.CommandLine, logConfig)
	stampVersion(debug.ReadBuildInfo())
	kingpin.Version(version.Print(name))
	kingpin.HelpFlag.Short('h')
	command := kingpin.Parse()
	logger := promslog.New(logConfig)
	if err := checkTelemetryPath(*metricsPath); err != nil {
		logger.Error("invalid --web.telemetry-path", "err", err)
		os.Exit(1)
	}

	if *demo {
		dir, err := writeDemo(time.Now(), *demoSeed)
		if err != nil {
			logger.Error("preparing the demo", "err", err)
			exit(1)
		}
		defer os.RemoveAll(dir)
		atExit(func() { os.RemoveAll(dir) })
		*configFile = dir + "/demo.yml"
		logger.Info("serving the demo dataset", "dir", dir)
	}

	if *configCheck {
		if !checkConfig(*configFile, *checkSources, os.Stdout, os.Stderr, logger) {
			exit(1)
		}
		return
	}
	if command == report.cmd.FullCommand() {
		if err := report.run(*configFile, logger); err != nil {
			fmt.Fprintln(os.Stderr, err)
			exit(1)
		}
		return
	}

	logger.Info("starting "+name, "version", version.Info(), "build_context", version.BuildContext())
	snap := snapshot.New()
	rl := newReloader(*configFile, snap, logger)
	if err := rl.reload(); err != nil {
		logErrors(logger, "loading the configuration", err)
		exit(1)
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
	mux.HandleFunc(healthyPath, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "Healthy") })
	mux.HandleFunc(readyPath, readyHandler(snap))
	mux.HandleFunc(reloadPath, rl.reloadHandler(*lifecycle))
	if *metricsPath != "/" {
		mux.Handle("/", statuspage.Handler(snap, web.LandingConfig{
			Name:        "SeMS Exporter",
			Description: "Security Management System KPIs, collected on a schedule from the organisation's source systems",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: *metricsPath, Text: "Metrics", Description: "The latest indicators of every KPI family and the health of each collection"},
				{Address: packPath, Text: "Governance pack", Description: "The last complete quarter's governance pack from these figures, to read or print (sems_exporter report writes it with its CSV and manifest)"},
				{Address: healthyPath, Text: "Health", Description: "Liveness"},
			},
		}, logger))
		if *metricsPath != packPath {
			mux.Handle(packPath, packHandler(snap, logger))
		}
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			if err := rl.reload(); err != nil {
				logErrors(logger, "reloading the configuration; keeping the running one", err)
			}
		}
	}()

	// Without timeouts a client that opens connections and sends nothing
	// holds a file descriptor each, until scrapes and collections fail with
	// "too many open files".
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: *readTimeout,
		ReadTimeout:       *readTimeout,
		IdleTimeout:       *idleTimeout,
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		logger.Info("shutting down")
		srv.Close()
	}()
	if err := web.ListenAndServe(srv, webConfig, logger); err != nil && err != http.ErrServerClosed {
		logger.Error("serving", "err", err)
		exit(1)
	}
}
