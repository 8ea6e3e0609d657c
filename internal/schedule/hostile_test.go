package schedule_test

// The hostile-input suite of the scheduler: an export whose job stopped
// long ago, which used to be collected as fresh on every tick; record
// queries that write or hold locks past the read-only transaction.

import (
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/pgtest"
	"github.com/sems-exporter/sems_exporter/internal/schedule"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
)

// TestHostileDeadExport collects an incidents export last modified 45 days
// ago: its age is exported, and with max_age 7d each collection fails.
func TestHostileDeadExport(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "csv", "incidents.csv")
	reported := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	if err := os.WriteFile(path, []byte("incident_ref,site,category,severity,reported_at,resolved_at\nINC-1,north,cyber,high,"+reported+",\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	modified := time.Now().Add(-45 * 24 * time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, modified, modified); err != nil {
		t.Fatal(err)
	}
	config := `sites: [north]
sources:
  exports: {type: csv, directory: csv}
families:
  incidents:
    source: exports
    file: incidents.csv
    schedule: "@every 1s"
`
	run := func(text string, until func(map[string]float64) bool) map[string]float64 {
		t.Helper()
		s, snap, _ := newScheduler(t, parse(t, dir, text))
		s.Start()
		defer s.Stop()
		var got map[string]float64
		waitFor(t, 30*time.Second, "a collection", func() bool {
			got = gather(t, snap)
			return until(got)
		})
		return got
	}
	modifiedKey := health("sems_collection_source_modified_timestamp_seconds", "incidents", "exports")
	got := run(config, func(m map[string]float64) bool {
		return m[health("sems_collection_success", "incidents", "exports")] == 1
	})
	if v := got[modifiedKey]; v != float64(modified.Unix()) {
		t.Errorf("%s = %v, want the file's %v", modifiedKey, v, modified.Unix())
	}
	got = run(strings.Replace(config, "file: incidents.csv", "file: incidents.csv\n    max_age: 7d", 1), func(m map[string]float64) bool {
		return m[health("sems_collection_failures_total", "incidents", "exports")] >= 1
	})
	if v := got[health("sems_collection_success", "incidents", "exports")]; v != 0 {
		t.Errorf("a 45-day-old export with max_age 7d: success = %v, want 0", v)
	}
}

