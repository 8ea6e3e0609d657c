// Package snapshot holds the latest indicators of every family and serves
// them to Prometheus. Scrapes read the snapshot only: they never reach a
// source system, however often Prometheus or anyone else scrapes.
package snapshot

import (
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Part describes to the snapshot one collection it holds the values of:
// a family's, or a configured indicator's.
type Part struct {
	Name, Source string
	// Reasons is every reason a record can be rejected for, so that a
	// reason with no rejected records reads 0 rather than being absent.
	Reasons []string
	// Interval is the usual time between scheduled collections, for
	// freshness alerts that must not repeat the schedule.
	Interval time.Duration
	// Info are metrics the family's configuration alone determines (what
	// each of its KPIs is), served whatever the state of its collections.
	Info []prometheus.Metric
	// RejectedLimit is the share of records that may be rejected before an
	// alert fires, from the configuration.
	RejectedLimit float64
	// Basis is what the family's values stand on (where its records come
	// from, the sites, the targets): a reload that changes it drops them.
	Basis any
	// Database is whether the family reads through a database connection,
	// whose advisory locks are counted.
	Database bool
}

type state struct {
	Part
	// indicators are the family's metrics, gathered once when collected.
	indicators  []*dto.MetricFamily
	lastSuccess time.Time
	modified    time.Time
	canWrite    *bool
	duration    time.Duration
	succeeded   bool
	read        float64
	rejected    map[string]float64
	siteRecords map[string]float64
	runs, fails float64
	// locksReleased counts the advisory locks collections left held.
	locksReleased float64
}

// Snapshot is safe for concurrent use by the scheduler and scrapes.
type Snapshot struct {
	mu       sync.RWMutex
	families map[string]*state
	// version counts changes, so that an encoding of the snapshot knows
	// when it is out of date.
	version uint64

	encoding  sync.Mutex // one encoding at a time
	published atomic.Pointer[exposition]
}

// New returns an empty snapshot.
func New() *Snapshot { return &Snapshot{families: map[string]*state{}} }

// Configure sets the configured families. A family configured before keeps
// its last values and counters, unless what they stand on has changed; a
// family no longer configured is dropped.
func (s *Snapshot) Configure(fams []Part) {
	s.mu.Lock()
	next := make(map[string]*state, len(fams))
	for _, f := range fams {
		st, ok := s.families[f.Name]
		switch {
		case !ok:
			st = &state{}
		case !reflect.DeepEqual(st.Basis, f.Basis):
			// Values from another source, or graded against other sites
			// and targets, would be served as the new configuration's.
			st = &state{runs: st.runs, fails: st.fails, locksReleased: st.locksReleased}
		}
		st.Part = f
		next[f.Name] = st
	}
	s.families = next
	s.version++
	s.mu.Unlock()
	s.refresh()
}

// Collection is what a successful collection found.
type Collection struct {
	Metrics  []prometheus.Metric
	Read     float64
	Rejected map[string]float64
	// SiteRecords counts the accepted records of each configured site, 0
	// included: a renamed site's records are all rejected as unknown.
	SiteRecords map[string]float64
	// Modified is when the source last changed, zero if it cannot tell.
	Modified time.Time
	// CanWrite is whether the role the source connects as can write, nil
	// if the source has no role.
	CanWrite *bool
	At       time.Time
	Took     time.Duration
}

// Succeeded records a successful collection and replaces the family's
// values. The metrics are gathered and checked here, once: a metric a
// registry would refuse fails the collection that made it, not every scrape.
func (s *Snapshot) Succeeded(family string, c Collection) error {
	indicators, err := gather(c.Metrics)
	if err != nil {
		return err
	}
	s.update(family, func(st *state) {
		st.indicators = indicators
		st.lastSuccess = c.At
		st.modified = c.Modified
		st.canWrite = c.CanWrite
		st.succeeded = true
		st.read = c.Read
		st.rejected = c.Rejected
		st.siteRecords = c.SiteRecords
		st.duration = c.Took
	})
	return nil
}

// Failed records a failed collection. The last good values stay, and the
// failure and their age show in the health metrics. It returns when those
// values were collected, zero when there are none: before the first
// success, or since a reload changed what they stood on.
func (s *Snapshot) Failed(family string, took time.Duration) (lastGood time.Time) {
	s.update(family, func(st *state) {
		st.succeeded = false
		st.duration = took
		st.fails++
		lastGood = st.lastSuccess
	})
	return lastGood
}

// LocksReleased counts n advisory locks that a collection of the family,
// successful or not, left held on its database connection and that were
// released. It is no collection of its own.
func (s *Snapshot) LocksReleased(family string, n int) {
	s.mu.Lock()
	if st, ok := s.families[family]; ok {
		st.locksReleased += float64(n)
		s.version++
	}
	s.mu.Unlock()
	s.refresh()
}

// Ready reports whether every configured family has finished a collection,
// successful or not, so that what is served says how each one stands.
func (s *Snapshot) Ready() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, st := range s.families {
		if st.runs == 0 {
			return false
		}
	}
	return len(s.families) > 0
}

func (s *Snapshot) update(family string, f func(*state)) {
	s.mu.Lock()
	if st, ok := s.families[family]; ok {
		st.runs++
		f(st)
		s.version++
	}
	s.mu.Unlock()
	s.refresh()
}

