package schedule_test

import (
	"database/sql"
	"maps"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sems-exporter/sems_exporter/internal/pgtest"
)

// outageSetup holds incidents and a delay that every collection sleeps for
// inside PostgreSQL, so that the test can hold a collection in the middle.
const outageSetup = `
CREATE TABLE incident_log (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz);
INSERT INTO incident_log VALUES
 ('I1', 'north', 'cyber', 'high', now() - interval '48 hours', now() - interval '47 hours'),
 ('I2', 'north', 'other', 'low', now() - interval '10 hours', NULL),
 ('I3', 'south', 'cyber', 'critical', now() - interval '3 hours', now() - interval '2 hours');
CREATE TABLE delay (seconds float8);
INSERT INTO delay VALUES (0);
`

// outageTimeout is the family's collection timeout. A collection held by
// the delay for longer ends at it.
const outageTimeout = 3 * time.Second

// TestSourceOutage stops PostgreSQL between collections and in the middle
// of one, then holds a query past its timeout. Each time the exporter keeps
// serving the last good values with the failure and their age visible, and
// recovers by itself on the next tick once the database is back.
func TestSourceOutage(t *testing.T) {
	server, dsn, admin := startDatabase(t, "outage")
	if _, err := admin.Exec(outageSetup); err != nil {
		t.Fatal(err)
	}
	// The test server commits asynchronously and Pause stops it as a crash
	// would: only what a checkpoint after the commit wrote survives.
	if _, err := admin.Exec("CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	// exec retries while the pool's connections, broken by a restart, are
	// replaced.
	exec := func(query string) {
		t.Helper()
		var err error
		for range 5 {
			if _, err = admin.Exec(query); err == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: %v", query, err)
	}

	t.Setenv("SEMS_OUTAGE_DSN", dsn)
	cfg := parse(t, t.TempDir(), `sites: [north, south]
sources:
  db: {type: postgres, dsn_env: SEMS_OUTAGE_DSN, max_connections: 1}
families:
  incidents:
    source: db
    schedule: "@every 1s"
    timeout: 3s
    query: SELECT i.* FROM incident_log i, pg_sleep((SELECT seconds FROM delay))
`)
	s, snap, logs := newScheduler(t, cfg)
	reg := snap // scrapes read the snapshot only
	s.Start()
	stopped := false
	defer func() {
		if !stopped {
			s.Stop()
		}
	}()

	var (
		success     = health("sems_collection_success", "incidents", "db")
		lastSuccess = health("sems_collection_last_success_timestamp_seconds", "incidents", "db")
		failures    = health("sems_collection_failures_total", "incidents", "db")
		duration    = health("sems_collection_duration_seconds", "incidents", "db")
	)
	// values are the family's own metrics, which a failure must leave alone.
	values := func(m map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for k, v := range m {
			if strings.HasPrefix(k, "sems_incidents_") || strings.HasPrefix(k, "sems_kpi_") {
				out[k] = v
			}
		}
		return out
	}
	var good map[string]float64
	waitFor(t, 30*time.Second, "the first collection", func() bool {
		good = gather(t, reg)
		return good[success] == 1
	})
	// I2 is the one open incident.
	if v := good[`sems_incidents_open{severity="low",site="north"}`]; v != 1 {
		t.Fatalf("open north/low incidents = %v, want 1", v)
	}

	// failed waits for a failure after those counted in before, and checks
	// that the values of the scrape just before it stay, with their age.
	failed := func(what string, before map[string]float64) map[string]float64 {
		t.Helper()
		prev, got := before, before
		waitFor(t, 30*time.Second, what+": the failure shows", func() bool {
			prev, got = got, gather(t, reg)
			return got[failures] > before[failures]
		})
		if got[success] != 0 {
			t.Errorf("%s: %s = %v, want 0", what, success, got[success])
		}
		if got[lastSuccess] != prev[lastSuccess] {
			t.Errorf("%s: %s moved from %v to %v without a success", what, lastSuccess, prev[lastSuccess], got[lastSuccess])
		}
		if v, want := values(got), values(prev); !maps.Equal(v, want) {
			t.Errorf("%s: the family's values changed after a failure:\n got %v\nwant %v", what, v, want)
		}
		return got
	}
	recovered := func(what string, before map[string]float64) map[string]float64 {
		t.Helper()
		var got map[string]float64
		waitFor(t, 30*time.Second, what+": recovery", func() bool {
			got = gather(t, reg)
			return got[success] == 1 && got[lastSuccess] > before[lastSuccess]
		})
		return got
	}

	// Between collections: the next tick finds the database gone.
	if err := server.Pause(); err != nil {
		t.Fatal(err)
	}
	down := failed("stopped between collections", good)
	if err := server.Resume(); err != nil {
		t.Fatal(err)
	}
	good = recovered("restarted after an outage between collections", down)

	// In the middle of a collection: wait until PostgreSQL is running the
	// aggregation, held by the delay, then stop it. (pg_stat_activity's
	// query text is cut at 1 kB, before the record query: look for the
	// sleep itself.)
	exec("UPDATE delay SET seconds = 20")
	waitFor(t, 30*time.Second, "a collection running in PostgreSQL", func() bool {
		var n int
		err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'`).Scan(&n)
		return err == nil && n > 0
	})
	if err := server.Pause(); err != nil {
		t.Fatal(err)
	}
	down = failed("stopped during a collection", good)
	// The collection ended with the connection, not at its timeout.
	if d := down[duration]; d >= outageTimeout.Seconds() {
		t.Errorf("the interrupted collection took %v s, as long as its %v timeout", d, outageTimeout)
	}
	if err := server.Resume(); err != nil {
		t.Fatal(err)
	}
	exec("UPDATE delay SET seconds = 0")
	good = recovered("restarted after an outage during a collection", down)

	// A hung query: the database answers nothing for 60 s. The collection
	// ends at its 3 s timeout, and so does the query inside PostgreSQL.
	exec("UPDATE delay SET seconds = 60")
	hung := failed("hung query", good)
	if d := hung[duration]; d < outageTimeout.Seconds() || d > outageTimeout.Seconds()+2 {
		t.Errorf("the hung collection took %v s, want its %v timeout (2 s slack)", d, outageTimeout)
	}
	failed("hung query again", hung)
	// Two timed-out collections later, no query of the exporter has been
	// running longer than the timeout plus 1 s of slack.
	var old int
	if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity
		WHERE wait_event = 'PgSleep' AND now() - query_start > interval '4 seconds'`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if old > 0 {
		t.Errorf("%d hung queries still run in PostgreSQL past the timeout", old)
	}

	s.Stop()
	stopped = true
	admin.Close()
	if !strings.Contains(logs.String(), "collection failed; serving the last good values") {
		t.Error("the failures were not logged")
	}
	goleak.VerifyNone(t)
}

// startDatabase starts a PostgreSQL server for the test and creates a
// database in it; the server and the connection pool end with the test.
func startDatabase(t *testing.T, name string) (*pgtest.Server, string, *sql.DB) {
	t.Helper()
	server, err := pgtest.Start()
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(server.Close)
	dsn, err := server.NewDatabase(name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return server, dsn, db
}
