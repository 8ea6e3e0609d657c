package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// AggregateSQL returns, per PostgreSQL family, the exact query the exporter runs for
// the configuration at path: the family's record query wrapped by
// records.Shape.AggregateSQL, with the columns the record query returns
// asked of the database as the exporter asks them. Its one parameter, $1,
// is the evaluation time. The configuration's DSN variable must be set.
func AggregateSQL(ctx context.Context, path string, db *sql.DB) (map[string]string, error) {
	out := map[string]string{}
	err := eachShape(ctx, path, db, func(family string, sh *records.Shape, query string, present func(string) bool) error {
		q, err := sh.AggregateSQL(query, present)
		out[family] = q
		return err
	})
	return out, err
}

// PeriodQueries are the queries that tell what a family's period
// indicators cost: its aggregate query with them and without them, and
// their floor (records.Shape.BinsFloorSQL). HandFloor, for the families of
// examples/postgres.yml that have one in period-floors, is a stricter
// floor, written by hand at the grain the metrics are served rather than
// the family's: what a query made for the period indicators alone costs.
type PeriodQueries struct {
	With, Without, Floor, HandFloor string
}

//go:embed period-floors/*.sql
var handFloors embed.FS

// handFloorSQL is the hand-written floor of family over its record query,
// "" if it has none.
func handFloorSQL(family, query string) (string, error) {
	body, err := handFloors.ReadFile("period-floors/" + family + ".sql")
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return "WITH src AS NOT MATERIALIZED (" + records.TrimQuery(query) + "\n)\n" + string(body), nil
}

// PeriodSQL returns the PeriodQueries of each PostgreSQL family of the
// configuration at path that has period indicators.
func PeriodSQL(ctx context.Context, path string, db *sql.DB) (map[string]PeriodQueries, error) {
	out := map[string]PeriodQueries{}
	err := eachShape(ctx, path, db, func(family string, sh *records.Shape, query string, present func(string) bool) error {
		without := sh.WithoutBins()
		if len(without.Measures) == len(sh.Measures) {
			return nil // no period indicators
		}
		var q PeriodQueries
		var err error
		if q.With, err = sh.AggregateSQL(query, present); err != nil {
			return err
		}
		if q.Without, err = without.AggregateSQL(query, present); err != nil {
			return err
		}
		if q.Floor, err = sh.BinsFloorSQL(query, present); err != nil {
			return err
		}
		q.HandFloor, err = handFloorSQL(family, query)
		out[family] = q
		return err
	})
	return out, err
}

// eachShape calls fn with the shape, record query and columns of each
// PostgreSQL family of the configuration at path.
func eachShape(ctx context.Context, path string, db *sql.DB, fn func(family string, sh *records.Shape, query string, present func(string) bool) error) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	for _, f := range cfg.Families {
		if cfg.Sources[f.Source].Type != config.TypePostgres {
			continue
		}
		rows, err := db.QueryContext(ctx, "SELECT * FROM ("+records.TrimQuery(f.Query)+"\n) AS src LIMIT 0")
		if err != nil {
			return fmt.Errorf("%s: record query: %w", f.Name, err)
		}
		cols, err := rows.Columns()
		rows.Close()
		if err != nil {
			return err
		}
		if err := fn(f.Name, f.Collector.Shape(f.Settings), f.Query, func(c string) bool { return slices.Contains(cols, c) }); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// nowParam is how the evaluation time appears in the aggregate query.
const nowParam = "$1::timestamptz"

// WithNow writes the evaluation time into an aggregate query in place of its
// parameter, so that psql can run it as it stands.
func WithNow(query string, now time.Time) string {
	return strings.ReplaceAll(query, nowParam, "'"+now.UTC().Format(time.RFC3339Nano)+"'::timestamptz")
}

// sessionSQL sets a session up as the exporter sets up its transactions.
const sessionSQL = "SET TimeZone = 'UTC';\nSET hash_mem_multiplier = " + records.HashMemMultiplier + ";\n"

// psqlBinary finds psql: the newest server installation's, else PATH's.
func psqlBinary() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/psql")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi < vj
	})
	if len(dirs) > 0 {
		return dirs[len(dirs)-1], nil
	}
	return exec.LookPath("psql")
}

// floor runs the query n times in one psql session with \timing on, the
// evaluation time written in as now, and returns the last time, in seconds:
// the bare cost of computing the indicators in PostgreSQL and receiving
// them, which no exporter can beat. Runs before the last warm the session.
func (r *runner) floor(ctx context.Context, query string, n int) (float64, error) {
	var script strings.Builder
	script.WriteString(sessionSQL + "\\timing on\n")
	for range n {
		script.WriteString(WithNow(query, time.Now()) + ";\n")
	}
	path := filepath.Join(r.dir, "floor.sql")
	if err := os.WriteFile(path, []byte(script.String()), 0o644); err != nil {
		return 0, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, r.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.DevNull, "-f", path, r.adminDSN)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("psql: %v\n%s", err, stderr.String())
	}
	var times []float64
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		// "Time: 1234.567 ms (00:01.235)" past a second.
		if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "Time:" && f[2] == "ms" {
			ms, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return 0, fmt.Errorf("psql timing %q: %w", sc.Text(), err)
			}
			times = append(times, ms/1000)
		}
	}
	if len(times) != n {
		return 0, fmt.Errorf("psql printed %d timings, want %d:\n%s", len(times), n, stdout.String())
	}
	return times[n-1], nil
}
