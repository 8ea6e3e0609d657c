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
		path    = flag.String("config", "examples/postgres.yml", "exporter configuration")
		family  = flag.String("family", "", "print only this family's query")
		now     = flag.String("now", "", "evaluation time, RFC 3339 (default: now)")
		periods = flag.String("periods", "", "print, for the families with period indicators, their aggregate query without them (without), the floor of the period indicators (floor) or their hand-written floor (hand-floor), as the benchmark measures them")
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
	var queries map[string]string
	if *periods == "" {
		queries, err = bench.AggregateSQL(context.Background(), *path, db)
	} else {
		queries, err = periodQueries(*path, db, *periods)
	}
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

// periodQueries picks one of the benchmark's period queries per family.
func periodQueries(path string, db *sql.DB, which string) (map[string]string, error) {
	pqs, err := bench.PeriodSQL(context.Background(), path, db)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, q := range pqs {
		switch which {
		case "without":
			out[name] = q.Without
		case "floor":
			out[name] = q.Floor
		case "hand-floor":
			if q.HandFloor != "" {
				out[name] = q.HandFloor
			}
		default:
			return nil, fmt.Errorf("-periods %q: want without, floor or hand-floor", which)
		}
	}
	return out, nil
}
