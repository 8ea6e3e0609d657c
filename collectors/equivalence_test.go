package collectors_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// TestPostgresAndCSVGiveIdenticalMetrics loads the demo dataset into CSV
// files and, from those very files, into PostgreSQL tables typed as the
// record contracts say; every family, and every configured indicator of the
// demo configuration, must then expose byte-for-byte the same metrics
// whichever source it reads.
func TestPostgresAndCSVGiveIdenticalMetrics(t *testing.T) {
	db, dsn := equivalenceDB(t)
	pg := openSource(t, dsn)
	_, now, dir := demoCSV(t, nil)
	for name, c := range demoCollections(t) {
		t.Run(name, func(t *testing.T) {
			f, s := c.f, c.s
			shape := f.Shape(s)
			copyCSV(t, db, name, shape.Columns, filepath.Join(dir, c.file), func(string) string { return "timestamptz" })
			fromCSV, fromDB := aggregateBoth(t, pg, dir, name, c.file, shape, now)
			if fromCSV.Read() == 0 || len(fromCSV.Rejected()) == 0 {
				t.Fatalf("the demo %s data should have accepted and rejected records: read %g, rejected %v", name, fromCSV.Read(), fromCSV.Rejected())
			}
			sameMetrics(t, f, s, shape, fromCSV, fromDB)
		})
	}
}

// TestPeriodsAgreeInTheOrganisationsCalendar reads the demo dataset, every
// fifth row's times cut to a date alone (and every training expiry), in a
// Europe/London calendar whose financial year starts in April: from CSV, and
// from PostgreSQL text columns (training's expires_at a date column) in a
// default session and then in sessions whose time zone is neither UTC nor
// London's. All three must give byte-identical metrics.
func TestPeriodsAgreeInTheOrganisationsCalendar(t *testing.T) {
	db, dsn := equivalenceDB(t)
	pg := openSource(t, dsn)
	_, now, dir := demoCSV(t, func(column string, i int, cell string) string {
		if (i%5 == 0 || column == dateColumn) && len(cell) > 10 && cell[4] == '-' && cell[10] == 'T' {
			return cell[:10]
		}
		return cell
	})
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	collections := demoCollections(t)
	shapes := map[string]*records.Shape{}
	for name, c := range collections {
		c.s.Calendar.Zone, c.s.Calendar.FirstMonth = london, time.April
		shapes[name] = c.f.Shape(c.s)
		copyCSV(t, db, name, shapes[name].Columns, filepath.Join(dir, c.file), func(c string) string {
			if name+"."+c == dateColumn {
				return "date"
			}
			return "text"
		})
	}
	check := func(t *testing.T, pg *source.Postgres) {
		for name, c := range collections {
			t.Run(name, func(t *testing.T) {
				fromCSV, fromDB := aggregateBoth(t, pg, dir, name, c.file, shapes[name], now)
				sameMetrics(t, c.f, c.s, shapes[name], fromCSV, fromDB)
			})
		}
	}
	t.Run("default session", func(t *testing.T) { check(t, pg) })
	if _, err := db.Exec("ALTER DATABASE equivalence SET TimeZone = 'Pacific/Chatham'"); err != nil {
		t.Fatal(err)
	}
	t.Run("session in another zone", func(t *testing.T) { check(t, openSource(t, dsn)) })
}

var demoSites = []string{"north", "south", "harbour", "valley"}

// collection is a family or configured indicator as the demo collects it.
type collection struct {
	f    collectors.Family
	s    *collectors.Settings
	file string
}

// demoCollections are the built-in families, with their default settings,
// and the configured indicators of the demo configuration.
func demoCollections(t *testing.T) map[string]collection {
	t.Helper()
	all := map[string]collection{}
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		all[name] = collection{f, collectors.DefaultSettings(f, demoSites), name + ".csv"}
	}
	cfg, err := config.Load("../examples/demo.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Families {
		if _, builtIn := all[c.Name]; !builtIn {
			all[c.Name] = collection{c.Collector, c.Settings, c.File}
		}
	}
	return all
}

// dateColumn is the demo column the calendar test holds as PostgreSQL dates.
const dateColumn = "training.expires_at"

func equivalenceDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	dsn, err := server.NewDatabase("equivalence")
	if err != nil {
		t.Fatal(err)
	}
	return openDB(t, dsn), dsn
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openSource(t *testing.T, dsn string) *source.Postgres {
	t.Helper()
	pg, err := source.OpenPostgres(dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return pg
}

// demoCSV writes the demo dataset as CSV files, each cell of a data row
// passed through edit (given the row's number) when it is not nil, and
// returns the anchor, the evaluation time and the directory.
func demoCSV(t *testing.T, edit func(column string, row int, cell string) string) (time.Time, time.Time, string) {
	t.Helper()
	anchor := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := demo.Generate().WriteCSV(dir, anchor); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for _, file := range files {
			rewriteCSV(t, file, edit)
		}
	}
	// An hour after the anchor, so that the demo's future-dated records stay
	// in the future and every age is a whole number of seconds plus 3600.
	return anchor, anchor.Add(time.Hour), dir
}

func rewriteCSV(t *testing.T, file string, edit func(column string, row int, cell string) string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows[1:] {
		for j := range row {
			row[j] = edit(strings.TrimSuffix(filepath.Base(file), ".csv")+"."+rows[0][j], i, row[j])
		}
	}
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := csv.NewWriter(out)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
}

func aggregateBoth(t *testing.T, pg *source.Postgres, dir, name, file string, shape *records.Shape, now time.Time) (records.Result, records.Result) {
	t.Helper()
	fromCSV, err := source.CSV{Dir: dir}.Aggregate(context.Background(), source.Request{Shape: shape, File: file, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	fromDB, err := pg.Aggregate(context.Background(), source.Request{Shape: shape, Query: "SELECT * FROM " + name, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return fromCSV, fromDB
}

func sameMetrics(t *testing.T, f collectors.Family, s *collectors.Settings, shape *records.Shape, fromCSV, fromDB records.Result) {
	t.Helper()
	a, b := exposition(t, f, f.Metrics(shape, fromCSV, s)), exposition(t, f, f.Metrics(shape, fromDB, s))
	if a != b {
		t.Errorf("CSV and PostgreSQL metrics differ:\n%s", firstDifference(a, b))
	}
	if fmt.Sprint(fromCSV.Rejected()) != fmt.Sprint(fromDB.Rejected()) {
		t.Errorf("rejected: CSV %v, PostgreSQL %v", fromCSV.Rejected(), fromDB.Rejected())
	}
	if !reflect.DeepEqual(fromCSV.Unknown, fromDB.Unknown) {
		t.Errorf("unknown values: CSV %+v, PostgreSQL %+v", fromCSV.Unknown, fromDB.Unknown)
	}
}

// copyCSV creates a table typed as the contract, each time column of the
// type timeType gives it, and copies the file into it, an empty cell
// becoming NULL.
func copyCSV(t *testing.T, db *sql.DB, table string, cols []records.Column, path string, timeType func(column string) string) {
	t.Helper()
	var defs, names []string
	for _, c := range cols {
		typ := c.Type.SQLType()
		if c.Type == records.TypeTime {
			typ = timeType(c.Name)
		}
		defs = append(defs, pq.QuoteIdentifier(c.Name)+" "+typ)
		names = append(names, c.Name)
	}
	if _, err := db.Exec(fmt.Sprintf("CREATE TABLE %s (%s)", pq.QuoteIdentifier(table), strings.Join(defs, ", "))); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := tx.Prepare(pq.CopyIn(table, names...))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] { // the header names the contract columns in order
		vals := make([]any, len(row))
		for i, v := range row {
			if v != "" {
				vals[i] = v
			}
		}
		if _, err := stmt.Exec(vals...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stmt.Exec(); err != nil {
		t.Fatal(err)
	}
	if err := stmt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

type fixed struct {
	f  collectors.Family
	ms []prometheus.Metric
}

func (c fixed) Describe(ch chan<- *prometheus.Desc) { c.f.Describe(ch) }
func (c fixed) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.ms {
		ch <- m
	}
}

// exposition renders metrics in the text format Prometheus scrapes.
func exposition(t *testing.T, f collectors.Family, ms []prometheus.Metric) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(fixed{f, ms})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d\n csv: %s\n  pg: %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines from CSV, %d from PostgreSQL", len(la), len(lb))
}
