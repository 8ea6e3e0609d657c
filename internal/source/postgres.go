package source

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Postgres reads records from a PostgreSQL database through a small pool
// shared by every family that uses the source. Source systems are business
// databases: the exporter only ever reads, in read-only transactions bounded
// by a statement timeout, and lets the database do the counting.
type Postgres struct {
	db    *sqlx.DB
	conns *connector
}

// OpenPostgres prepares a pool of at most maxConns connections. It does not
// connect: an unreachable database is a failed collection, not a failed start.
func OpenPostgres(dsn string, maxConns int) (*Postgres, error) {
	conns, err := newConnector(dsn)
	if err != nil {
		// The parser's message can quote the connection string, password
		// and all.
		return nil, errors.New("opening postgres source: the connection string is not valid (not shown: it holds a password)")
	}
	db := sqlx.NewDb(sql.OpenDB(conns), "postgres")
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Postgres{db: db, conns: conns}, nil
}

// Close closes the pool.
func (p *Postgres) Close() error { return p.db.Close() }

// Aggregate runs the family's shape over the record query in the database
// and returns one row per group. The context's deadline also becomes the
// statement timeout, so a hung query ends on the server, not only here;
// and when the context ends the connection is closed, so that a server that
// has stopped answering cannot hold the collection past it. Whether the
// collection succeeds or not, the connection goes back to the pool only
// once no lock the record query took is left on it: its result then counts
// the advisory locks released, on a failure too.
func (p *Postgres) Aggregate(ctx context.Context, req Request) (records.Result, error) {
	conn, err := p.db.Connx(ctx)
	if err != nil {
		return records.Result{}, err
	}
	defer conn.Close()
	stop, err := p.conns.closeWith(ctx, conn.Conn)
	if err != nil {
		return records.Result{}, err
	}
	defer stop()
	res, err := read(ctx, conn, req)
	var canWrite bool
	after := ctx.Err() // ended: the connection is closed, its session's locks with it
	if after == nil {
		after = conn.QueryRowContext(ctx, afterSQL).Scan(&res.LocksReleased, &canWrite)
	}
	if after != nil {
		// A connection that may still hold a lock is not pooled.
		discard(conn)
		if err == nil {
			err = fmt.Errorf("checking the role and the locks left on the connection after the collection (the connection is closed): %w", redact(after))
		}
		return records.Result{}, err
	}
	if res.LocksReleased > 0 {
		if _, uerr := conn.ExecContext(ctx, "SELECT pg_advisory_unlock_all()"); uerr != nil {
			discard(conn)
		}
	}
	if err != nil {
		return records.Result{LocksReleased: res.LocksReleased}, err
	}
	res.CanWrite = &canWrite
	return res, nil
}

// discard closes conn's database connection rather than return it to the
// pool: its session ends, and every lock it held with it.
func discard(conn *sqlx.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // the error is the instruction
}

// read runs the collection's statements in a read-only transaction, rolled
// back when it returns.
func read(ctx context.Context, conn *sqlx.Conn, req Request) (records.Result, error) {
	tx, err := conn.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return records.Result{}, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	// Timestamps without a time zone are read as UTC, as the CSV reader
	// does; the groups are hashed (records.HashMemMultiplier). The
	// settings go in one round trip, the timeout as a parameter:
	// pg_stat_statements keeps a "SET" with each new constant as a
	// statement of its own, and would fill with one per collection.
	if _, err := tx.ExecContext(ctx, "SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', 'UTC', true), set_config('hash_mem_multiplier', $2, true)",
		strconv.FormatInt(timeout.Milliseconds(), 10), records.HashMemMultiplier); err != nil {
		return records.Result{}, redact(err)
	}
	columns, err := queryColumns(ctx, tx, req.Query, req.Now)
	if err != nil {
		return records.Result{}, fmt.Errorf("record query: %w", redact(inRecordQuery(err, columnsSQL(req.Query), req.Query)))
	}
	if slices.Contains(columns, records.RejectColumn) {
		return records.Result{}, fmt.Errorf("record query returns the reserved column %s", records.RejectColumn)
	}
	query, err := req.Shape.AggregateSQL(req.Query, func(c string) bool { return slices.Contains(columns, c) })
	if err != nil {
		return records.Result{}, err
	}
	req.debug("aggregating the records in the database", "sql", query)
	rows, err := tx.QueryContext(ctx, query, req.Now)
	if err != nil {
		return records.Result{}, fmt.Errorf("aggregating records: %w", redact(inRecordQuery(err, query, req.Query)))
	}
	defer rows.Close()
	res, err := req.Shape.ReadResult(rows)
	if err != nil {
		return records.Result{}, fmt.Errorf("aggregating records: %w", redact(err))
	}
	res.Now = req.Now
	return res, nil
}

