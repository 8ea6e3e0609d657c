// Command gen generates the benchmark dataset of a large airport group (see
// package bench/dataset; each family's records are defined in
// internal/exampledata) and loads it into PostgreSQL with COPY, into the
// tables of examples/postgres/schema.sql, or writes it as CSV exports, or
// both. Run it from the repository root:
//
//	SEMS_BENCH_DSN=postgres://postgres@127.0.0.1:5432/sems_bench?sslmode=disable \
//	  go run ./bench/gen -scale 1
//	go run ./bench/gen -scale 0.1 -csv /tmp/sems-csv
//
// The connection string comes from the environment, so that a password never
// shows in a process list. The tables are dropped and recreated.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver

	"github.com/sems-exporter/sems_exporter/bench/dataset"
)

func main() {
	var (
		scale  = flag.Float64("scale", 1, "size relative to the group at scale 1 (40 sites, 80,000 staff, 250,000 incidents, ...), 0.001 to 10")
		seed   = flag.Uint64("seed", 1, "seed of the random streams: the same seed, scale and -now give the same records")
		now    = flag.String("now", "", "anchor of every time, RFC 3339 (default: now)")
		dsnEnv = flag.String("dsn-env", "SEMS_BENCH_DSN", "environment variable holding the PostgreSQL connection string; unset: do not load")
		schema = flag.String("schema", "examples/postgres/schema.sql", "the source-system tables to create")
		csvDir = flag.String("csv", "", "also write CSV exports, one file per family, into this directory")
	)
	flag.Parse()
	if *scale < 0.001 || *scale > 10 {
		log.Fatalf("-scale %g: must be between 0.001 and 10", *scale)
	}
	spec := dataset.Spec{Scale: *scale, Seed: *seed, Now: time.Now().UTC().Truncate(time.Second)}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			log.Fatalf("-now: %v", err)
		}
		spec.Now = t
	}
	dsn := os.Getenv(*dsnEnv)
	if dsn == "" && *csvDir == "" {
		log.Fatalf("nothing to do: set %s to load PostgreSQL, or give -csv", *dsnEnv)
	}
	for _, t := range spec.Tables() {
		fmt.Printf("%-13s %-17s %10d records\n", t.Family, t.Name, t.Count)
	}
	if *csvDir != "" {
		start := time.Now()
		if err := os.MkdirAll(*csvDir, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := spec.WriteCSV(*csvDir); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("wrote CSV exports to %s in %.1f s\n", *csvDir, time.Since(start).Seconds())
	}
	if dsn != "" {
		ddl, err := os.ReadFile(*schema)
		if err != nil {
			log.Fatal(err)
		}
		db, err := sql.Open("postgres", dsn)
		if err != nil {
			log.Fatal(err)
		}
		defer db.Close()
		start := time.Now()
		if _, err := spec.Load(context.Background(), db, string(ddl)); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("loaded PostgreSQL with COPY in %.1f s\n", time.Since(start).Seconds())
	}
}
