// Package bench measures the exporter at the scale of a large airport group,
// on one machine in one run: the generated dataset of bench/dataset loaded
// into PostgreSQL with COPY, the real exporter binary collecting it, and
// psql running the very queries the exporter runs, as the floor no exporter
// can beat. Command bench/run runs it and prints the report that
// docs/benchmarks.md records.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver
	dto "github.com/prometheus/client_model/go"

	"github.com/sems-exporter/sems_exporter/bench/dataset"
	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
)

// Options chooses what to measure.
type Options struct {
	// Root is the repository root: the exporter is built from it and the
	// example schema and queries are read from it.
	Root string
	// Scales are the dataset sizes to measure collection at, in order.
	Scales []float64
	// Main is the scale of the scrape, memory and CSV measurements; it must
	// be one of Scales.
	Main float64
	Seed uint64
	// Runs is how many timed runs each median is taken over, after one
	// untimed warm-up run; fewer when Runs of them would take longer than
	// Budget, but at least one.
	Runs   int
	Budget time.Duration
	// ScrapeFor is how long each scrape and baseline phase lasts, and
	// Concurrency the numbers of concurrent scrapers.
	ScrapeFor   time.Duration
	Concurrency []int
	// CSV also measures collection from CSV exports of the Main dataset.
	CSV bool
	// Periods also measures what each family's period indicators cost, at
	// every scale.
	Periods bool
	// Env is added to the exporter's environment, as a deployment would
	// set it (GOMEMLIMIT, for example); the benchmark's own is left alone.
	Env []string
	// Log receives progress lines.
	Log io.Writer
}

// Report is the outcome of one benchmark run.
type Report struct {
	Machine Machine `json:"machine"`
	Seed    uint64  `json:"seed"`
	Runs    int     `json:"runs"`
	// ExporterEnv is what Options.Env added to the exporter's environment.
	ExporterEnv []string      `json:"exporter_env,omitempty"`
	Scales      []ScaleResult `json:"scales"`
	Scrapes     *ScrapeResult `json:"scrapes"`
	CSV         *CSVResult    `json:"csv,omitempty"`
	Took        float64       `json:"took_seconds"`
}

// Machine describes where the benchmark ran.
type Machine struct {
	CPU         string  `json:"cpu"`
	CPUs        int     `json:"cpus"`
	MemoryBytes float64 `json:"memory_bytes"`
	Go          string  `json:"go"`
	PostgreSQL  string  `json:"postgresql"`
	// Load averages (1, 5, 15 min) when the benchmark began and ended:
	// anything else running on the machine shows here.
	LoadBefore string `json:"load_average_before"`
	LoadAfter  string `json:"load_average_after"`
}

// ScaleResult is the collection of one dataset size.
type ScaleResult struct {
	Scale   float64        `json:"scale"`
	Records int            `json:"records"`
	Load    float64        `json:"load_seconds"`
	DBBytes float64        `json:"database_bytes"`
	Family  []FamilyResult `json:"families"`
	Total   FamilyResult   `json:"total"`
	// PeakRSS and Series are of an exporter collecting every family, once
	// each has collected.
	PeakRSS float64 `json:"peak_rss_bytes"`
	Series  Series  `json:"series"`
	// Periods is what the period indicators cost, per family with them.
	Periods []PeriodResult `json:"periods,omitempty"`
}

// FamilyResult compares the exporter's collection of one family (or the
// sum of all) with the bare aggregate query.
type FamilyResult struct {
	Family  string `json:"family"`
	Records int    `json:"records"`
	// Read and Rejected are the exporter's counts of the records of its
	// last collection.
	Read     float64   `json:"read"`
	Rejected float64   `json:"rejected"`
	Floor    []float64 `json:"floor_seconds"`
	Exporter []float64 `json:"exporter_seconds"`
	// Medians and their ratio, exporter over floor.
	FloorMedian    float64 `json:"floor_median_seconds"`
	ExporterMedian float64 `json:"exporter_median_seconds"`
	Ratio          float64 `json:"ratio"`
}

// Series counts the samples /metrics serves.
type Series struct {
	All  int `json:"all"`
	SeMS int `json:"sems"`
	// RecordLabels counts label values that look like a record or person
	// reference: there must be none.
	RecordLabels int `json:"record_labels"`
	// Period counts the samples of the period indicators (with a period
	// label), of which KPIPeriod those of sems_kpi_*period_*;
	// KPIPeriodBound is what these may reach: for each such metric, its
	// KPIs times its sites (1 for the organisation's) times the periods.
	Period         int `json:"period"`
	KPIPeriod      int `json:"kpi_period"`
	KPIPeriodBound int `json:"kpi_period_bound"`
}

