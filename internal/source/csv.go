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

// Aggregate reads the request's file and aggregates it in one pass.
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
func ReadCSV(ctx context.Context, r io.Reader, req Request) (records.Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return records.Result{}, errors.New("CSV file is empty: no header row")
	}
	if err != nil {
		return records.Result{}, fmt.Errorf("reading CSV header: %w", err)
	}
	positions, err := columnPositions(req.Shape.Columns, header, req.Columns)
	if err != nil {
		return records.Result{}, err
	}
	agg := req.Shape.NewAggregator(records.Env{Now: req.Now})
	rec := make(records.Record, len(req.Shape.Columns))
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return records.Result{}, ctx.Err()
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) && !errors.Is(perr.Err, csv.ErrQuote) && !errors.Is(perr.Err, csv.ErrBareQuote) {
				return records.Result{}, fmt.Errorf("reading CSV: %w", err)
			}
			// A stray quote spoils one row, not the file.
			agg.AddRejected(records.ReasonMalformedRow)
			continue
		}
		if len(row) != len(header) {
			agg.AddRejected(records.ReasonMalformedRow)
			continue
		}
		for i, col := range req.Shape.Columns {
			if p := positions[i]; p >= 0 {
				rec[i] = records.ParseCell(col, row[p])
			} else {
				rec[i] = records.Value{}
			}
		}
		agg.Add(rec)
	}
	return agg.Result(), nil
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
