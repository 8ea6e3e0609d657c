package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/figures"
	"github.com/sems-exporter/sems_exporter/internal/pack"
	"github.com/sems-exporter/sems_exporter/internal/schedule"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
)

// reportCommand is `sems_exporter report`: the governance pack of a period.
type reportCommand struct {
	cmd               *kingpin.CmdClause
	period            string
	output            string
	pdf               bool
	includeRestricted bool
	prometheusURL     string
}

func addReportCommand(app *kingpin.Application) *reportCommand {
	r := &reportCommand{}
	r.cmd = app.Command("report", "Write the governance pack of a period: a self-contained HTML file, a CSV of every figure in it and manifest.json, from one collection of every family of --config.file (or --demo).")
	r.cmd.Flag("period", "The period: a quarter such as 2026-Q3 (FY2026-Q1 in a financial year) or a month such as 2026-10. Default: the last complete calendar quarter.").StringVar(&r.period)
	r.cmd.Flag("output", "Directory to write the pack into; created if missing.").Default(".").StringVar(&r.output)
	r.cmd.Flag("pdf", "Print the pack to PDF too, with headless Chromium.").BoolVar(&r.pdf)
	r.cmd.Flag("include-restricted", "Include covert test results, which most regimes restrict.").BoolVar(&r.includeRestricted)
	r.cmd.Flag("prometheus.url", "Prometheus to read the history the records cannot give (equipment trends, target changes), such as http://localhost:9090.").StringVar(&r.prometheusURL)
	return r
}

// run writes the pack of the configuration at path, collected now.
func (r *reportCommand) run(path string, logger *slog.Logger) error {
	now := time.Now().UTC()
	o := pack.Options{IncludeRestricted: r.includeRestricted, AsAt: now, Generated: now,
		Version: version.Version, Revision: version.Revision}
	if r.pdf {
		if _, err := pack.Chromium(); err != nil {
			return err
		}
	}
	if r.prometheusURL != "" {
		h, err := pack.NewPrometheus(r.prometheusURL, 30*time.Second)
		if err != nil {
			return err
		}
		o.History = h
	}
	snap, configHash, err := collectOnce(path, func() time.Time { return now }, logger)
	if err != nil {
		return err
	}
	mfs, err := snap.Gather()
	if err != nil {
		return err
	}
	f := figures.Read(mfs)
	o.Period = pack.DefaultPeriod(f, now)
	if r.period != "" {
		if o.Period, err = pack.ParsePeriod(r.period); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(r.output, 0o755); err != nil {
		return err
	}
	m, err := pack.Write(r.output, pack.Build(f, o), f, o, configHash, r.pdf)
	if err != nil {
		return err
	}
	for name := range m.Files {
		fmt.Fprintf(os.Stdout, "wrote %s/%s\n", r.output, name)
	}
	fmt.Fprintf(os.Stdout, "wrote %s/manifest.json\n", r.output)
	for _, u := range m.Unfilled {
		fmt.Fprintf(os.Stdout, "not filled: %s\n", u)
	}
	return nil
}

// collectOnce loads the configuration and runs each family's collection
// once, as the scheduler does, with the clock now; it returns the snapshot
// /metrics would serve after it and the configuration's hash.
func collectOnce(path string, now func() time.Time, logger *slog.Logger) (*snapshot.Snapshot, string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(raw)
	cfg, err := config.Load(path)
	if err != nil {
		return nil, "", err
	}
	snap := snapshot.New()
	s, err := schedule.New(cfg, snap, logger)
	if err != nil {
		return nil, "", err
	}
	s.CollectOnce(now)
	s.Stop()
	return snap, hex.EncodeToString(sum[:]), nil
}

// packPath serves the governance pack of the running exporter's figures.
const packPath = "/pack"

func packHandler(snap *snapshot.Snapshot, logger *slog.Logger) http.Handler {
	return pack.Handler(snap, version.Version, version.Revision, logger)
}
