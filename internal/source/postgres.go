package source

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Postgres reads records from a PostgreSQL database through a small pool
// shared by every family that uses the source. Source systems are business
// databases: the exporter only ever reads, in read-only transactions bounded
// by a statement timeout, and lets the database do the counting.
type Postgres struct {
	db *sqlx.DB
}

// OpenPostgres prepares a pool of at most maxConns connections. It does not
// connect: an unreachable database is a failed collection, not a failed start.
func OpenPostgres(dsn string, maxConns int) (*Postgres, error) {
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		// The parser's message can quote the connection string, password
		// and all.
		return nil, errors.New("opening postgres source: the connection string is not valid (not shown: it holds a password)")
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Postgres{db: db}, nil
}

// Close closes the pool.
func (p *Postgres) Close() error { return p.db.Close() }

// Aggregate runs the family's shape over the record query in the database
// and returns one row per group. The context's deadline also becomes the
// statement timeout, so a hung query ends on the server, not only here.
func (p *Postgres) Aggregate(ctx context.Context, req Request) (records.Result, error) {
	tx, err := p.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return records.Result{}, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	// Timestamps without a time zone are read as UTC, as the CSV reader
	// does. Both settings go in one round trip.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d; SET LOCAL TimeZone = 'UTC'", timeout.Milliseconds())); err != nil {
		return records.Result{}, err
	}
	columns, err := queryColumns(ctx, tx, req.Query)
	if err != nil {
		return records.Result{}, fmt.Errorf("record query: %w", err)
	}
	if slices.Contains(columns, records.RejectColumn) {
		return records.Result{}, fmt.Errorf("record query returns the reserved column %s", records.RejectColumn)
	}
	query, err := req.Shape.AggregateSQL(req.Query, func(c string) bool { return slices.Contains(columns, c) })
	if err != nil {
		return records.Result{}, err
	}
	rows, err := tx.QueryContext(ctx, query, req.Now)
	if err != nil {
		return records.Result{}, fmt.Errorf("aggregating records: %w", redact(err))
	}
	defer rows.Close()
	res, err := scanGroups(rows, len(req.Shape.Keys), len(req.Shape.Measures))
	if err != nil {
		return records.Result{}, fmt.Errorf("aggregating records: %w", redact(err))
	}
	res.Now = req.Now
	return res, nil
}

// redact drops PostgreSQL's message for a data exception: it quotes the
// value that failed, which may be a name from a free-text column.
func redact(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code.Class() == "22" {
		return fmt.Errorf("a record holds a value its column cannot take (PostgreSQL error %s, %s; the value is not shown): cast or filter it in the record query", pe.Code, pe.Code.Name())
	}
	return err
}

// queryColumns asks for the record query's columns without running it.
func queryColumns(ctx context.Context, tx *sqlx.Tx, query string) ([]string, error) {
	// Prepared, so that PostgreSQL takes one statement only: a record query
	// cannot end the read-only transaction with "; COMMIT; ...".
	stmt, err := tx.PrepareContext(ctx, "SELECT * FROM ("+records.TrimQuery(query)+"\n) AS src LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

func scanGroups(rows *sql.Rows, nKeys, nMeasures int) (records.Result, error) {
	var groups []records.Group
	reject := sql.NullString{}
	keys := make([]sql.NullString, nKeys)
	values := make([]sql.NullFloat64, nMeasures)
	var count float64
	dest := []any{&reject}
	for i := range keys {
		dest = append(dest, &keys[i])
	}
	dest = append(dest, &count)
	for i := range values {
		dest = append(dest, &values[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return records.Result{}, err
		}
		g := records.Group{Reject: reject.String, Count: count, Keys: make([]string, nKeys), Values: make([]float64, nMeasures)}
		for i, k := range keys {
			g.Keys[i] = k.String
		}
		for i, v := range values {
			g.Values[i] = math.NaN()
			if v.Valid {
				g.Values[i] = v.Float64
			}
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return records.Result{}, err
	}
	return records.NewResult(groups), nil
}
