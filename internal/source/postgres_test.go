package source_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// The PostgreSQL server the tests share starts when a test first needs it,
// not in TestMain: every fuzzing worker process runs TestMain (again each
// time the worker is restarted) but never runs a test. A server started by a
// worker inherits the worker's pipes to the fuzzing coordinator; when the
// worker was stopped before it had closed its server, the server kept those
// pipes open and the coordinator waited for them forever, past -fuzztime.
var (
	serverOnce sync.Once
	server     *pgtest.Server
	serverErr  error
)

// sharedServer starts the shared server on first use.
func sharedServer(t testing.TB) *pgtest.Server {
	t.Helper()
	serverOnce.Do(func() { server, serverErr = pgtest.Start() })
	if serverErr != nil {
		t.Fatal("starting PostgreSQL for the tests:", serverErr)
	}
	return server
}

func TestMain(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.Close()
	}
	os.Exit(code)
}

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// equipmentCSV holds the same records as equipmentSQL: NULLs, mixed case and
// spaces, several UTC offsets, an unknown status, a future date.
const equipmentCSV = `asset_ref,site,equipment_type,critical,status,status_since
A1,north,cctv,true,serviceable,2026-01-01T00:00:00Z
A2,north,cctv,true,unserviceable,2026-03-10T09:00:00+01:00
A3, North ,CCTV,,unserviceable,2026-03-10T06:30:00-05:00
A4,north,xray,false,degraded,2026-03-09 23:00:00
A5,south,xray,true,unserviceable,2026-03-10T11:59:59.5Z
A6,south,xray,,broken,2026-03-01T00:00:00Z
A7,south,cctv,,serviceable,2026-04-01T00:00:00Z
,south,cctv,,serviceable,2026-01-01T00:00:00Z
A9,west,cctv,,serviceable,2026-01-01T00:00:00Z
`

const equipmentSQL = `
CREATE TABLE assets (asset_ref text, site text, equipment_type text, critical boolean, status text, status_since timestamp with time zone, note text);
INSERT INTO assets VALUES
 ('A1','north','cctv',true,'serviceable','2026-01-01T00:00:00Z',NULL),
 ('A2','north','cctv',true,'unserviceable','2026-03-10T09:00:00+01:00',NULL),
 ('A3',' North ','CCTV',NULL,'unserviceable','2026-03-10T06:30:00-05:00','free text never read'),
 ('A4','north','xray',false,'degraded','2026-03-09 23:00:00+00',NULL),
 ('A5','south','xray',true,'unserviceable','2026-03-10T11:59:59.5Z',NULL),
 ('A6','south','xray',NULL,'broken','2026-03-01T00:00:00Z',NULL),
 ('A7','south','cctv',NULL,'serviceable','2026-04-01T00:00:00Z',NULL),
 ('','south','cctv',NULL,'serviceable','2026-01-01T00:00:00Z',NULL),
 ('A9','west','cctv',NULL,'serviceable','2026-01-01T00:00:00Z',NULL);
CREATE SEQUENCE audit_seq;
`

// prepare creates a database set up by setup on the shared server, and
// returns its superuser DSN and connections.
func prepare(t testing.TB, name, setup string) (string, *sql.DB) {
	t.Helper()
	dsn, db, err := sharedServer(t).Prepare(name, setup)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dsn, db
}

