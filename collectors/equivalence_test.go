package collectors_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
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
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	dsn, err := server.NewDatabase("equivalence")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pg, err := source.OpenPostgres(dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	anchor := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := demo.Generate().WriteCSV(dir, anchor); err != nil {
		t.Fatal(err)
	}
	// An hour after the anchor, so that the demo's future-dated records stay
	// in the future and every age is a whole number of seconds plus 3600.
	now := anchor.Add(time.Hour)
	sites := []string{"north", "south", "harbour", "valley"}
	type collection struct {
		f    collectors.Family
		s    *collectors.Settings
		file string
	}
	all := map[string]collection{}
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		all[name] = collection{f, collectors.DefaultSettings(f, sites), name + ".csv"}
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

	for name, c := range all {
		t.Run(name, func(t *testing.T) {
			f, s, file := c.f, c.s, c.file
			shape := f.Shape(s)
			copyCSV(t, db, name, shape.Columns, filepath.Join(dir, file))

			fromCSV, err := source.CSV{Dir: dir}.Aggregate(context.Background(), source.Request{Shape: shape, File: file, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			fromDB, err := pg.Aggregate(context.Background(), source.Request{Shape: shape, Query: "SELECT * FROM " + name, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if fromCSV.Read() == 0 || len(fromCSV.Rejected()) == 0 {
				t.Fatalf("the demo %s data should have accepted and rejected records: read %g, rejected %v", name, fromCSV.Read(), fromCSV.Rejected())
			}
			a, b := exposition(t, f, f.Metrics(shape, fromCSV, s)), exposition(t, f, f.Metrics(shape, fromDB, s))
			if a != b {
				t.Errorf("CSV and PostgreSQL metrics differ:\n%s", firstDifference(a, b))
			}
			if fmt.Sprint(fromCSV.Rejected()) != fmt.Sprint(fromDB.Rejected()) {
				t.Errorf("rejected: CSV %v, PostgreSQL %v", fromCSV.Rejected(), fromDB.Rejected())
			}
		})
	}
}

// copyCSV creates a table typed as the contract and copies the file into it,
// an empty cell becoming NULL.
func copyCSV(t *testing.T, db *sql.DB, table string, cols []records.Column, path string) {
	t.Helper()
	types := map[records.Type]string{records.TypeText: "text", records.TypeEnum: "text", records.TypeBool: "boolean", records.TypeTime: "timestamptz", records.TypeNumber: "float8"}
	var defs, names []string
	for _, c := range cols {
		defs = append(defs, pq.QuoteIdentifier(c.Name)+" "+types[c.Type])
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