// TestHostileReloadDropsStaleValues reloads a configuration that moves
// incidents from a CSV export to a PostgreSQL source that fails, drops the
// south site and changes a target. The CSV's record count, the removed
// site's values and the old targets used to stay, under the new source's
// name, while the reload was reported successful.
func TestHostileReloadDropsStaleValues(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	reported := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	path := filepath.Join(dir, "csv", "incidents.csv")
	if err := os.WriteFile(path, []byte("incident_ref,site,category,severity,reported_at,resolved_at\n"+
		"INC-1,north,cyber,high,"+reported+",\nINC-2,south,cyber,high,"+reported+",\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	csvConfig := `sites: [north, south]
sources:
  exports: {type: csv, directory: csv}
families:
  incidents:
    source: exports
    file: incidents.csv
`
	t.Setenv("SEMS_HOSTILE_DSN", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	pgConfig := `sites: [north]
sources:
  db: {type: postgres, dsn_env: SEMS_HOSTILE_DSN}
families:
  incidents:
    source: db
    query: SELECT * FROM incident_log
    targets:
      within_target_ratio: {green: 0.5, amber: 0.4}
`
	snap := snapshot.New()
	logger := slog.New(slog.DiscardHandler)
	load := func(text string) *schedule.Scheduler {
		t.Helper()
		s, err := schedule.New(parse(t, dir, text), snap, logger)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		return s
	}
	s := load(csvConfig)
	var before map[string]float64
	waitFor(t, 30*time.Second, "the CSV collection", func() bool {
		before = gather(t, snap)
		return before[health("sems_collection_success", "incidents", "exports")] == 1
	})
	s.Stop()
	// The same configuration again keeps the values.
	s = load(csvConfig)
	if again := gather(t, snap); again[health("sems_collection_records", "incidents", "exports")] != 2 {
		t.Errorf("an unchanged reload dropped the values: records = %v, want 2", again[health("sems_collection_records", "incidents", "exports")])
	}
	s.Stop()

	s = load(pgConfig)
	defer s.Stop()
	const failures = `sems_collection_failures_total{family="incidents",source="db"}`
	var after map[string]float64
	waitFor(t, 30*time.Second, "the failed PostgreSQL collection", func() bool {
		after = gather(t, snap)
		return after[failures] >= 1
	})
	// sems_kpi_info says what the KPI is, from the configuration: it stands
	// on no record.
	for k, v := range after {
		if strings.HasPrefix(k, "sems_kpi_info{") {
			continue
		}
		if strings.HasPrefix(k, "sems_collection_records{") || strings.Contains(k, `site="south"`) ||
			(strings.HasPrefix(k, "sems_incidents_") || strings.HasPrefix(k, "sems_kpi_")) {
			t.Errorf("after the reload, %s = %v is still served", k, v)
		}
	}
}

// TestHostileRenamedSite collects equipment after the source system
// renamed site south to "south-terminal": every south record is rejected
// as unknown_site. Its KPIs used to vanish with nothing but the rejection
// count to show it; now the site's accepted records read 0, for the
// SemsSiteWithoutRecords alert, and the limit of the rejected share is
// exported for SemsRecordsRejected.
func TestHostileRenamedSite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	rows := "asset_ref,site,equipment_type,critical,status,status_since\n" +
		"A1,north,cctv,true,serviceable," + since + "\n" +
		"A2,north,cctv,false,serviceable," + since + "\n" +
		"A3,south-terminal,cctv,true,serviceable," + since + "\n" +
		"A4,south-terminal,xray,true,unserviceable," + since + "\n" +
		"A5,south-terminal,xray,false,serviceable," + since + "\n"
	path := filepath.Join(dir, "csv", "equipment.csv")
	if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	s, snap, logs := newScheduler(t, parse(t, dir, `sites: [north, south]
sources:
  exports: {type: csv, directory: csv}
families:
  equipment:
    source: exports
    file: equipment.csv
    max_rejected_ratio: 0.2
`))
	s.Start()
	defer s.Stop()
	var got map[string]float64
	waitFor(t, 30*time.Second, "the collection", func() bool {
		got = gather(t, snap)
		return got[health("sems_collection_success", "equipment", "exports")] == 1
	})
	// 2 north records accepted, the 3 south-terminal ones rejected.
	for key, want := range map[string]float64{
		`sems_collection_site_records{family="equipment",site="north",source="exports"}`:              2,
		`sems_collection_site_records{family="equipment",site="south",source="exports"}`:              0,
		`sems_collection_records_rejected{family="equipment",reason="unknown_site",source="exports"}`: 3,
		`sems_collection_records_rejected_ratio_limit{family="equipment",source="exports"}`:           0.2,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	// A warning names the configured site without records; south-terminal,
	// in 3 records (fewer than 5), is not named.
	want := `level=WARN msg="records rejected for values outside the configured vocabulary" family=equipment source_name=exports column=site values="1 value not named: in fewer than 5 records, or not a plain code" records=3 sites_without_records=south`
	if l := logs.String(); !strings.Contains(l, want+"\n") || strings.Contains(l, "south-terminal") {
		t.Errorf("the log does not warn of site south alone:\n%s", l)
	}
}

// sideRoutesSetup is a database with dblink installed, a large object, a
// table to write to, and a reader role built as
// deploy/postgres/30-reader.sql builds sems_reader: it logs in, reads
// read-only by default, and may only SELECT the columns its query needs.
const sideRoutesSetup = `
CREATE EXTENSION dblink;
CREATE TABLE incident_log (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz, summary text);
INSERT INTO incident_log VALUES
 ('INC-1', 'north', 'cyber', 'high', now() - interval '48 hours', now() - interval '47 hours', 'seen by P. Smith'),
 ('INC-2', 'north', 'other', 'low', now() - interval '10 hours', NULL, 'seen by P. Smith');
CREATE TABLE written (n int);
CREATE TABLE blob (loid oid);
INSERT INTO blob SELECT lo_from_bytea(0, 'exported');
DROP ROLE IF EXISTS sems_side_reader;
CREATE ROLE sems_side_reader LOGIN CONNECTION LIMIT 4;
ALTER ROLE sems_side_reader SET default_transaction_read_only = on;
GRANT USAGE ON SCHEMA public TO sems_side_reader;
GRANT SELECT (incident_ref, site, category, severity, reported_at, resolved_at) ON incident_log TO sems_side_reader;
GRANT SELECT ON blob TO sems_side_reader;
`

// TestHostileSideRoutes runs record queries that go past the read-only
// transaction. Over a superuser's connection dblink_exec wrote rows,
// lo_export wrote server files, and nothing said so; a session-level
// advisory lock stayed held on the pooled connection. As the reader role
// the writes are refused and the collection fails with nothing written; as
// the superuser they happen, and sems_collection_source_role_can_write and
// a warning say the role can; the lock is released after the collection,
// counted and logged.
func TestHostileSideRoutes(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) != "" {
		t.Skip("writes server files and connects back over dblink: only with the tests' own server")
	}
	_, dsn, admin := startDatabase(t, "sideroutes", sideRoutesSetup)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// The server runs as another user than the test when the test runs as
	// root: it must be able to write in the directory.
	files := t.TempDir()
	for _, d := range []string{filepath.Dir(files), files} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	// Over dblink, the superuser's own server accepts the superuser
	// without a password (trust, as the test server's authentication).
	dblink := fmt.Sprintf("host=%s port=%s dbname=sideroutes user=postgres", u.Hostname(), u.Port())
	// The reader may not select the summary: the queries name their columns.
	const records = "SELECT i.incident_ref, i.site, i.category, i.severity, i.reported_at, i.resolved_at FROM incident_log i"
	queries := map[string]string{
		"dblink_exec": records + " WHERE dblink_exec('" + dblink + "', 'INSERT INTO written VALUES (1)') IS NOT NULL",
		"lo_export":   records + " WHERE lo_export((SELECT loid FROM blob), '" + files + "/' || i.incident_ref) = 1",
		"lock":        records + " CROSS JOIN (SELECT pg_advisory_lock(42)) AS l",
	}
	var (
		success  = health("sems_collection_success", "incidents", "db")
		canWrite = health("sems_collection_source_role_can_write", "incidents", "db")
		released = health("sems_collection_source_advisory_locks_released_total", "incidents", "db")
	)
	// collect runs one collection of query as user and returns the
	// metrics, the log and the advisory locks any backend holds after it,
	// while the source's connection is still pooled.
	collect := func(user, query string) (got map[string]float64, log string, locks int) {
		t.Helper()
		u.User = url.User(user)
		t.Setenv("SEMS_SIDE_ROUTES_DSN", u.String())
		s, snap, logs := newScheduler(t, parse(t, t.TempDir(), `sites: [north]
sources:
  db: {type: postgres, dsn_env: SEMS_SIDE_ROUTES_DSN, max_connections: 1}
families:
  incidents:
    source: db
    query: "`+query+`"
`))
		defer s.Stop()
		s.CollectOnce(time.Now)
		if err := admin.QueryRow("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").Scan(&locks); err != nil {
			t.Fatal(err)
		}
		return gather(t, snap), logs.String(), locks
	}
	written := func() (n int) {
		t.Helper()
		if err := admin.QueryRow("SELECT count(*) FROM written").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exported := func() int {
		t.Helper()
		entries, err := os.ReadDir(files)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	const roleWarning = "level=WARN msg=\"the source's database role can write"

	// The reader role: each write is refused, and fails the collection.
	for route, want := range map[string]string{
		"dblink_exec": "2F003", // dblink: a password is required of a non-superuser
		"lo_export":   "permission denied for function lo_export",
	} {
		got, log, _ := collect("sems_side_reader", queries[route])
		if got[success] != 0 || !strings.Contains(log, want) {
			t.Errorf("%s as the reader role: success = %v, want 0 with %q logged:\n%s", route, got[success], want, log)
		}
	}
	if n := written(); n != 0 {
		t.Errorf("dblink_exec as the reader role wrote %d rows, want 0", n)
	}
	if n := exported(); n != 0 {
		t.Errorf("lo_export as the reader role wrote %d files, want 0", n)
	}

	// The superuser writes, once per record read (2), and is flagged.
	for route, count := range map[string]func() int{"dblink_exec": written, "lo_export": exported} {
		got, log, _ := collect("postgres", queries[route])
		if n := count(); got[success] != 1 || n != 2 {
			t.Errorf("%s as a superuser: success = %v, %d written; want 1 and 2, which the role check is for", route, got[success], n)
		}
		if v, ok := got[canWrite]; !ok || v != 1 || !strings.Contains(log, roleWarning) {
			t.Errorf("%s as a superuser: %s = %v (present %v), want 1 with a warning logged:\n%s", route, canWrite, v, ok, log)
		}
	}

	// A lock taken as the reader role: released after the collection,
	// counted, and logged without a record's value.
	got, log, locks := collect("sems_side_reader", queries["lock"])
	if locks != 0 {
		t.Errorf("after a collection taking pg_advisory_lock(42), %d advisory locks are held, want 0", locks)
	}
	for key, want := range map[string]float64{success: 1, canWrite: 0, released: 1} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("after a collection taking a lock, %s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if !strings.Contains(log, "level=WARN msg=\"the record query left advisory locks held") || !strings.Contains(log, " locks=1") || strings.Contains(log, "INC-") || strings.Contains(log, "Smith") {
		t.Errorf("the log does not warn of the one lock released, alone:\n%s", log)
	}
}

// unknownValueRows is an equipment export whose site, equipment_type and
// status columns hold values outside their vocabularies, as the source
// system can: site north renamed NTH (30 records), a site old in 4 records
// and a name in 6; 50 staff numbers in the equipment_type column, one
// record each; 8 codes in the status column, 10 records each. Five south
// records are accepted.
func unknownValueRows(since string) [][]string {
	rows := [][]string{{"asset_ref", "site", "equipment_type", "critical", "status", "status_since"}}
	add := func(n int, site, typ, status func(i int) string) {
		for i := range n {
			rows = append(rows, []string{fmt.Sprintf("A%d", len(rows)), site(i), typ(i), "true", status(i), since})
		}
	}
	is := func(s string) func(int) string { return func(int) string { return s } }
	add(5, is("south"), is("cctv"), is("serviceable"))
	add(30, is("NTH"), is("cctv"), is("serviceable"))
	add(4, is("old"), is("cctv"), is("serviceable"))
	add(6, is("Smith, John"), is("xray"), is("serviceable"))
	add(50, is("south"), func(i int) string { return fmt.Sprintf("S%05d", 17+i) }, is("serviceable"))
	add(80, is("south"), is("cctv"), func(i int) string { return fmt.Sprintf("code%d", i%8) })
	return rows
}

// unknownValueWarnings are the warnings of one collection of
// unknownValueRows, from "column=" on. Values are named as compared,
// trimmed and lower-cased: NTH is nth. Site: nth is a code in 30 records
// (30 >= 5), old is in 4 (< 5) and "smith, john" holds a comma and a
// space; 30 + 4 + 6 = 40 records, and north has none. equipment_type: 50
// distinct values > 5. status: 8 distinct values > 5, 8 x 10 = 80 records.
var unknownValueWarnings = []string{
	`column=site values="nth (30), 2 values not named: in fewer than 5 records, or not a plain code" records=40 sites_without_records=north`,
	`column=equipment_type values="50 distinct values, not named: a column mapped wrongly?" records=50`,
	`column=status values="8 distinct values, not named: a column mapped wrongly?" records=80`,
}

// TestHostileUnknownValuesNamed collects unknownValueRows from CSV and from
// PostgreSQL: each column's rejected values give one warning, which names
// the renamed site's code and nothing else. The rejected values used to go
// unnamed, leaving the operator to guess what the source system changed.
func TestHostileUnknownValuesNamed(t *testing.T) {
	since := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	rows := unknownValueRows(since)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	w := csv.NewWriter(&text)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "csv", "equipment.csv")
	if err := os.WriteFile(path, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}

	_, dsn, db := startDatabase(t, "unknown_values", "")
	if _, err := db.Exec("CREATE TABLE asset_register (asset_ref text, site text, equipment_type text, critical boolean, status text, status_since timestamptz)"); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if _, err := db.Exec("INSERT INTO asset_register VALUES ($1, $2, $3, $4, $5, $6)", r[0], r[1], r[2], r[3], r[4], r[5]); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SEMS_UNKNOWN_DSN", dsn)

	for name, source := range map[string]string{
		"csv":        "{type: csv, directory: csv}\nfamilies:\n  equipment:\n    file: equipment.csv",
		"postgresql": "{type: postgres, dsn_env: SEMS_UNKNOWN_DSN}\nfamilies:\n  equipment:\n    query: SELECT * FROM asset_register",
	} {
		t.Run(name, func(t *testing.T) {
			s, snap, logs := newScheduler(t, parse(t, dir, `sites: [north, south]
sources:
  exports: `+source+`
    source: exports
    schedule: "@every 1h"
`))
			s.Start()
			waitFor(t, 30*time.Second, "the collection", func() bool {
				return gather(t, snap)[health("sems_collection_success", "equipment", "exports")] == 1
			})
			s.Stop()
			var got []string
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `level=WARN msg="records rejected for values outside the configured vocabulary"`) {
					got = append(got, line[strings.Index(line, "column="):])
				}
			}
			if !slices.Equal(got, unknownValueWarnings) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(unknownValueWarnings, "\n"))
			}
			// No other rejected cell, in any case: nth is named as compared.
			for _, r := range rows[1:] {
				for _, cell := range []string{r[1], r[2], r[4]} {
					if slices.Contains([]string{"NTH", "south", "cctv", "xray", "serviceable"}, cell) {
						continue
					}
					if regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(cell) + `\b`).MatchString(logs.String()) {
						t.Errorf("the log holds %q, a rejected cell", cell)
					}
				}
			}
			if strings.Contains(logs.String(), "NTH") {
				t.Error("the log holds NTH as the cell had it")
			}
		})
	}
}
