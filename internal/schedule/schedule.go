// Package schedule runs each family's collection on its cron schedule:
// read the records from the family's source, derive the indicators and
// replace the family's part of the snapshot.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// Scheduler runs the collections of one configuration.
type Scheduler struct {
	cron    *cron.Cron
	sources map[string]source.Source
	jobs    []*job
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	logger  *slog.Logger
}

type job struct {
	fam    *config.Family
	src    source.Source
	shape  *records.Shape
	snap   *snapshot.Snapshot
	logger *slog.Logger
	now    func() time.Time
	mu     sync.Mutex // one collection of a family at a time
}

// New opens the configuration's sources and prepares a job per family, and
// tells the snapshot which families there are. It starts nothing.
func New(cfg *config.Config, snap *snapshot.Snapshot, logger *slog.Logger) (*Scheduler, error) {
	s := &Scheduler{
		cron:    cron.New(cron.WithLocation(time.UTC)),
		sources: map[string]source.Source{},
		logger:  logger,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, name := range slices.Sorted(maps.Keys(cfg.Sources)) {
		sc := cfg.Sources[name]
		switch sc.Type {
		case config.TypePostgres:
			pg, err := source.OpenPostgres(sc.DSN(), sc.MaxConnections)
			if err != nil {
				s.closeSources()
				return nil, fmt.Errorf("source %s: %w", name, err)
			}
			s.sources[name] = pg
		case config.TypeCSV:
			s.sources[name] = source.CSV{Dir: sc.Directory}
		}
	}
	var fams []snapshot.Part
	for _, f := range cfg.Families {
		j := &job{
			fam:   f,
			src:   s.sources[f.Source],
			shape: f.Collector.Shape(f.Settings),
			snap:  snap,
			// The source label's value, under another key: promslog
			// keeps "source" for where in the code a line is logged.
			logger: logger.With("family", f.Name, "source_name", f.Source),
			now:    time.Now,
		}
		s.jobs = append(s.jobs, j)
		fams = append(fams, snapshot.Part{Name: f.Name, Source: f.Source, Reasons: j.shape.Reasons(), Interval: interval(f.Cron),
			RejectedLimit: *f.MaxRejectedRatio, Basis: basis(cfg, f), Info: collectors.KPIInfo(f.Collector),
			Database: cfg.Sources[f.Source].Type == config.TypePostgres})
	}
	snap.Configure(fams)
	return s, nil
}

// Start collects every family once at once, so the snapshot fills without
// waiting for a daily schedule, then on each family's schedule.
func (s *Scheduler) Start() {
	for _, j := range s.jobs {
		s.cron.Schedule(j.fam.Cron, cron.FuncJob(func() { s.run(j) }))
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(j)
		}()
	}
	s.cron.Start()
}

// Stop cancels running collections, waits for them and closes the sources.
func (s *Scheduler) Stop() {
	s.cancel()
	<-s.cron.Stop().Done()
	s.wg.Wait()
	s.closeSources()
}

func (s *Scheduler) closeSources() {
	for _, src := range s.sources {
		src.Close()
	}
}

func (s *Scheduler) run(j *job) {
	// A collection still running when the next is due makes the next one
	// wait its turn rather than run beside it against the same source.
	if !j.mu.TryLock() {
		j.logger.Warn("collection skipped: the previous one is still running")
		return
	}
	defer j.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	j.collect(s.ctx)
}

// stopGrace is how long a collection may take to end once its timeout has
// passed or the scheduler stops. Sources end their reads with the context,
// so this is a last resort: past it, the collection is counted as failed
// and left behind, and nothing waits for it.
const stopGrace = 2 * time.Second

// collect runs one collection. Its failure is logged and shown in the
// snapshot's health metrics; it never stops the exporter.
func (j *job) collect(parent context.Context) {
	timeout := time.Duration(j.fam.Timeout)
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	start := j.now()
	res, err := j.aggregate(ctx, j.request(start))
	took := time.Since(start)
	j.warn(res)
	if res.LocksReleased > 0 {
		j.snap.LocksReleased(j.fam.Name, res.LocksReleased)
	}
	if err != nil {
		if parent.Err() != nil {
			return // stopping: not a failure of the source
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s: %w", timeout, err)
		}
		j.failed(took, "err", err, "duration", took)
		return
	}
	metrics := j.fam.Collector.Metrics(j.shape, res, j.fam.Settings)
	rejected := res.Rejected()
	sites := j.siteRecords(res)
	if err := j.snap.Succeeded(j.fam.Name, snapshot.Collection{
		Metrics: metrics, Read: res.Read(), Rejected: rejected, SiteRecords: sites,
		Modified: res.Modified, CanWrite: res.CanWrite, At: start, Took: took,
	}); err != nil {
		j.failed(took, "err", fmt.Errorf("its metrics are inconsistent: %w", err))
		return
	}
	j.logger.Info("collection succeeded", successAttrs(res, took)...)
	for _, u := range res.Unknown {
		j.logger.Warn("records rejected for values outside the configured vocabulary", unknownAttrs(u, sites)...)
	}
}

