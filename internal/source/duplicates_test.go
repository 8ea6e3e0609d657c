package source_test

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// duplicatesCSV exports incidents I1 and I4 twice each, with a malformed
// copy of I3 and two incidents without a reference. Each row's reason:
const duplicatesCSV = `incident_ref,site,category,severity,reported_at,resolved_at
I1,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z
I2,north,cyber,high,2026-03-02T00:00:00Z,
" I1",south,other,low,2026-03-03T00:00:00Z,
I3,north,cyber,high,2026-03-01T00:00:00Z,
I3,north,cyber
,north,cyber,high,2026-03-01T00:00:00Z,
,north,cyber,high,2026-03-01T00:00:00Z,
I4,west,cyber,urgent,2027-01-01T00:00:00Z,
I4,north,cyber,high,not a time,
I5,no"rth,cyber,high,2026-03-01T00:00:00Z,
i1,north,cyber,high,2026-03-04T00:00:00Z,
`

// duplicatesWant, row by row: I1 and " I1" (trimmed, the same reference)
// are both duplicates; I2 is accepted; I3 is accepted, its short copy is a
// malformed row and no copy; the two empty references are missing, and not
// copies of each other; both I4 are duplicates, before their unknown site,
// unknown severity, future date and unreadable date; the stray quote makes
// I5 malformed; i1 is accepted, as references are compared case and all.
// 11 rows: 4 duplicates, 2 malformed, 2 missing, 3 accepted.
var duplicatesWant = map[string]float64{"duplicate_incident_ref": 4, records.ReasonMalformedRow: 2, "missing_incident_ref": 2}

func duplicatesRequest() source.Request {
	f, _ := collectors.Lookup("incidents")
	return source.Request{Shape: f.Shape(collectors.DefaultSettings(f, []string{"north", "south"})), Query: "SELECT * FROM incident_log", Now: now}
}

func TestCSVDuplicates(t *testing.T) {
	res, err := source.ReadCSV(context.Background(), strings.NewReader(duplicatesCSV), duplicatesRequest())
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Rejected(); !reflect.DeepEqual(got, duplicatesWant) {
		t.Errorf("rejected %v, want %v", got, duplicatesWant)
	}
	if n := len(res.Accepted()); res.Read() != 11 || n != 1 || res.Accepted()[0].Count != 3 {
		t.Errorf("read %g records, %d accepted groups (%v); want 11 records, one group of 3 (north, high, cyber)", res.Read(), n, res.Accepted())
	}

	// The reader starts where the stream stands, and seeks back there for
	// its second pass.
	const before = "not CSV at all\n"
	r := strings.NewReader(before + duplicatesCSV)
	if _, err := r.Seek(int64(len(before)), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	again, err := source.ReadCSV(context.Background(), r, duplicatesRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(groupStrings(again), groupStrings(res)) {
		t.Errorf("read from an offset: %v, want %v", groupStrings(again), groupStrings(res))
	}
}

// TestDuplicatesAgree gives PostgreSQL the well-formed rows of duplicatesCSV
// ("not a time" becomes infinity, which both paths reject as invalid): the
// same groups, but for the malformed rows PostgreSQL never has.
func TestDuplicatesAgree(t *testing.T) {
	pg, _ := openDB(t, "duplicates", `
CREATE TABLE incident_log (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz);
INSERT INTO incident_log VALUES
 ('I1', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z'),
 ('I2', 'north', 'cyber', 'high', '2026-03-02T00:00:00Z', NULL),
 (' I1', 'south', 'other', 'low', '2026-03-03T00:00:00Z', NULL),
 ('I3', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', NULL),
 (NULL, 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', NULL),
 ('', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', NULL),
 ('I4', 'west', 'cyber', 'urgent', '2027-01-01T00:00:00Z', NULL),
 ('I4', 'north', 'cyber', 'high', 'infinity', NULL),
 ('i1', 'north', 'cyber', 'high', '2026-03-04T00:00:00Z', NULL);
`)
	req := duplicatesRequest()
	fromDB, err := pg.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	fromCSV, err := source.ReadCSV(context.Background(), strings.NewReader(duplicatesCSV), req)
	if err != nil {
		t.Fatal(err)
	}
	var wellFormed records.Result
	for _, g := range fromCSV.Groups {
		if g.Reject != records.ReasonMalformedRow {
			wellFormed.Groups = append(wellFormed.Groups, g)
		}
	}
	if !reflect.DeepEqual(groupStrings(fromDB), groupStrings(wellFormed)) {
		t.Errorf("postgres and CSV differ:\npostgres: %v\ncsv:      %v", groupStrings(fromDB), groupStrings(wellFormed))
	}
}

// rewritten is a file that another process rewrites between the two passes.
type rewritten struct {
	io.ReadSeeker
	next string
}

func (r *rewritten) Seek(offset int64, whence int) (int64, error) {
	if whence == io.SeekStart && r.next != "" {
		r.ReadSeeker, r.next = strings.NewReader(r.next), ""
	}
	return r.ReadSeeker.Seek(offset, whence)
}

func TestCSVChangedBetweenPasses(t *testing.T) {
	r := &rewritten{ReadSeeker: strings.NewReader(duplicatesCSV), next: duplicatesCSV + "I6,north,cyber,high,2026-03-05T00:00:00Z,\n"}
	_, err := source.ReadCSV(context.Background(), r, duplicatesRequest())
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Errorf("a file that grew between the passes read as %v, want an error", err)
	}
}

// unseekable is a stream that cannot go back, as a pipe.
type unseekable struct{ io.Reader }

func (unseekable) Seek(int64, int) (int64, error) { return 0, errors.New("illegal seek") }

func TestCSVNeedsToSeek(t *testing.T) {
	_, err := source.ReadCSV(context.Background(), unseekable{strings.NewReader(duplicatesCSV)}, duplicatesRequest())
	if err == nil || !strings.Contains(err.Error(), "illegal seek") {
		t.Errorf("an unseekable stream read as %v, want the seek error", err)
	}
}
