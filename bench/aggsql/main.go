// Command aggsql prints the exact aggregate query the exporter runs for each
// PostgreSQL family of a configuration, as records.Shape.AggregateSQL builds
// it, so that it can be timed or explained with psql. Run it from the
// repository root, with the configuration's DSN variable set:
//
//	SEMS_POSTGRES_DSN=postgres://... go run ./bench/aggsql -config examples/postgres.yml -family incidents
//
// The evaluation time, the query's parameter $1, is written in as a literal
// (-now, default now), so the output runs in psql as it stands.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/sems-exporter/sems_exporter/bench"
	"github.com/sems-exporter/sems_exporter/internal/config"
)

func main() {
	var (
		path   = flag.String("config", "examples/postgres.yml", "exporter configuration")
		family = flag.String("family", "", "print only this family's query")
		now    = flag.String("now", "", "evaluation time, RFC 3339 (default: now)")
	)
	flag.Parse()
	at := time.Now()
	if *now != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, *now); err != nil {
			log.Fatalf("-now: %v", err)
		}
	}
	cfg, err := config.Load(*path)
	if err != nil {
		log.Fatal(err)
	}
	// The record queries' columns are asked of the first PostgreSQL source.
	var dsn string
	for _, name := range slices.Sorted(maps.Keys(cfg.Sources)) {
		if s := cfg.Sources[name]; s.Type == config.TypePostgres {
			dsn = s.DSN()
			break
		}
	}
	if dsn == "" {
		log.Fatal("the configuration has no PostgreSQL source")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	queries, err := bench.AggregateSQL(context.Background(), *path, db)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		if *family != "" && name != *family {
			continue
		}
		fmt.Fprintf(os.Stdout, "-- %s\n%s;\n\n", name, bench.WithNow(queries[name], at))
	}
}
