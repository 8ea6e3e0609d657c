// Command run benchmarks the exporter at the scale of a large airport group
// and prints the report that docs/benchmarks.md records. Run it from the
// repository root:
//
//	go run ./bench/run                      # 0.1x, 1x and 3x; scrapes at 1x
//	go run ./bench/run -scales 0.1,1,3,10   # adds 10x: ten million records
//
// It starts its own PostgreSQL (internal/pgtest; SEMS_TEST_POSTGRES_DSN
// points it at an existing server instead), builds the exporter, and for
// each scale loads the dataset with COPY, times each family's aggregate query
// with psql and the exporter's collection of it, and measures the exporter's
// memory and series; at the main scale it also runs the scrape phases and
// collects from CSV exports of the same records. With -periods (the
// default) it also compares, per family, the CPU time of the aggregate
// query with and without the period indicators against their floor.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/bench"
)

func main() {
	var (
		scales      = flag.String("scales", "0.1,1,3", "dataset scales to measure collection at, comma-separated")
		mainScale   = flag.Float64("main", 1, "scale of the scrape, memory and CSV measurements; one of -scales")
		seed        = flag.Uint64("seed", 1, "seed of the dataset")
		runs        = flag.Int("runs", 5, "timed runs per median, after a warm-up run")
		budget      = flag.Duration("budget", 90*time.Second, "fewer runs where -runs of them would take longer than this")
		scrapeFor   = flag.Duration("scrape-for", 10*time.Second, "length of each scrape phase and of each in-process baseline")
		concurrency = flag.String("concurrency", "1,10,100", "numbers of concurrent scrapers, comma-separated")
		csv         = flag.Bool("csv", true, "also collect from CSV exports at the main scale")
		periods     = flag.Bool("periods", true, "also measure what the period indicators cost, at every scale")
		jsonOut     = flag.String("json", "", "also write the report as JSON to this file")
		env         = flag.String("exporter-env", "GOMEMLIMIT=40MiB", "variables added to the exporter's environment, comma-separated NAME=value; the default is what deploy/ sets")
	)
	flag.Parse()
	o := bench.Options{Env: strings.FieldsFunc(*env, func(r rune) bool { return r == ',' }), Root: ".", Main: *mainScale, Seed: *seed, Runs: *runs, Budget: *budget, ScrapeFor: *scrapeFor, CSV: *csv, Periods: *periods, Log: os.Stderr}
	for _, s := range strings.Split(*scales, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || f <= 0 || f > 10 {
			log.Fatalf("-scales: %q is not a scale between 0 and 10", s)
		}
		o.Scales = append(o.Scales, f)
	}
	for _, s := range strings.Split(*concurrency, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 {
			log.Fatalf("-concurrency: %q is not a positive number", s)
		}
		o.Concurrency = append(o.Concurrency, c)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(rep.Markdown())
	if *jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
