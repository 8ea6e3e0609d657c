package source

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// CSV reads records from CSV exports in one directory, a file per family,
// with a header row naming the columns.
type CSV struct {
	Dir string
}

// Aggregate reads the request's file and aggregates it.
func (c CSV) Aggregate(ctx context.Context, req Request) (records.Result, error) {
	f, err := os.Open(filepath.Join(c.Dir, req.File))
	if err != nil {
		return records.Result{}, err
	}
	defer f.Close()
	return ReadCSV(ctx, f, req)
}

// ReadCSV aggregates the records of one CSV stream. A header that lacks a
// required column fails the whole read; a bad row is rejected and counted.
//
// A record is a duplicate if any row, before or after it, shares its
// identity, so a shape with identities reads the stream twice: once for the
// identity cells only, counting them, then from the same start for the
// records. Only the identities are held in memory, never the rows.
func ReadCSV(ctx context.Context, r io.ReadSeeker, req Request) (records.Result, error) {
	agg := req.Shape.NewAggregator(records.Env{Now: req.Now})
	if len(req.Shape.Identities) == 0 {
		if _, err := scanCSV(ctx, r, req, nil, agg.Add, agg.AddRejected); err != nil {
			return records.Result{}, err
		}
		return agg.Result(), nil
	}
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return records.Result{}, fmt.Errorf("reading CSV: %w", err)
	}
	// A malformed row is no copy: PostgreSQL would never have it.
	counted, err := scanCSV(ctx, r, req, req.Shape.IdentityColumns(), agg.CountIdentity, func(string) {})
	if err != nil {
		return records.Result{}, err
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return records.Result{}, fmt.Errorf("reading CSV: %w", err)
	}
	read, err := scanCSV(ctx, r, req, nil, agg.Add, agg.AddRejected)
	if err != nil {
		return records.Result{}, err
	}
	if read != counted {
		// Rewritten in place between the passes: its duplicates are unknown.
		return records.Result{}, errors.New("the CSV file changed while it was read")
	}
	return agg.Result(), nil
}

// csvRows counts the rows of one pass over a CSV stream.
type csvRows struct{ wellFormed, malformed int }

// scanCSV reads the header, then passes each well-formed row to record,
// parsed into the shape's columns (only those marked in parse, when it is
// not nil; the others are left as they were), and reports each malformed row.
func scanCSV(ctx context.Context, r io.Reader, req Request, parse []bool, record func(records.Record), reject func(reason string)) (csvRows, error) {
	var n csvRows
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return n, errors.New("CSV file is empty: no header row")
	}
	if err != nil {
		return n, fmt.Errorf("reading CSV header: %w", err)
	}
	positions, err := columnPositions(req.Shape.Columns, header, req.Columns)
	if err != nil {
		return n, err
	}
	rec := make(records.Record, len(req.Shape.Columns))
	for line := 0; ; line++ {
		if line%4096 == 0 && ctx.Err() != nil {
			return n, ctx.Err()
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) && !errors.Is(perr.Err, csv.ErrQuote) && !errors.Is(perr.Err, csv.ErrBareQuote) {
				return n, fmt.Errorf("reading CSV: %w", err)
			}
			// A stray quote spoils one row, not the file.
			n.malformed++
			reject(records.ReasonMalformedRow)
			continue
		}
		if len(row) != len(header) {
			n.malformed++
			reject(records.ReasonMalformedRow)
			continue
		}
		n.wellFormed++
		for i, col := range req.Shape.Columns {
			if parse != nil && !parse[i] {
				continue
			}
			if p := positions[i]; p >= 0 {
				rec[i] = records.ParseCell(col, row[p])
			} else {
				rec[i] = records.Value{}
			}
		}
		record(rec)
	}
}

// columnPositions finds each contract column in the header, by its mapped
// name if the configuration maps it. Header names match case-insensitively.
func columnPositions(cols []records.Column, header []string, mapping map[string]string) ([]int, error) {
	byName := map[string]int{}
	for i, h := range header {
		byName[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	positions := make([]int, len(cols))
	var missing []string
	for i, c := range cols {
		name := c.Name
		if m, ok := mapping[c.Name]; ok {
			name = m
		}
		p, ok := byName[strings.ToLower(name)]
		if !ok {
			p = -1
			if c.Required {
				missing = append(missing, name)
			}
		}
		positions[i] = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("CSV header lacks required column(s) %s", strings.Join(missing, ", "))
	}
	return positions, nil
}

// Close has nothing to release: files are opened per collection.
func (CSV) Close() error { return nil }