// afterSQL runs on the connection once the read-only transaction has
// ended, in one round trip.
//
// It counts the advisory locks the connection's session still holds: a
// session-level one the record query, or a function it calls, took
// outlives the transaction (transaction-level ones went with the
// rollback), and would stay held on the pooled connection, blocking
// whatever else waits for it in the database. Aggregate then releases
// them, or closes the connection.
//
// And it tells whether the role can write despite the read-only
// transaction: a superuser can through dblink_exec and lo_export, members
// of the server file roles through COPY, and a role holding a write
// privilege on any table once anything opens another transaction on its
// connection.
const afterSQL = `SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
    r.rolsuper
    OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER')
    OR pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER')
    OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
  FROM pg_roles r WHERE r.rolname = current_user`

// safeClasses are the SQLSTATE classes whose messages quote only what the
// record query and the connection settings hold: syntax and access
// errors, a refused write, a connection or resource problem, a timeout.
// Any other message may quote a record's value: a data exception does, and
// so does an exception a function the query calls raises with one.
var safeClasses = map[pq.ErrorClass]bool{
	"08": true, "0A": true, "25": true, "28": true, "3D": true,
	"42": true, "53": true, "54": true, "57": true, "58": true,
}

// redact drops PostgreSQL's message for every other class, keeping its
// code.
func redact(err error) error {
	var pe *pq.Error
	if !errors.As(err, &pe) || safeClasses[pe.Code.Class()] {
		return err
	}
	if pe.Code.Class() == "22" {
		return fmt.Errorf("a record holds a value its column cannot take (PostgreSQL error %s, %s; the value is not shown): cast or filter it in the record query", pe.Code, pe.Code.Name())
	}
	return fmt.Errorf("PostgreSQL error %s, %s (its message is not shown: it may quote a record)", pe.Code, pe.Code.Name())
}

// positionError is PostgreSQL's error with its position given in the
// record query, where the user can find it, rather than in the statement
// that wraps it; line 0 is a position in the wrapping itself.
type positionError struct {
	pe           *pq.Error
	line, column int
}

func (e *positionError) Error() string {
	if e.line == 0 {
		return fmt.Sprintf("pq: %s, in the SQL around the record query (--log.level=debug logs it) (%s)", e.pe.Message, e.pe.Code)
	}
	return fmt.Sprintf("pq: %s at line %d, column %d of the record query (%s)", e.pe.Message, e.line, e.column, e.pe.Code)
}

func (e *positionError) Unwrap() error { return e.pe }

// inRecordQuery places the position of an error in a statement that holds
// the record query in the record query; an error without one is left as it
// is.
func inRecordQuery(err error, statement, query string) error {
	var pe *pq.Error
	if !errors.As(err, &pe) || pe.Position == "" {
		return err
	}
	pos, perr := strconv.Atoi(pe.Position) // in characters, from 1
	// The statement holds the query less its leading white space.
	trimmed := records.TrimQuery(query)
	inStatement := strings.Index(statement, trimmed)
	if perr != nil || inStatement < 0 || trimmed == "" {
		return &positionError{pe: pe}
	}
	leading := utf8.RuneCountInString(query[:strings.Index(query, trimmed)])
	at := pos - 1 - utf8.RuneCountInString(statement[:inStatement]) + leading // in the query's runes
	runes := []rune(query)
	if at < leading || at >= leading+utf8.RuneCountInString(trimmed) {
		return &positionError{pe: pe}
	}
	before := string(runes[:at])
	line := strings.Count(before, "\n") + 1
	column := utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:]) + 1
	return &positionError{pe: pe, line: line, column: column}
}

// columnsSQL asks for the record query's columns, reading no row. The
// condition gives $1 its type and makes it a parameter whether or not the
// record query uses it.
func columnsSQL(query string) string {
	return "SELECT * FROM (" + records.TrimQuery(query) + "\n) AS src WHERE $1::timestamptz IS NOT NULL LIMIT 0"
}

// queryColumns asks for the record query's columns without running it.
// The query may use $1, the collection's time, as the aggregation does.
func queryColumns(ctx context.Context, tx *sqlx.Tx, query string, now time.Time) ([]string, error) {
	// Prepared, so that PostgreSQL takes one statement only: a record query
	// cannot end the read-only transaction with "; COMMIT; ...".
	stmt, err := tx.PrepareContext(ctx, columnsSQL(query))
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}
