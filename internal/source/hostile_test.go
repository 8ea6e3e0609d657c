package source_test

// The hostile-input suite of the sources: sources that stop answering,
// files that never end or are still being written, malformed exports that
// used to pass as a fresh success. Each case ends at its timeout or fails
// the collection with a reason; none may hang or lose rows silently.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

const incidentsHeader = "incident_ref,site,category,severity,reported_at,resolved_at\n"

// incidentRows is n well-formed incident rows, all accepted at now.
func incidentRows(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "INC-%05d,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n", i)
	}
	return b.String()
}

func incidentsRequest(file string) source.Request {
	f, _ := collectors.Lookup("incidents")
	return source.Request{Shape: f.Shape(collectors.DefaultSettings(f, []string{"north", "south"})), File: file, Now: now}
}

// within runs f and fails the test if it has not returned within d: a
// hang is reported, not waited out.
func within[T any](t *testing.T, d time.Duration, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("%s did not end within %v", what, d)
		panic("unreachable")
	}
}

type outcome struct {
	res records.Result
	err error
}

// writeExport writes a CSV export last modified a minute ago: finished,
// so that reading it need not wait for it to settle.
func writeExport(t *testing.T, dir, name, text string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func aggregateCSV(t *testing.T, dir, file string, timeout time.Duration) outcome {
	t.Helper()
	return aggregateWithin(t, source.CSV{Dir: dir}, incidentsRequest(file), timeout, "reading "+file)
}

// aggregateWithin collects from src within timeout, and fails the test if
// the collection has not ended 3 s after it.
func aggregateWithin(t *testing.T, src source.Source, req source.Request, timeout time.Duration, what string) outcome {
	t.Helper()
	return within(t, timeout+3*time.Second, what, func() outcome {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		res, err := src.Aggregate(ctx, req)
		return outcome{res, err}
	})
}

// TestHostileCSVNotAFile points a family at a named pipe no one writes to
// and at /dev/zero: opening the first blocked for ever, reading the second
// grew without bound. Both are refused at once.
func TestHostileCSVNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.csv"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.csv")); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"fifo.csv": "not a regular file (a named pipe)", "zero.csv": "not a regular file (a device)"} {
		start := time.Now()
		o := aggregateCSV(t, dir, file, 3*time.Second)
		if o.err == nil || !strings.Contains(o.err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, o.err, want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v, not at once", file, d)
		}
	}
}

// endless is a stream of one byte repeated for ever: a CSV "file" with no
// line end.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

func (endless) Seek(int64, int) (int64, error) { return 0, nil }

// TestHostileCSVUnboundedRecord reads a record that never ends and a 5 MB
// field: each fails at MaxRecordBytes instead of being held in memory until
// the timeout.
func TestHostileCSVUnboundedRecord(t *testing.T) {
	req := incidentsRequest("")
	o := within(t, 10*time.Second, "an endless record", func() outcome {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		res, err := source.ReadCSV(ctx, endless('x'), req)
		return outcome{res, err}
	})
	if o.err == nil || !strings.Contains(o.err.Error(), "longer than 1048576 bytes") {
		t.Errorf("an endless record: error %v, want the record size limit", o.err)
	}
	big := incidentsHeader + "INC-1,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-" + strings.Repeat("9", 5<<20) + ",north,cyber,high,2026-03-01T00:00:00Z,\n"
	_, err := source.ReadCSV(context.Background(), strings.NewReader(big), req)
	if err == nil || !strings.Contains(err.Error(), "longer than 1048576 bytes") {
		t.Errorf("a 5 MB field: error %v, want the record size limit", err)
	}
}

// TestHostileCSVTimeoutInsideRead: a stream that yields one byte per read
// and never a whole row used to be checked against the timeout only every
// 4096 rows, so never.
func TestHostileCSVTimeoutInsideRead(t *testing.T) {
	o := within(t, 10*time.Second, "a slow endless record", func() outcome {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		res, err := source.ReadCSV(ctx, &trickle{}, incidentsRequest(""))
		return outcome{res, err}
	})
	if !errors.Is(o.err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", o.err)
	}
}

// trickle gives a header, then a byte a millisecond of a field that never
// ends: 1 MiB would take 17 minutes.
type trickle struct{ n int }

func (tr *trickle) Read(p []byte) (int, error) {
	if tr.n < len(incidentsHeader) {
		n := copy(p, incidentsHeader[tr.n:])
		tr.n += n
		return n, nil
	}
	time.Sleep(time.Millisecond)
	p[0] = 'x'
	return 1, nil
}