// ScrapeResult is the scrape phases, run against an exporter collecting
// every family back to back.
type ScrapeResult struct {
	Scale  float64       `json:"scale"`
	Series Series        `json:"series"`
	Bytes  int           `json:"bytes"`
	Phases []ScrapePhase `json:"phases"`
	// PeakRSSCollected is the peak once every family has collected, before
	// any scrape load; each phase's PeakRSS is the peak after it.
	PeakRSSCollected float64 `json:"peak_rss_collected_bytes"`
	Queries          Queries `json:"queries"`
}

// ScrapePhase is c concurrent scrapers, and c goroutines encoding the same
// metric families in-process.
type ScrapePhase struct {
	Concurrency int     `json:"concurrency"`
	HTTP        Latency `json:"http"`
	Errors      int     `json:"errors"`
	Baseline    Latency `json:"baseline"`
	MedianRatio float64 `json:"median_ratio"`
	P99Ratio    float64 `json:"p99_ratio"`
	PeakRSS     float64 `json:"peak_rss_bytes"`
}

// Queries is what the exporter's database role ran while the scrape phases
// lasted, from pg_stat_statements, against what its collections account for.
type Queries struct {
	Scrapes     int     `json:"scrapes"`
	Collections float64 `json:"collections"`
	Aggregates  float64 `json:"aggregate_queries"`
	Statements  float64 `json:"statements"`
	// InFlight is how many collections may straddle the phases' start and
	// end: the aggregate count may differ from the collections by that.
	InFlight int `json:"in_flight"`
}

// CSVResult is collection from CSV exports of the same records.
type CSVResult struct {
	Scale  float64        `json:"scale"`
	Family []FamilyResult `json:"families"`
	// SameRecords: every family read and rejected as many records from CSV
	// as from PostgreSQL.
	SameRecords bool `json:"same_records"`
}

// readerRole is the exporter's database role: it can only read, and
// pg_stat_statements tells its statements from the benchmark's own.
const readerRole = "sems_bench_reader"

type runner struct {
	Options
	dir, bin, psql string
	adminDSN       string
	readerDSN      string
	db             *sql.DB
	example        []byte
	schema         string
}

