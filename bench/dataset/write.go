package dataset

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = c.source
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("COPY %s (%s) FROM STDIN", t.Name, strings.Join(cols, ", ")))
	if err != nil {
		return 0, err
	}
	n := 0
	vals := make([]any, len(t.cols))
	for row := range t.Rows() {
		for i, v := range row {
			if s, ok := v.(string); ok && t.cols[i].code != nil {
				v = t.cols[i].code(s)
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
	w := csv.NewWriter(bw)
	var header []string
	for _, c := range t.cols {
		if c.contract != "" {
			header = append(header, c.contract)
		}
	}
	if err := w.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for row := range t.Rows() {
		rec = rec[:0]
		for i, c := range t.cols {
			if c.contract != "" {
				rec = append(rec, csvCell(row[i]))
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func csvCell(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return ""
}
