package dataset

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/sourcesystem"
)

// Load replaces the tables of examples/postgres/schema.sql (schema is that
// file's text) with the dataset, one COPY per table, then vacuums and
// analyses them so that the first query is not the one that sets hint bits.
// It returns the records loaded per family.
func (s Spec) Load(ctx context.Context, db *sql.DB, schema string) (map[string]int, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("creating the tables: %w", err)
	}
	loaded := map[string]int{}
	for _, t := range s.Tables() {
		n, err := t.copy(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", t.Name, err)
		}
		loaded[t.Family] = n
	}
	for _, t := range s.Tables() {
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+t.Name); err != nil {
			return nil, err
		}
	}
	return loaded, nil
}

func (t Table) copy(ctx context.Context, db *sql.DB) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // committed below on success
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("COPY %s (%s) FROM STDIN", t.Name, strings.Join(t.SourceColumns(), ", ")))
	if err != nil {
		return 0, err
	}
	n := 0
	vals := make([]any, len(t.Columns))
	for row := range t.Rows() {
		for i, v := range row {
			if s, ok := v.(string); ok {
				v = t.Columns[i].Stored(s)
			}
			vals[i] = v
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return n, err
		}
		n++
	}
	// An Exec without values ends the COPY and reports its errors.
	if _, err := stmt.ExecContext(ctx); err != nil {
		return n, err
	}
	if err := stmt.Close(); err != nil {
		return n, err
	}
	return n, tx.Commit()
}

// WriteCSV writes one CSV export per family into dir: a header row of
// contract column names, contract values, times in RFC 3339 UTC, booleans
// true/false and NULL as an empty cell. The exporter reads the files as they
// are, with the same records as Load puts in the database.
func (s Spec) WriteCSV(dir string) error {
	for _, t := range s.Tables() {
		if err := t.writeCSV(filepath.Join(dir, t.File)); err != nil {
			return fmt.Errorf("writing %s: %w", t.File, err)
		}
	}
	return nil
}

func (t Table) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := sourcesystem.EncodeCSV(bw, t.Table, t.Rows(), timeCell); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// timeCell formats the cells that are neither strings nor bools: a time, or
// nil for NULL.
func timeCell(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return ""
}
