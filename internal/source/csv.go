package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/bounded"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// MaxRecordBytes bounds one CSV record, header included: a record is a few
// short cells, and a longer one is a field whose quote never closes, or not
// a CSV file at all. It bounds the memory one collection can take.
const MaxRecordBytes = 1 << 20

// settleTime is how long a CSV file must have been left alone before it is
// read: a file modified more recently is still being written, and a read
// would see part of it.
const settleTime = time.Second

// CSV reads records from CSV exports in one directory, a file per family,
// with a header row naming the columns.
type CSV struct {
	Dir string
}

// Aggregate reads the request's file and aggregates it. The file is closed
// when the context ends, so that no read outlives the collection.
func (c CSV) Aggregate(ctx context.Context, req Request) (records.Result, error) {
	f, err := bounded.Open(filepath.Join(c.Dir, req.File))
	if err != nil {
		return records.Result{}, err
	}
	res, err := c.aggregate(ctx, f, req)
	if err != nil {
		// Which of the directory's files, for whoever fixes the export.
		return records.Result{}, fmt.Errorf("%s: %w", req.File, err)
	}
	return res, nil
}

func (c CSV) aggregate(ctx context.Context, f *os.File, req Request) (records.Result, error) {
	defer f.Close()
	defer context.AfterFunc(ctx, func() { f.Close() })()
	before, err := settled(ctx, f)
	if err != nil {
		return records.Result{}, err
	}
	if age := req.Now.Sub(before.ModTime()); req.MaxAge > 0 && age > req.MaxAge {
		return records.Result{}, fmt.Errorf("the CSV file was last modified %s ago, longer than max_age %s: is its export still running?",
			age.Round(time.Second), req.MaxAge)
	}
	res, err := ReadCSV(ctx, f, req)
	if err != nil {
		return records.Result{}, err
	}
	after, err := f.Stat()
	if err != nil {
		return records.Result{}, err
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return records.Result{}, errChanged
	}
	res.Modified = before.ModTime()
	return res, nil
}

var errChanged = errors.New("the CSV file changed while it was read: export it to a temporary file and rename that into place")

// settled waits until the file has not been modified for settleTime, so
// that a file being written is read once it is whole, and returns its state
// then. A modification time in the future is taken as settled.
func settled(ctx context.Context, f *os.File) (os.FileInfo, error) {
	for {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		age := time.Since(st.ModTime())
		if age < 0 || age >= settleTime {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the CSV file was still being written: %w", ctx.Err())
		case <-time.After(settleTime - age):
		}
	}
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
	// The first pass logs nothing: the second logs each row once.
	first := req
	first.Log = nil
	counted, err := scanCSV(ctx, r, first, req.Shape.IdentityColumns(), func(rec records.Record) string { agg.CountIdentity(rec); return "" }, func(string) {})
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
		return records.Result{}, errChanged
	}
	return agg.Result(), nil
}

// csvRows counts the rows of one pass over a CSV stream.
type csvRows struct{ wellFormed, malformed int }

// scanCSV reads the header, then passes each well-formed row to record,
// parsed into the shape's columns (only those marked in parse, when it is
// not nil; the others are left as they were), and reports each malformed row.
//
// A file that cannot be read whole fails: a record too long to be one, a
// quote left open across lines (it would swallow the rows after it), a last
// row cut short (the file is still being written).
func scanCSV(ctx context.Context, r io.Reader, req Request, parse []bool, record func(records.Record) string, reject func(reason string)) (csvRows, error) {
	var n csvRows
	in := &csvStream{ctx: ctx, r: r}
	cr := csv.NewReader(in)
	in.recordStart = cr.InputOffset
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return n, errors.New("CSV file is empty: no header row")
	}
	if err != nil {
		return n, fmt.Errorf("reading CSV header: %w", err)
	}
	header = append([]string(nil), header...) // not reused by the next Read
	positions, err := columnPositions(req.Shape.Columns, header, req.Columns)
	if err != nil {
		return n, err
	}
	valueMaps := make([]map[string]string, len(req.Shape.Columns))
	for i, col := range req.Shape.Columns {
		valueMaps[i] = req.Values[col.Name]
	}
	rec := make(records.Record, len(req.Shape.Columns))
	lastMalformed := false
	line := 1 // where the last row read starts
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if lastMalformed && !in.endsLine {
				return n, fmt.Errorf("line %d: the file ends in a partial row: is it still being written? Export it to a temporary file and rename that into place", line)
			}
			return n, nil
		}
		if err != nil {
			var perr *csv.ParseError
			if !errors.As(err, &perr) {
				return n, fmt.Errorf("reading CSV after the row on line %d: %w", line, err)
			}
			if perr.Line > perr.StartLine || (!errors.Is(perr.Err, csv.ErrQuote) && !errors.Is(perr.Err, csv.ErrBareQuote)) {
				return n, fmt.Errorf("reading CSV: %w (a quote left open takes every row after it)", err)
			}
			// A stray quote on one line spoils that row, not the file.
			line = perr.StartLine
			n.malformed++
			lastMalformed = true
			reject(records.ReasonMalformedRow)
			req.debug("record rejected", "line", line, "reason", records.ReasonMalformedRow)
			continue
		}
		line, _ = cr.FieldPos(0)
		lastMalformed = len(row) != len(header)
		if lastMalformed {
			n.malformed++
			reject(records.ReasonMalformedRow)
			req.debug("record rejected", "line", line, "reason", records.ReasonMalformedRow)
			continue
		}
		for _, p := range positions {
			if p >= 0 && strings.ContainsAny(row[p], "\r\n") {
				start, _ := cr.FieldPos(p)
				return n, fmt.Errorf("line %d: the %s cell runs over several lines: a quote left open takes every row after it", start, header[p])
			}
		}
		n.wellFormed++
		for i, col := range req.Shape.Columns {
			if parse != nil && !parse[i] {
				continue
			}
			if p := positions[i]; p >= 0 {
				rec[i] = records.ParseCell(col, mapValue(valueMaps[i], row[p]))
			} else {
				rec[i] = records.Value{}
			}
		}
		if reason := record(rec); reason != "" {
			req.debug("record rejected", "line", line, "reason", reason)
		}
	}
}