func (r *runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

// Run runs the benchmark: PostgreSQL from internal/pgtest, the exporter
// built from Root, every scale in turn.
func Run(ctx context.Context, o Options) (*Report, error) {
	if !slices.Contains(o.Scales, o.Main) {
		return nil, fmt.Errorf("the main scale %g is not among the scales %v", o.Main, o.Scales)
	}
	start := time.Now()
	r := &runner{Options: o}
	var err error
	if r.dir, err = os.MkdirTemp("", "sems-bench-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(r.dir)
	if r.example, err = os.ReadFile(filepath.Join(o.Root, "examples", "postgres.yml")); err != nil {
		return nil, err
	}
	schema, err := os.ReadFile(filepath.Join(o.Root, "examples", "postgres", "schema.sql"))
	if err != nil {
		return nil, err
	}
	r.schema = string(schema)
	if r.psql, err = psqlBinary(); err != nil {
		return nil, fmt.Errorf("psql is needed for the floor: %w", err)
	}
	r.logf("building the exporter")
	if r.bin, err = buildExporter(ctx, o.Root, r.dir); err != nil {
		return nil, err
	}
	r.logf("starting PostgreSQL")
	srv, err := pgtest.Start()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if r.adminDSN, err = srv.NewDatabase("sems_bench"); err != nil {
		return nil, err
	}
	if r.db, err = sql.Open("postgres", r.adminDSN); err != nil {
		return nil, err
	}
	defer r.db.Close()
	if err := r.setupReader(ctx); err != nil {
		return nil, err
	}
	// AggregateSQL loads the configurations, which read the DSN from here.
	os.Setenv(dsnEnv, r.readerDSN)

	rep := &Report{Seed: o.Seed, Runs: o.Runs, ExporterEnv: o.Env}
	if rep.Machine, err = r.machine(ctx); err != nil {
		return nil, err
	}
	for _, scale := range o.Scales {
		res, err := r.scale(ctx, scale, rep)
		if err != nil {
			return nil, fmt.Errorf("scale %g: %w", scale, err)
		}
		rep.Scales = append(rep.Scales, *res)
	}
	rep.Machine.LoadAfter = loadAverage()
	rep.Took = time.Since(start).Seconds()
	return rep, nil
}

func (r *runner) setupReader(ctx context.Context) error {
	for _, q := range []string{
		"CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
		`DO $$ BEGIN CREATE ROLE ` + readerRole + ` LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
	} {
		if _, err := r.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	u, err := url.Parse(r.adminDSN)
	if err != nil {
		return err
	}
	u.User = url.User(readerRole)
	r.readerDSN = u.String()
	return nil
}

func (r *runner) machine(ctx context.Context) (Machine, error) {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadBefore: loadAverage()}
	if err := r.db.QueryRowContext(ctx, "SHOW server_version").Scan(&m.PostgreSQL); err != nil {
		return m, err
	}
	m.CPU = procField("/proc/cpuinfo", "model name")
	var kb float64
	fmt.Sscanf(procField("/proc/meminfo", "MemTotal"), "%g", &kb)
	m.MemoryBytes = kb * 1024
	return m, nil
}

func loadAverage() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	data, _ := os.ReadFile(path)
	for line := range strings.Lines(string(data)) {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (r *runner) scale(ctx context.Context, scale float64, rep *Report) (*ScaleResult, error) {
	res := &ScaleResult{Scale: scale}
	spec := dataset.Spec{Scale: scale, Seed: r.Seed, Now: time.Now().UTC().Truncate(time.Second)}
	start := time.Now()
	loaded, err := spec.Load(ctx, r.db, r.schema)
	if err != nil {
		return nil, err
	}
	res.Load = time.Since(start).Seconds()
	if _, err := r.db.ExecContext(ctx, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+readerRole); err != nil {
		return nil, err
	}
	var tables []string
	for _, t := range spec.Tables() {
		tables = append(tables, "'"+t.Name+"'")
		res.Records += loaded[t.Family]
	}
	if err := r.db.QueryRowContext(ctx, "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' AND c.relname IN ("+strings.Join(tables, ", ")+")").Scan(&res.DBBytes); err != nil {
		return nil, err
	}
	r.logf("scale %g: %d records loaded with COPY in %.1f s (%.0f MiB)", scale, res.Records, res.Load, res.DBBytes/(1<<20))

	families := collectors.Names()
	all, err := exporterConfig{families: families, schedule: "@every 2s"}.write(r.example, r.dir, "all")
	if err != nil {
		return nil, err
	}
	queries, err := AggregateSQL(ctx, all, r.db)
	if err != nil {
		return nil, err
	}
	for _, f := range families {
		fr, err := r.measure(ctx, f, queries[f], loaded[f])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		res.Family = append(res.Family, fr)
		res.Total.Records += fr.Records
		res.Total.FloorMedian += fr.FloorMedian
		res.Total.ExporterMedian += fr.ExporterMedian
		r.logf("scale %g: %-12s floor %8.4f s, exporter %8.4f s, ratio %.2f (%d runs)", scale, f, fr.FloorMedian, fr.ExporterMedian, fr.Ratio, len(fr.Floor))
	}
	res.Total.Family = "total"
	res.Total.Ratio = res.Total.ExporterMedian / res.Total.FloorMedian

	if r.Periods {
		if res.Periods, err = r.periods(ctx, all, spec.Now); err != nil {
			return nil, err
		}
	}
	if err := r.everyFamily(ctx, all, res, rep); err != nil {
		return nil, err
	}
	if scale == r.Main && r.CSV {
		if rep.CSV, err = r.fromCSV(ctx, spec, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// measure times an exporter collecting one family alone against the
// family's aggregate query run with psql in the pause after each of its
// collections, so that both meet the same machine, whatever else runs on
// it. A psql run and a collection that overlap (the exporter tells when each
// collection began and how long it took) are both left out.
func (r *runner) measure(ctx context.Context, family, query string, records int) (FamilyResult, error) {
	fr := FamilyResult{Family: family, Records: records}
	warm, err := r.floor(ctx, query, 1)
	if err != nil {
		return fr, err
	}
	// A new psql session, and the exporter's first collection on a new
	// connection, pay for their start: on a short query, time the second.
	execs, skip := 1, 0.0
	if warm < 1 {
		execs, skip = 2, 1
	}
	runs := max(1, min(r.Runs, int(r.Budget.Seconds()/warm)))
	period := max(1, int(math.Ceil(3*warm+2)))
	e, err := r.startOne(exporterConfig{families: []string{family}}, family, period)
	if err != nil {
		return fr, err
	}
	defer e.stop()
	client := newClient(1)
	defer client.CloseIdleConnections()

	type span struct {
		from, to float64 // Unix seconds
		took     float64
	}
	var psql []span
	// pending is the last psql run, clean unless the next collection
	// began before it ended.
	var pending *span
	limit := time.Duration(float64(2*runs+3)*(float64(period)+3*warm)*float64(time.Second)) + time.Minute
	err = e.each(ctx, client, family, limit, func(h familyHealth) (bool, error) {
		c := span{from: h.started, to: h.started + h.duration}
		clean := true
		for _, p := range psql {
			if c.from < p.to && p.from < c.to {
				clean = false
			}
		}
		if pending != nil {
			if pending.to <= c.from {
				fr.Floor = append(fr.Floor, pending.took)
			}
			pending = nil
		}
		if !clean {
			r.logf("%s: a collection overlapped a psql run; both left out", family)
		} else if h.collections > skip && len(fr.Exporter) < runs {
			fr.Exporter = append(fr.Exporter, h.duration)
			fr.Read, fr.Rejected = h.records, h.rejected
		}
		if len(fr.Floor) >= runs {
			return len(fr.Exporter) >= runs, nil
		}
		from := unixNow()
		took, err := r.floor(ctx, query, execs)
		if err != nil {
			return false, err
		}
		p := span{from: from, to: unixNow(), took: took}
		psql = append(psql, p)
		pending = &p
		return false, nil
	})
	if err != nil {
		return fr, err
	}
	fr.FloorMedian = quantile(fr.Floor, 0.5)
	fr.ExporterMedian = quantile(fr.Exporter, 0.5)
	fr.Ratio = fr.ExporterMedian / fr.FloorMedian
	return fr, nil
}

func unixNow() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// startOne starts an exporter collecting one family every period seconds.
func (r *runner) startOne(c exporterConfig, family string, period int) (*exporter, error) {
	c.schedule = fmt.Sprintf("@every %ds", period)
	path, err := c.write(r.example, r.dir, family)
	if err != nil {
		return nil, err
	}
	return startExporter(r.bin, path, r.readerDSN, r.Env)
}

// everyFamily runs an exporter collecting every family back to back: its
// peak memory and series at every scale, and the scrape phases at the main
// scale.
func (r *runner) everyFamily(ctx context.Context, config string, res *ScaleResult, rep *Report) error {
	e, err := startExporter(r.bin, config, r.readerDSN, r.Env)
	if err != nil {
		return err
	}
	defer e.stop()
	client := newClient(1)
	defer client.CloseIdleConnections()
	families := collectors.Names()
	body, err := e.waitCollected(ctx, client, families, 15*time.Minute)
	if err != nil {
		return err
	}
	mfs, err := parseText(body)
	if err != nil {
		return err
	}
	res.Series = countSeries(body, mfs)
	if res.PeakRSS, _, err = e.memory(); err != nil {
		return err
	}
	r.logf("scale %g: %d series (%d sems_*), peak RSS %.1f MiB", res.Scale, res.Series.All, res.Series.SeMS, res.PeakRSS/(1<<20))
	if res.Scale != r.Main {
		return nil
	}

	sr := &ScrapeResult{Scale: res.Scale, Series: res.Series, Bytes: len(body), PeakRSSCollected: res.PeakRSS}
	if _, err := r.db.ExecContext(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		return err
	}
	before, err := r.collections(ctx, client, e)
	if err != nil {
		return err
	}
	for _, c := range r.Concurrency {
		lat, errs := scrapeLoad(ctx, e.url, c, r.ScrapeFor)
		ph := ScrapePhase{Concurrency: c, HTTP: latency(lat), Errors: errs}
		if ph.PeakRSS, _, err = e.memory(); err != nil {
			return err
		}
		base, _ := encodeLoad(ctx, mfs, c, r.ScrapeFor)
		ph.Baseline = latency(base)
		ph.MedianRatio = ph.HTTP.Median / ph.Baseline.Median
		ph.P99Ratio = ph.HTTP.P99 / ph.Baseline.P99
		sr.Queries.Scrapes += ph.HTTP.N + ph.Errors
		sr.Phases = append(sr.Phases, ph)
		r.logf("scrapers %3d: %5d scrapes, median %.1f ms p99 %.1f ms; expfmt median %.1f ms p99 %.1f ms; p99 ratio %.2f; peak RSS %.1f MiB",
			c, ph.HTTP.N, ph.HTTP.Median*1e3, ph.HTTP.P99*1e3, ph.Baseline.Median*1e3, ph.Baseline.P99*1e3, ph.P99Ratio, ph.PeakRSS/(1<<20))
	}
	after, err := r.collections(ctx, client, e)
	if err != nil {
		return err
	}
	sr.Queries.Collections = after - before
	// Each family may have a collection in flight at each end of the
	// phases, where a scrape of its counters and a read of the database's
	// statistics stand a few hundred milliseconds apart under load.
	sr.Queries.InFlight = 2 * len(families)
	if err := r.db.QueryRowContext(ctx, `
SELECT coalesce(sum(s.calls), 0), coalesce(sum(s.calls) FILTER (WHERE s.query LIKE '%`+"sems_reject"+`%'), 0)
FROM pg_stat_statements s JOIN pg_roles u ON u.oid = s.userid
WHERE u.rolname = $1 AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		readerRole).Scan(&sr.Queries.Statements, &sr.Queries.Aggregates); err != nil {
		return fmt.Errorf("reading pg_stat_statements: %w", err)
	}
	r.logf("scrape phases: %d scrapes, %g collections, %g aggregate queries, %g statements", sr.Queries.Scrapes, sr.Queries.Collections, sr.Queries.Aggregates, sr.Queries.Statements)
	rep.Scrapes = sr
	return nil
}

// collections is the exporter's count of collections of every family.
func (r *runner) collections(ctx context.Context, client *http.Client, e *exporter) (float64, error) {
	hs, err := e.healthNow(ctx, client)
	var n float64
	for _, h := range hs {
		n += h.collections
	}
	return n, err
}

// recordRef matches the references the dataset gives records and people.
var recordRefs = []string{"AST-", "INC-", "CAPA-", "CT-", "P0"}

func countSeries(body []byte, mfs map[string]*dto.MetricFamily) Series {
	var s Series
	for line := range strings.Lines(string(body)) {
		if line == "" || line[0] == '#' || line == "\n" {
			continue
		}
		s.All++
		if strings.HasPrefix(line, "sems_") {
			s.SeMS++
		}
	}
	for name, mf := range mfs {
		kpi := strings.HasPrefix(name, "sems_kpi_") && strings.Contains(name, "period_")
		distinct := map[string]map[string]bool{"kpi": {}, "site": {}, "period": {}}
		for _, m := range mf.GetMetric() {
			period := false
			for _, l := range m.GetLabel() {
				for _, p := range recordRefs {
					if strings.HasPrefix(l.GetValue(), p) {
						s.RecordLabels++
					}
				}
				if l.GetName() == "period" {
					period = true
				}
				if d, ok := distinct[l.GetName()]; ok {
					d[l.GetValue()] = true
				}
			}
			if period {
				s.Period++
				if kpi {
					s.KPIPeriod++
				}
			}
		}
		if kpi {
			s.KPIPeriodBound += len(distinct["kpi"]) * max(len(distinct["site"]), 1) * len(distinct["period"])
		}
	}
	return s
}

// fromCSV writes the dataset as CSV exports and measures each family's
// collection from them, as from PostgreSQL.
func (r *runner) fromCSV(ctx context.Context, spec dataset.Spec, pg *ScaleResult) (*CSVResult, error) {
	dir := filepath.Join(r.dir, "csv")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := spec.WriteCSV(dir); err != nil {
		return nil, err
	}
	res := &CSVResult{Scale: spec.Scale, SameRecords: true}
	for _, f := range pg.Family {
		fr := FamilyResult{Family: f.Family, Records: f.Records}
		// CSV collections are short: collect every second.
		e, err := r.startOne(exporterConfig{families: []string{f.Family}, csvDir: dir}, f.Family, 1)
		if err != nil {
			return nil, err
		}
		client := newClient(1)
		err = e.each(ctx, client, f.Family, 10*time.Minute, func(h familyHealth) (bool, error) {
			if h.collections > 1 {
				fr.Exporter = append(fr.Exporter, h.duration)
				fr.Read, fr.Rejected = h.records, h.rejected
			}
			return len(fr.Exporter) == r.Runs, nil
		})
		client.CloseIdleConnections()
		e.stop()
		if err != nil {
			return nil, err
		}
		// Compared with the same family's collection from PostgreSQL.
		fr.FloorMedian = f.ExporterMedian
		fr.ExporterMedian = quantile(fr.Exporter, 0.5)
		fr.Ratio = fr.ExporterMedian / f.ExporterMedian
		if fr.Read != f.Read || fr.Rejected != f.Rejected {
			res.SameRecords = false
		}
		res.Family = append(res.Family, fr)
		r.logf("scale %g: %-12s from CSV %8.4f s (%.2fx PostgreSQL), %g records read, %g rejected", spec.Scale, f.Family, fr.ExporterMedian, fr.Ratio, fr.Read, fr.Rejected)
	}
	return res, nil
}