func (*trickle) Seek(int64, int) (int64, error) { return 0, nil }

// TestHostileCSVUnclosedQuote opens a quote at row 100 of 3,206: it used to
// reject one row and silently drop the 3,105 after it. Closed 1,900 rows
// later, the block between became one accepted reference.
func TestHostileCSVUnclosedQuote(t *testing.T) {
	rows := strings.SplitAfter(incidentRows(3206), "\n")
	open := slicesClone(rows)
	open[99] = `"` + open[99] // row 100 is line 101: the header is line 1
	_, err := source.ReadCSV(context.Background(), strings.NewReader(incidentsHeader+strings.Join(open, "")), incidentsRequest(""))
	if err == nil || !strings.Contains(err.Error(), "line 101") || !strings.Contains(err.Error(), "quote") {
		t.Errorf("a quote left open at row 100: error %v, want it to fail at line 101", err)
	}
	closed := slicesClone(open)
	// Row 2,000 closes it: its reference ends the quoted field.
	closed[1999] = strings.Replace(closed[1999], ",", `",`, 1)
	_, err = source.ReadCSV(context.Background(), strings.NewReader(incidentsHeader+strings.Join(closed, "")), incidentsRequest(""))
	if err == nil || !strings.Contains(err.Error(), "line 101: the incident_ref cell runs over several lines") {
		t.Errorf("a quote closed 1,900 rows later: error %v, want the merged cell refused", err)
	}
	// A stray quote within one row still spoils that row only.
	stray := slicesClone(rows)
	stray[99] = strings.Replace(stray[99], "north", `no"rth`, 1)
	res, err := source.ReadCSV(context.Background(), strings.NewReader(incidentsHeader+strings.Join(stray, "")), incidentsRequest(""))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Read(); got != 3206 || res.Rejected()[records.ReasonMalformedRow] != 1 {
		t.Errorf("a stray quote: read %v with %v malformed, want 3206 with 1", got, res.Rejected()[records.ReasonMalformedRow])
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// TestHostileCSVLineEndingsAndHeaders reads the same 50 records written as
// Excel's "CSV (Macintosh)" (CR line ends), with Windows line ends, and as
// PowerShell's Export-Csv writes them (a byte order mark, every cell
// quoted): each must give the groups of the plain export.
func TestHostileCSVLineEndingsAndHeaders(t *testing.T) {
	plain := incidentsHeader + incidentRows(50)
	req := incidentsRequest("")
	want, err := source.ReadCSV(context.Background(), strings.NewReader(plain), req)
	if err != nil {
		t.Fatal(err)
	}
	if want.Read() != 50 {
		t.Fatalf("the plain export reads %v records, want 50", want.Read())
	}
	var quoted strings.Builder
	quoted.WriteString("\ufeff")
	for _, line := range strings.Split(strings.TrimSuffix(plain, "\n"), "\n") {
		quoted.WriteString(`"` + strings.ReplaceAll(line, ",", `","`) + "\"\r\n")
	}
	for name, text := range map[string]string{
		"CR":                    strings.ReplaceAll(plain, "\n", "\r"),
		"CRLF":                  strings.ReplaceAll(plain, "\n", "\r\n"),
		"BOM and quoted header": quoted.String(),
	} {
		got, err := source.ReadCSV(context.Background(), strings.NewReader(text), req)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(groupStrings(got), groupStrings(want)) {
			t.Errorf("%s: groups %v, want %v", name, groupStrings(got), groupStrings(want))
		}
	}
}

// TestHostileCSVRefused: exports that cannot be read whole fail the
// collection with their reason, never pass as a success with fewer records.
func TestHostileCSVRefused(t *testing.T) {
	row := "INC-1,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n"
	for name, tc := range map[string]struct{ text, want string }{
		"duplicate column": {"incident_ref,site,category,severity,reported_at,resolved_at,site\n" + strings.TrimSuffix(row, "\n") + ",south\n", "names column site 2 times"},
		"partial last row": {incidentsHeader + row + "INC-2,north,cyb", "line 3: the file ends in a partial row"},
	} {
		_, err := source.ReadCSV(context.Background(), strings.NewReader(tc.text), incidentsRequest(""))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
	// A last row without a line end is whole when its cells are all there.
	res, err := source.ReadCSV(context.Background(), strings.NewReader(incidentsHeader+row+strings.TrimSuffix(row, "\n")), incidentsRequest(""))
	if err != nil || res.Read() != 2 {
		t.Errorf("a whole last row without a line end: read %v, %v; want 2 records", res.Read(), err)
	}
}

// TestHostileCSVRewrittenWhileCollected rewrites an export in place, the
// way a careless export job does (truncate, then 10 chunks 50 ms apart),
// while collections run back to back. A collection may fail or wait, but
// none may succeed on part of the file.
func TestHostileCSVRewrittenWhileCollected(t *testing.T) {
	dir := t.TempDir()
	text := incidentsHeader + incidentRows(3206)
	writeExport(t, dir, "incidents.csv", text)
	path := filepath.Join(dir, "incidents.csv")
	writerDone := make(chan error, 1)
	go func() {
		writerDone <- func() error {
			for range 4 {
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
				if err != nil {
					return err
				}
				chunk := len(text)/10 + 1
				for i := 0; i < len(text); i += chunk {
					if _, err := f.WriteString(text[i:min(i+chunk, len(text))]); err != nil {
						f.Close()
						return err
					}
					time.Sleep(50 * time.Millisecond)
				}
				f.Close()
				time.Sleep(1200 * time.Millisecond) // the export's next run
			}
			return nil
		}()
	}()
	var tried, succeeded, partial int
	for writing := true; writing; {
		select {
		case err := <-writerDone:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
		default:
		}
		o := aggregateCSV(t, dir, "incidents.csv", 5*time.Second)
		tried++
		if o.err != nil {
			t.Log(o.err)
		}
		if o.err == nil {
			succeeded++
			if o.res.Read() != 3206 {
				partial++
				t.Errorf("a collection succeeded on %v of 3206 records", o.res.Read())
			}
		}
	}
	t.Logf("%d collections while the file was rewritten: %d succeeded, %d on part of it", tried, succeeded, partial)
	if succeeded == 0 {
		t.Error("no collection succeeded once the file was whole")
	}
}

// TestHostileCSVDeadExport: an export whose job stopped 45 days ago. Its
// age is reported, and max_age fails the collection.
func TestHostileCSVDeadExport(t *testing.T) {
	dir := t.TempDir()
	writeExport(t, dir, "incidents.csv", incidentsHeader+incidentRows(3))
	modified := time.Now().Add(-45 * 24 * time.Hour).Truncate(time.Second)
	if err := os.Chtimes(filepath.Join(dir, "incidents.csv"), modified, modified); err != nil {
		t.Fatal(err)
	}
	req := incidentsRequest("incidents.csv")
	req.Now = modified.Add(45 * 24 * time.Hour)
	res, err := source.CSV{Dir: dir}.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Modified.Equal(modified) {
		t.Errorf("modified %v, want the file's %v", res.Modified, modified)
	}
	req.MaxAge = 7 * 24 * time.Hour
	_, err = source.CSV{Dir: dir}.Aggregate(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "last modified 1080h0m0s ago, longer than max_age 168h0m0s") {
		t.Errorf("error %v, want max_age to fail a file 45 days old", err)
	}
}

// TestHostilePostgresSilentServer points the source at a port that accepts
// connections and never answers: lib/pq waited for the start-up reply for
// ever, whatever the context said.
func TestHostilePostgresSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // read nothing, answer nothing
		}
	}()
	pg, err := source.OpenPostgres("postgres://sems@"+l.Addr().String()+"/sems?sslmode=disable", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	start := time.Now()
	o := aggregateWithin(t, pg, incidentsRequest(""), 500*time.Millisecond, "a collection from a silent server")
	if o.err == nil {
		t.Fatal("a collection from a silent server succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the collection ended after %v, not at its 500 ms timeout", d)
	}
}

// TestHostilePostgresStoppedBackend stops (SIGSTOP) the PostgreSQL process
// serving the source's pooled connection: lib/pq's cancel request reaches
// the server, but the stopped process never reads it, and the collection
// waited until it was continued.
func TestHostilePostgresStoppedBackend(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) != "" {
		t.Skip("stops a server process: only with the tests' own server")
	}
	pg, db := openDB(t, "stopped", "CREATE TABLE incident_log (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz)")
	req := incidentsRequest("")
	req.Query = "SELECT * FROM incident_log"
	if _, err := pg.Aggregate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	// The source's one idle connection is the database's other backend.
	var pid int
	if err := db.QueryRow(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&pid); err != nil {
		t.Fatalf("finding the source's backend: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	start := time.Now()
	o := aggregateWithin(t, pg, req, 500*time.Millisecond, "a collection from a stopped backend")
	if o.err == nil {
		t.Fatal("a collection from a stopped backend succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the collection ended after %v, not at its 500 ms timeout", d)
	}
	// The closed connection is replaced: the next collection, once the
	// process runs again, succeeds.
	syscall.Kill(pid, syscall.SIGCONT)
	if _, err := pg.Aggregate(context.Background(), req); err != nil {
		t.Errorf("after the backend continued: %v", err)
	}
}

const incidentLog = `CREATE TABLE incident_log (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz);
INSERT INTO incident_log VALUES ('INC-1', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z'),
 ('INC-P. Smith', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', NULL);
`

// TestHostilePostgresQueries: a record query using $1, as the family docs
// allow, failed every collection ("expected 1 arguments, got 0"); an
// exception raised with a record's value by a function the query calls
// put the value in the log; and each collection's timeout, sent as a
// constant in SET, became a new pg_stat_statements entry every time.
func TestHostilePostgresQueries(t *testing.T) {
	pg, db := openDB(t, "queries", incidentLog+`
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE FUNCTION checked(ref text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF ref LIKE '%Smith%' THEN RAISE EXCEPTION 'bad record %', ref; END IF;
  RETURN ref;
END $$;`)
	req := incidentsRequest("")
	req.Query = "SELECT * FROM incident_log WHERE reported_at <= $1"
	res, err := pg.Aggregate(context.Background(), req)
	if err != nil {
		t.Errorf("a record query using $1: %v", err)
	} else if res.Read() != 2 {
		t.Errorf("a record query using $1 read %v records, want 2", res.Read())
	}

	req.Query = "SELECT checked(incident_ref) AS incident_ref, site, category, severity, reported_at, resolved_at FROM incident_log"
	_, err = pg.Aggregate(context.Background(), req)
	if err == nil || strings.Contains(err.Error(), "Smith") || !strings.Contains(err.Error(), "P0001") {
		t.Errorf("an exception raised with a record's value: error %v, want its code P0001 and not the value", err)
	}

	if _, err := db.Exec("SELECT pg_stat_statements_reset()"); err != nil {
		t.Fatal(err)
	}
	req.Query = "SELECT * FROM incident_log"
	for i := 1; i <= 5; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i)*time.Second+time.Duration(i)*time.Millisecond)
		_, err := pg.Aggregate(ctx, req)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	var entries int
	if err := db.QueryRow(`SELECT count(*) FROM pg_stat_statements
		WHERE (query ILIKE '%statement_timeout%' OR query ILIKE '%set_config%') AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 1 {
		t.Errorf("5 collections with 5 timeouts left %d pg_stat_statements entries setting the timeout, want 1", entries)
	}
}

// TestHostilePostgresWritableRole: over a superuser's connection the
// read-only transaction did not stop dblink_exec or lo_export writing, and
// nothing said so. The role is checked on each collection.
func TestHostilePostgresWritableRole(t *testing.T) {
	dsn, _ := prepare(t, "roles", incidentLog+`
DROP ROLE IF EXISTS sems_hostile_reader; DROP ROLE IF EXISTS sems_hostile_writer;
CREATE ROLE sems_hostile_reader LOGIN; GRANT SELECT ON incident_log TO sems_hostile_reader;
CREATE ROLE sems_hostile_writer LOGIN; GRANT SELECT, UPDATE ON incident_log TO sems_hostile_writer;`)
	req := incidentsRequest("")
	req.Query = "SELECT * FROM incident_log"
	for user, want := range map[string]bool{"postgres": true, "sems_hostile_writer": true, "sems_hostile_reader": false} {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.User(user)
		pg, err := source.OpenPostgres(u.String(), 1)
		if err != nil {
			t.Fatal(err)
		}
		res, err := pg.Aggregate(context.Background(), req)
		pg.Close()
		if err != nil {
			t.Errorf("%s: %v", user, err)
			continue
		}
		if res.CanWrite == nil || *res.CanWrite != want {
			t.Errorf("%s: can write = %v, want %v", user, res.CanWrite, want)
		}
	}
}

// TestHostilePostgresAdvisoryLocks: a session-level advisory lock a record
// query takes outlives its read-only transaction, and stayed held on the
// pooled connection, blocking whatever else in the database waited for it.
// After each collection, successful or not, the source releases the locks
// its session holds and counts them; a connection it cannot release them
// on is closed rather than pooled.
func TestHostilePostgresAdvisoryLocks(t *testing.T) {
	dsn, admin := prepare(t, "locks", incidentLog+`
CREATE FUNCTION lock_then_fail() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_lock(43);
  RAISE EXCEPTION 'failed while holding a lock';
END $$;
DROP ROLE IF EXISTS sems_locks_reader;
CREATE ROLE sems_locks_reader LOGIN;
ALTER ROLE sems_locks_reader SET default_transaction_read_only = on;
GRANT SELECT ON incident_log TO sems_locks_reader;`)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("sems_locks_reader")
	// One connection: every collection reuses the pooled one, as long as
	// it is pooled.
	pg, err := source.OpenPostgres(u.String(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	// held counts the advisory locks any backend holds, polled for up to
	// 5 s: a closed connection's backend releases its locks as it exits,
	// just after the client has closed it.
	held := func(want int) int {
		t.Helper()
		var n int
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if err := admin.QueryRow("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == want || time.Now().After(deadline) {
				return n
			}
		}
	}
	backend := func() (pid int) {
		t.Helper()
		if err := admin.QueryRow("SELECT pid FROM pg_stat_activity WHERE usename = 'sems_locks_reader'").Scan(&pid); err != nil {
			t.Fatalf("the source's pooled connection: %v", err)
		}
		return pid
	}
	req := incidentsRequest("")

	// A lock taken, read by both the column probe and the aggregation,
	// and a transaction-level one that ends with the transaction: one
	// session lock is left (re-entrant, it is one row of pg_locks).
	req.Query = "SELECT i.* FROM incident_log i CROSS JOIN (SELECT pg_advisory_lock(42), pg_advisory_xact_lock(44)) AS l"
	res, err := pg.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.LocksReleased != 1 || res.Read() != 2 {
		t.Errorf("a query taking a lock: %d locks released, %v records read; want 1 and 2", res.LocksReleased, res.Read())
	}
	if n := held(0); n != 0 {
		t.Errorf("after the collection, %d advisory locks are held, want 0", n)
	}
	pid := backend()

	// A function that takes a lock and then fails the collection.
	req.Query = "SELECT * FROM incident_log WHERE lock_then_fail()"
	res, err = pg.Aggregate(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "P0001") {
		t.Errorf("a query failing while holding a lock: error %v, want P0001", err)
	}
	if res.LocksReleased != 1 {
		t.Errorf("a query failing while holding a lock: %d locks released, want 1", res.LocksReleased)
	}
	if n := held(0); n != 0 {
		t.Errorf("after the failed collection, %d advisory locks are held, want 0", n)
	}
	if again := backend(); again != pid {
		t.Errorf("the connection released of its locks was replaced (backend %d, then %d), want it pooled", pid, again)
	}

	// A collection that times out holding a lock: its connection is
	// closed at the timeout, with nothing waiting on it, and the lock ends
	// with its session.
	req.Query = "SELECT i.* FROM incident_log i CROSS JOIN (SELECT pg_advisory_lock(42), pg_sleep(30)) AS l"
	start := time.Now()
	o := aggregateWithin(t, pg, req, 500*time.Millisecond, "a collection timing out with a lock")
	if o.err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("a collection timing out with a lock: error %v after %v, want a failure at its 500 ms timeout", o.err, time.Since(start))
	}
	if n := held(0); n != 0 {
		t.Errorf("after the timed-out collection, %d advisory locks are held, want 0", n)
	}
	req.Query = "SELECT * FROM incident_log"
	if res, err := pg.Aggregate(context.Background(), req); err != nil || res.LocksReleased != 0 {
		t.Errorf("the collection after the timed-out one: %v, %d locks released; want success and 0", err, res.LocksReleased)
	}
	pid = backend()

	// The role may not release them: the connection is closed instead, and
	// the next collection opens another.
	if _, err := admin.Exec("REVOKE EXECUTE ON FUNCTION pg_advisory_unlock_all() FROM PUBLIC"); err != nil {
		t.Fatal(err)
	}
	req.Query = "SELECT i.* FROM incident_log i CROSS JOIN (SELECT pg_advisory_lock(42)) AS l"
	res, err = pg.Aggregate(context.Background(), req)
	if err != nil || res.LocksReleased != 1 {
		t.Errorf("a lock the role cannot release: %v, %d locks released; want success and 1", err, res.LocksReleased)
	}
	if n := held(0); n != 0 {
		t.Errorf("after closing the connection, %d advisory locks are held, want 0", n)
	}
	req.Query = "SELECT * FROM incident_log"
	if res, err := pg.Aggregate(context.Background(), req); err != nil || res.LocksReleased != 0 {
		t.Errorf("the next collection: %v, %d locks released; want success and 0", err, res.LocksReleased)
	}
	if again := backend(); again == pid {
		t.Errorf("the connection that kept its lock is still pooled (backend %d)", pid)
	}
}