// warn warns of what a collection, successful or not, found wrong with its
// database connection: advisory locks the record query left held (their
// keys are not logged: a query can derive them from a record's value), a
// role that can write.
func (j *job) warn(res records.Result) {
	if res.LocksReleased > 0 {
		j.logger.Warn("the record query left advisory locks held on the database connection after the collection; released them. Take no session-level lock in a record query (pg_advisory_xact_lock ends with the transaction)",
			"locks", res.LocksReleased)
	}
	if res.CanWrite != nil && *res.CanWrite {
		j.logger.Warn("the source's database role can write: a superuser, a member of pg_write_server_files or pg_execute_server_program, or holding a write privilege on a table; give the exporter a role that can only read (docs/security.md)")
	}
}

// request is what the family's collection at now asks of its source.
func (j *job) request(now time.Time) source.Request {
	return source.Request{
		Shape:   j.shape,
		Query:   j.fam.Query,
		File:    j.fam.File,
		Columns: j.fam.Columns,
		Values:  j.fam.Values,
		MaxAge:  time.Duration(j.fam.MaxAge),
		Now:     now,
		Log:     j.logger,
	}
}

// failed records a failed collection and logs it with attrs, saying
// whether values of an earlier collection are still served, and from when.
func (j *job) failed(took time.Duration, attrs ...any) {
	lastGood := j.snap.Failed(j.fam.Name, took)
	if lastGood.IsZero() {
		j.logger.Error("collection failed; no values to serve until one succeeds", attrs...)
		return
	}
	j.logger.Error("collection failed; serving the last good values", append(attrs, "values_from", lastGood.UTC().Format(time.RFC3339))...)
}

// successAttrs are the log attributes of a successful collection.
// Rejected records are logged by reason and count only: their content may
// identify a person. Counts are integers: as floats, 12862472 records would
// read 1.2862472e+07.
func successAttrs(res records.Result, took time.Duration) []any {
	attrs := []any{"records", int64(res.Read()), "duration", took}
	if rejected := res.Rejected(); len(rejected) > 0 {
		// A group, not a map: logfmt writes rejected.missing_site=2, which
		// a log query can select, where a map reads map[missing_site:2].
		byReason := make([]any, 0, len(rejected))
		for _, reason := range slices.Sorted(maps.Keys(rejected)) {
			byReason = append(byReason, slog.Int64(reason, int64(rejected[reason])))
		}
		attrs = append(attrs, slog.Group("rejected", byReason...))
	}
	return attrs
}

// unknownAttrs are the log attributes of a column's records rejected as
// unknown_<column>. Only values that are plainly codes are named
// (records.Unknown): a rejected cell may hold anything the source system
// does, a name or a staff number among them. For the site column, the
// configured sites without an accepted record are named too: most likely
// the ones renamed.
func unknownAttrs(u records.Unknown, sites map[string]float64) []any {
	var values []string
	for _, v := range u.Named {
		values = append(values, fmt.Sprintf("%s (%d)", v.Value, int64(v.Records)))
	}
	switch rest := u.Distinct - len(u.Named); {
	case u.Distinct > records.MaxCountedDistinct:
		values = append(values, fmt.Sprintf("over %d distinct values, not named: a column mapped wrongly?", records.MaxCountedDistinct))
	case u.Distinct > records.MaxNamedValues:
		values = append(values, fmt.Sprintf("%d distinct values, not named: a column mapped wrongly?", u.Distinct))
	case rest > 0:
		values = append(values, fmt.Sprintf("%d %s not named: in fewer than %d records, or not a plain code", rest, plural(rest, "value", "values"), records.SmallCount))
	}
	attrs := []any{"column", u.Column, "values", strings.Join(values, ", "), "records", int64(u.Records)}
	if u.Column == "site" {
		var without []string
		for _, site := range slices.Sorted(maps.Keys(sites)) {
			if sites[site] == 0 {
				without = append(without, site)
			}
		}
		if len(without) > 0 {
			attrs = append(attrs, "sites_without_records", strings.Join(without, ","))
		}
	}
	return attrs
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// siteRecords counts the accepted records of each configured site.
func (j *job) siteRecords(res records.Result) map[string]float64 {
	site := j.shape.KeyIndex("site")
	out := make(map[string]float64, len(j.fam.Settings.Sites))
	for _, s := range j.fam.Settings.Sites {
		out[s] = 0
	}
	for _, g := range res.Accepted() {
		if _, ok := out[g.Keys[site]]; ok {
			out[g.Keys[site]] += g.Count
		}
	}
	return out
}

// aggregate asks the source for the records, waiting no longer than the
// context and stopGrace.
func (j *job) aggregate(ctx context.Context, req source.Request) (records.Result, error) {
	type outcome struct {
		res records.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := j.src.Aggregate(ctx, req)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
	}
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(stopGrace):
		return records.Result{}, fmt.Errorf("the source did not stop reading %s after the collection ended: %w", stopGrace, ctx.Err())
	}
}

// basis is what a family's values stand on: its source's type and place
// (not its secret), the family's query, file, columns and value maps, and the settings
// that hold the sites and targets.
func basis(cfg *config.Config, f *config.Family) any {
	src := cfg.Sources[f.Source]
	return []any{src.Type, src.Directory, f.Query, f.File, f.Columns, f.Values, f.Settings}
}

// interval is the time between the schedule's next two activations.
func interval(s cron.Schedule) time.Duration {
	first := s.Next(time.Now())
	return s.Next(first).Sub(first)
}