func openDB(t testing.TB, name, setup string) (*source.Postgres, *sql.DB) {
	t.Helper()
	dsn, db := prepare(t, name, setup)
	pg, err := source.OpenPostgres(dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return pg, db
}

func equipmentShape(t testing.TB) *records.Shape {
	t.Helper()
	f, ok := collectors.Lookup("equipment")
	if !ok {
		t.Fatal("equipment family not registered")
	}
	return f.Shape(collectors.DefaultSettings(f, []string{"north", "south"}))
}

func TestPostgresMatchesCSV(t *testing.T) {
	pg, _ := openDB(t, "equivalence", equipmentSQL)
	shape := equipmentShape(t)
	req := source.Request{Shape: shape, Query: "SELECT * FROM assets", Now: now}
	fromDB, err := pg.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	fromCSV, err := source.ReadCSV(context.Background(), strings.NewReader(equipmentCSV), req)
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if !reflect.DeepEqual(groupStrings(fromDB), groupStrings(fromCSV)) {
		t.Errorf("postgres and CSV differ:\npostgres: %v\ncsv:      %v", groupStrings(fromDB), groupStrings(fromCSV))
	}
	// Worked by hand: north/cctv has A1 serviceable and A2, A3 unserviceable
	// (A3 is not critical: NULL). A2's outage: 09:00+01:00 = 08:00Z, 14400 s.
	// south/xray: A5 critical and out 0.5 s. Rejected: A6 broken status, A7
	// dated 2026-04-01 (future), the empty asset_ref, and site west.
	// Groups: reason|site|type|status|count|[critical out, longest outage].
	want := []string{
		"|north|cctv|serviceable|1|[0 NaN]",
		"|north|cctv|unserviceable|2|[1 14400]",
		"|north|xray|degraded|1|[0 NaN]",
		"|south|xray|unserviceable|1|[1 0.5]",
		"future_status_since||||1|[NaN NaN]",
		"missing_asset_ref||||1|[NaN NaN]",
		"unknown_site||||1|[NaN NaN]",
		"unknown_status||||1|[NaN NaN]",
	}
	if got := groupStrings(fromDB); !reflect.DeepEqual(got, want) {
		t.Errorf("groups:\n got %v\nwant %v", got, want)
	}
	// One value each, in a record each: counted, too rare to be named.
	wantUnknown := []records.Unknown{{Column: "site", Records: 1, Distinct: 1}, {Column: "status", Records: 1, Distinct: 1}}
	for name, res := range map[string]records.Result{"postgres": fromDB, "csv": fromCSV} {
		if !reflect.DeepEqual(res.Unknown, wantUnknown) {
			t.Errorf("%s unknown values: %+v, want %+v", name, res.Unknown, wantUnknown)
		}
	}
}

func groupStrings(r records.Result) []string {
	var out []string
	for _, g := range r.Groups {
		out = append(out, fmt.Sprintf("%s|%s|%g|%v", g.Reject, strings.Join(g.Keys, "|"), g.Count, g.Values))
	}
	return out
}

func TestPostgresQueryProblems(t *testing.T) {
	pg, db := openDB(t, "problems", equipmentSQL)
	shape := equipmentShape(t)
	cases := []struct {
		name, query, want string
	}{
		{"missing required column", "SELECT asset_ref, site, status, status_since FROM assets", "required column(s) equipment_type"},
		{"reserved column", "SELECT *, 1 AS sems_reject FROM assets", "reserved column sems_reject"},
		{"writing is refused", "SELECT * FROM assets WHERE nextval('audit_seq') > 0", "read-only transaction"},
		{"syntax error", "SELECT FROM WHERE", "syntax error"},
		// Positions in the record query, not in the statement wrapping it
		// ("SELECT * FROM incidents" reported "at position 1:30").
		{"unknown table", "SELECT * FROM incidents", `relation "incidents" does not exist at line 1, column 15 of the record query`},
		{"unknown column", "\n  SELECT asset_ref, site,\n    équipement AS equipment_type\n  FROM assets;", `column "équipement" does not exist at line 3, column 5 of the record query`},
		{"unknown column after non-ASCII", "SELECT 'é' AS x, asset_ref, nope FROM assets", `column "nope" does not exist at line 1, column 29 of the record query`},
		// A column of the wrong type fails in the aggregation around the
		// query, whose position is the exporter's, not the user's.
		{"wrong type", "SELECT asset_ref, site, equipment_type, status, 42 AS status_since FROM assets", ", in the SQL around the record query (--log.level=debug logs it)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pg.Aggregate(context.Background(), source.Request{Shape: shape, Query: tc.query, Now: now})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	var calls int
	if err := db.QueryRow("SELECT last_value FROM audit_seq WHERE is_called").Scan(&calls); err != sql.ErrNoRows {
		t.Errorf("the sequence advanced (%d, %v): the write attempt was not refused", calls, err)
	}

	// An optional column the query does not return reads as NULL: without
	// "critical", no asset is critical, so no outage is measured.
	res, err := pg.Aggregate(context.Background(), source.Request{Shape: shape, Now: now,
		Query: "SELECT asset_ref, site, equipment_type, status, status_since FROM assets;"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Accepted() {
		if g.Values[0] != 0 {
			t.Errorf("group %v counts critical assets without a critical column", g.Keys)
		}
	}
}

// TestPostgresDebugLogsSQL: the SQL the exporter generates around the
// record query is logged at debug level, not at info.
func TestPostgresDebugLogsSQL(t *testing.T) {
	pg, _ := openDB(t, "debugsql", equipmentSQL)
	for level, want := range map[slog.Level]bool{slog.LevelDebug: true, slog.LevelInfo: false} {
		var logs bytes.Buffer
		_, err := pg.Aggregate(context.Background(), source.Request{Shape: equipmentShape(t), Now: now,
			Query: "SELECT * FROM assets", Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(logs.String(), `msg="aggregating the records in the database" sql=`) &&
			strings.Contains(logs.String(), "SELECT * FROM assets") && strings.Contains(logs.String(), "GROUP BY")
		if got != want {
			t.Errorf("at level %s: the generated SQL logged %v, want %v:\n%s", level, got, want, logs.String())
		}
	}
}

func TestPostgresTimeout(t *testing.T) {
	pg, _ := openDB(t, "timeout", equipmentSQL)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := pg.Aggregate(ctx, source.Request{Shape: equipmentShape(t), Now: now,
		Query: "SELECT a.* FROM assets a, pg_sleep(30)"})
	if err == nil {
		t.Fatal("a 30 s query finished inside a 300 ms timeout")
	}
	// Generous bound: the point is that the query did not run its 30 s.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the hung query took %v to end", d)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	pg, err := source.OpenPostgres("postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := pg.Aggregate(context.Background(), source.Request{Shape: equipmentShape(t), Query: "SELECT 1", Now: now}); err == nil {
		t.Error("aggregating from an unreachable database succeeded")
	}
}