// mapValue gives a cell's value from its column's value map, the cell
// itself when the map has no entry for its code.
func mapValue(m map[string]string, cell string) string {
	if v, ok := m[strings.TrimSpace(cell)]; ok {
		return v
	}
	return cell
}

// csvStream is what the CSV parser reads: the stream without a leading
// byte order mark and with every line ending made "\n" (Excel's "CSV
// (Macintosh)" ends lines with "\r" alone). It ends with its context, and
// fails a record longer than MaxRecordBytes rather than hold it in memory.
type csvStream struct {
	ctx         context.Context
	r           io.Reader
	recordStart func() int64 // the parser's offset of the record it reads
	given       int64        // bytes handed to the parser
	started     bool         // past the byte order mark
	afterCR     bool         // the last byte read was "\r"
	endsLine    bool         // the last byte handed on ends a line
}

var errRecordTooLong = fmt.Errorf("a CSV record is longer than %d bytes: a quote left open, or not a CSV file", MaxRecordBytes)

func (s *csvStream) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	if s.given-s.recordStart() > MaxRecordBytes {
		return 0, errRecordTooLong
	}
	n, err := s.r.Read(p)
	b := p[:n]
	if !s.started && n > 0 {
		// A short first read could split the mark; files are read in
		// blocks, and a split mark is then a header cell's first bytes.
		b = bytes.TrimPrefix(b, []byte("\ufeff"))
		s.started = true
	}
	out := 0
	for _, c := range b {
		if c == '\n' && s.afterCR {
			s.afterCR = false
			continue
		}
		s.afterCR = c == '\r'
		if c == '\r' {
			c = '\n'
		}
		p[out] = c
		out++
	}
	if out > 0 {
		s.endsLine = p[out-1] == '\n'
	}
	s.given += int64(out)
	return out, err
}

// columnPositions finds each contract column in the header, by its mapped
// name if the configuration maps it. Header names match case-insensitively;
// a column the header names twice is refused, as either could be meant.
func columnPositions(cols []records.Column, header []string, mapping map[string]string) ([]int, error) {
	byName := map[string][]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		byName[name] = append(byName[name], i)
	}
	positions := make([]int, len(cols))
	var missing []string
	known := map[string]bool{}
	for i, c := range cols {
		name := c.Name
		if m, ok := mapping[c.Name]; ok {
			name = m
		}
		known[strings.ToLower(name)] = true
		positions[i] = -1
		switch found := byName[strings.ToLower(name)]; len(found) {
		case 0:
			if c.Required {
				missing = append(missing, name)
			}
		case 1:
			positions[i] = found[0]
		default:
			return nil, fmt.Errorf("CSV header names column %s %d times", name, len(found))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("CSV header lacks required column(s) %s; %s", strings.Join(missing, ", "), describeHeader(header, known))
	}
	return positions, nil
}

// describeHeader says what a header that lacks a column holds: a file
// separated by semicolons (a spreadsheet's export in many locales), or the
// header's names. A row none of whose cells names a column of the record
// contract may be a record, and is not shown: errors are logged, and a
// record's cells may name a person.
func describeHeader(header []string, known map[string]bool) string {
	if len(header) == 1 && strings.Contains(header[0], ";") {
		return "the header is one column holding ';': the file looks separated by ';', export it with commas"
	}
	quoted := make([]string, len(header))
	isHeader := false
	for i, h := range header {
		isHeader = isHeader || known[strings.ToLower(strings.TrimSpace(h))]
		quoted[i] = strconv.Quote(strings.TrimSpace(h))
	}
	if !isHeader {
		return fmt.Sprintf("none of the first row's %d cells names a column of the record contract (they are not shown): is the first row a record, or the file another family's?", len(header))
	}
	return "the header found: " + strings.Join(quoted, ", ") + " (a column named otherwise is mapped under columns:)"
}

// Close has nothing to release: files are opened per collection.
func (CSV) Close() error { return nil }
