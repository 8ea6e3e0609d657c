// Package source reads a family's records from where an organisation keeps
// them and returns them aggregated: PostgreSQL aggregates in the database,
// CSV exports are aggregated in Go, and both give the same groups.
package source

import (
	"context"
	"log/slog"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Request is what one collection asks of a source.
type Request struct {
	Shape *records.Shape
	// Query is a PostgreSQL record query; File a CSV file within the source's
	// directory, and Columns maps contract columns to its header names.
	Query   string
	File    string
	Columns map[string]string
	// Values maps, per contract column, a CSV file's codes to the
	// contract's values; other codes pass as they are.
	Values map[string]map[string]string
	// MaxAge, when set, fails a CSV file last modified longer ago: its
	// export has stopped.
	MaxAge time.Duration
	Now    time.Time
	// Log, when set, takes debug lines: the SQL sent to PostgreSQL, the
	// line of each CSV row rejected (a line number identifies no one).
	Log *slog.Logger
}

func (r Request) debug(msg string, args ...any) {
	if r.Log != nil {
		r.Log.Debug(msg, args...)
	}
}

// Source is a system records are read from.
type Source interface {
	Aggregate(ctx context.Context, req Request) (records.Result, error)
	Close() error
}