var (
	successDesc = prometheus.NewDesc("sems_collection_success",
		"Whether the last scheduled collection of the family succeeded (1) or failed (0). After a failure the family's values are those of the last successful collection.",
		[]string{"family", "source"}, nil)
	lastSuccessDesc = prometheus.NewDesc("sems_collection_last_success_timestamp_seconds",
		"Unix time of the family's last successful collection, 0 before the first. The exporter collects on a schedule and serves the latest values on every scrape; this is their age.",
		[]string{"family", "source"}, nil)
	durationDesc = prometheus.NewDesc("sems_collection_duration_seconds",
		"Duration of the family's last collection, successful or not.",
		[]string{"family", "source"}, nil)
	intervalDesc = prometheus.NewDesc("sems_collection_interval_seconds",
		"Usual time between two scheduled collections of the family, from its schedule.",
		[]string{"family", "source"}, nil)
	readDesc = prometheus.NewDesc("sems_collection_records",
		"Records read by the family's last successful collection, rejected ones included.",
		[]string{"family", "source"}, nil)
	rejectedDesc = prometheus.NewDesc("sems_collection_records_rejected",
		"Records the family's last successful collection rejected and left out of every indicator, by reason.",
		[]string{"family", "source", "reason"}, nil)
	modifiedDesc = prometheus.NewDesc("sems_collection_source_modified_timestamp_seconds",
		"Unix time the source last changed, as the family's last successful collection found it: a CSV file's modification time. An export job that has stopped shows here, while every collection of its old file succeeds.",
		[]string{"family", "source"}, nil)
	canWriteDesc = prometheus.NewDesc("sems_collection_source_role_can_write",
		"Whether the database role the family's last successful collection connected as can write (1): a superuser, a member of pg_write_server_files or pg_execute_server_program, or a role holding INSERT, UPDATE, DELETE or TRUNCATE on a table. The read-only transaction does not stop such a role writing through dblink_exec or lo_export. Absent for CSV sources.",
		[]string{"family", "source"}, nil)
	siteRecordsDesc = prometheus.NewDesc("sems_collection_site_records",
		"Records of each configured site that the family's last successful collection accepted, 0 included. A site with none while records are rejected as unknown_site has most likely been renamed in the source system; its KPIs are absent and the organisation's stand on the other sites.",
		[]string{"family", "source", "site"}, nil)
	rejectedLimitDesc = prometheus.NewDesc("sems_collection_records_rejected_ratio_limit",
		"The share of a family's records that may be rejected before SemsRecordsRejected fires: the family's max_rejected_ratio.",
		[]string{"family", "source"}, nil)
	locksReleasedDesc = prometheus.NewDesc("sems_collection_source_advisory_locks_released_total",
		"Session-level advisory locks the family's record query, or a function it calls, left held on the database connection, which the exporter released after the collection, since it started. They outlive the read-only transaction, and would block whatever waits for them in the source database. Absent for CSV sources.",
		[]string{"family", "source"}, nil)
	runsDesc = prometheus.NewDesc("sems_collections_total",
		"Scheduled collections of the family since the exporter started.",
		[]string{"family", "source"}, nil)
	failsDesc = prometheus.NewDesc("sems_collection_failures_total",
		"Failed collections of the family since the exporter started.",
		[]string{"family", "source"}, nil)
)

// Gather returns the latest values without timestamps: they are current
// until the next collection replaces them.
func (s *Snapshot) Gather() ([]*dto.MetricFamily, error) {
	mfs, _, err := s.gather()
	return mfs, err
}

// gather returns the snapshot's families and the version they are. The
// health metrics are made and every family's indicators collected under
// the lock; merging them happens after it, so that a slow scrape never
// holds up a collection.
func (s *Snapshot) gather() ([]*dto.MetricFamily, uint64, error) {
	s.mu.RLock()
	var (
		health []prometheus.Metric
		parts  [][]*dto.MetricFamily
	)
	for _, name := range slices.Sorted(maps.Keys(s.families)) {
		st := s.families[name]
		l := []string{st.Name, st.Source}
		gauge := func(d *prometheus.Desc, v float64) {
			health = append(health, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...))
		}
		gauge(successDesc, boolFloat(st.succeeded))
		gauge(lastSuccessDesc, unixSeconds(st.lastSuccess))
		gauge(durationDesc, st.duration.Seconds())
		gauge(intervalDesc, st.Interval.Seconds())
		gauge(rejectedLimitDesc, st.RejectedLimit)
		health = append(health,
			prometheus.MustNewConstMetric(runsDesc, prometheus.CounterValue, st.runs, l...),
			prometheus.MustNewConstMetric(failsDesc, prometheus.CounterValue, st.fails, l...))
		if st.Database {
			health = append(health, prometheus.MustNewConstMetric(locksReleasedDesc, prometheus.CounterValue, st.locksReleased, l...))
		}
		health = append(health, st.Info...)
		if st.lastSuccess.IsZero() {
			continue
		}
		gauge(readDesc, st.read)
		if !st.modified.IsZero() {
			gauge(modifiedDesc, unixSeconds(st.modified))
		}
		if st.canWrite != nil {
			gauge(canWriteDesc, boolFloat(*st.canWrite))
		}
		for _, reason := range st.Reasons {
			health = append(health, prometheus.MustNewConstMetric(rejectedDesc, prometheus.GaugeValue, st.rejected[reason], st.Name, st.Source, reason))
		}
		for _, site := range slices.Sorted(maps.Keys(st.siteRecords)) {
			health = append(health, prometheus.MustNewConstMetric(siteRecordsDesc, prometheus.GaugeValue, st.siteRecords[site], st.Name, st.Source, site))
		}
		parts = append(parts, st.indicators)
	}
	version := s.version
	s.mu.RUnlock()

	healthFams, err := gather(health)
	if err != nil {
		return nil, 0, err
	}
	mfs, err := merge(append(parts, healthFams))
	return mfs, version, err
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}
