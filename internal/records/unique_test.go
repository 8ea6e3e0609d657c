package records

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

// cells are a record as a source holds it: raw text, nil for NULL. The Go
// path reads them as CSV cells (NULL is an empty cell), PostgreSQL as text
// or timestamptz values.
type cells []any

// refShape has a one-column identity, an enum, a timestamp and a check.
func refShape() *Shape {
	s := NewShape([]Column{
		{Name: "ref", Type: TypeText, Required: true},
		{Name: "kind", Type: TypeEnum, Required: true, Allowed: []string{"a", "b"}},
		{Name: "at", Type: TypeTime},
	})
	s.Unique(DuplicateReason("ref"), "ref")
	s.Reject("future_at", Lt(SecondsSince(s.Col("at")), Number(0)))
	s.GroupBy("kind", s.Col("kind"))
	s.SumOf("age", SecondsSince(s.Col("at")))
	return s
}

// The evaluation time of the tests: 2026-03-10 12:00 UTC.
var uniqueNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// refRows, with the reason each is counted for, worked out by hand. Every
// copy of a reference is a duplicate, whatever else is wrong with it; a NULL
// reference is missing, never a copy.
var refRows = []cells{
	{"R1", "a", "2026-03-10T11:00:00Z"},      // duplicate_ref: R1 again below
	{" R1\t", "b", "2026-03-10T13:00:00Z"},   // duplicate_ref (before future_at): trimmed, it is R1
	{"R2", "zzz", nil},                       // unknown_kind
	{nil, "a", nil},                          // missing_ref
	{"  ", "a", nil},                         // missing_ref: blank is NULL, and no copy of the NULL above
	{"R3", "zzz", nil},                       // duplicate_ref (before unknown_kind)
	{"R3\r\n", nil, nil},                     // duplicate_ref (before missing_kind)
	{"r3", "A ", "2026-03-10T10:00:00Z"},     // accepted, a, age 7200: text is not lower-cased, r3 is not R3
	{"R5", "a", "2026-03-10T11:30:00Z"},      // accepted, a, age 1800
	{"\u00a0R5", "b", nil},                   // accepted, b, no age: a no-break space is not trimmed
	{"R6", "a", "infinity"},                  // invalid_at: no CSV timestamp, a PostgreSQL infinity
	{"R7", "a", "infinity"},                  // duplicate_ref (before invalid_at)
	{"R7", "b", nil},                         // duplicate_ref
	{"R1", "a", "2026-03-10T11:00:00Z"},      // duplicate_ref: a third R1, identical to the first
	{"R8", "b", "2026-03-10T11:59:00+00:00"}, // accepted, b, age 60
}

// refWant, in the order of a Result: the accepted groups a (r3 and R5: 2
// records, 7200 + 1800 = 9000 s) and b (\u00a0R5 and R8: 2 records, 60 s),
// then 7 duplicate_ref (R1 three times, R3 and R7 twice each) and the other
// reasons as marked. No future_at: the one future record is a copy.
var refWant = []string{
	`"" ["a"] 2 [9000]`,
	`"" ["b"] 2 [60]`,
	`"duplicate_ref" [""] 7 [NaN]`,
	`"invalid_at" [""] 1 [NaN]`,
	`"missing_ref" [""] 2 [NaN]`,
	`"unknown_kind" [""] 1 [NaN]`,
}

// requirementShape has a two-column identity, text and enum.
func requirementShape() *Shape {
	s := NewShape([]Column{
		{Name: "person", Type: TypeText, Required: true},
		{Name: "course", Type: TypeEnum, Required: true, Allowed: []string{"x", "y"}},
	})
	s.Unique("duplicate_requirement", "person", "course")
	s.GroupBy("course", s.Col("course"))
	return s
}

var requirementRows = []cells{
	{"P1", "x"},   // duplicate_requirement
	{"P1", " X "}, // duplicate_requirement: the course is trimmed and lower-cased
	{"P1", "y"},   // accepted, y: another course of P1
	{"P2", "x"},   // accepted, x: another person on course x
	{"P2", nil},   // missing_course
	{"P2", nil},   // missing_course: a NULL in the identity is no copy
	{nil, "x"},    // missing_person
	{"P", "1x"},   // unknown_course: P + 1x is not P1 + x
}

// requirementWant: P2 on x and P1 on y accepted, P1 on x twice a copy.
var requirementWant = []string{
	`"" ["x"] 1 []`,
	`"" ["y"] 1 []`,
	`"duplicate_requirement" [""] 2 []`,
	`"missing_course" [""] 2 []`,
	`"missing_person" [""] 1 []`,
	`"unknown_course" [""] 1 []`,
}

// aggregateInGo reads the cells as the CSV reader does: identities first,
// then the records.
func aggregateInGo(s *Shape, rows []cells) Result {
	recs := make([]Record, len(rows))
	for i, row := range rows {
		recs[i] = make(Record, len(s.Columns))
		for j, c := range s.Columns {
			raw, _ := row[j].(string)
			recs[i][j] = ParseCell(c, raw)
		}
	}
	agg := s.NewAggregator(Env{Now: uniqueNow})
	for _, r := range recs {
		agg.CountIdentity(r)
	}
	for _, r := range recs {
		agg.Add(r)
	}
	return agg.Result()
}

// describe renders a result's groups in order, one string each.
func describe(res Result) []string {
	out := make([]string, len(res.Groups))
	for i, g := range res.Groups {
		out[i] = fmt.Sprintf("%q %q %g %v", g.Reject, g.Keys, g.Count, g.Values)
	}
	return out
}

// uniqueCases are the shapes above with their rows and results.
func uniqueCases() map[string]struct {
	shape *Shape
	rows  []cells
	want  []string
} {
	return map[string]struct {
		shape *Shape
		rows  []cells
		want  []string
	}{
		"reference":   {refShape(), refRows, refWant},
		"requirement": {requirementShape(), requirementRows, requirementWant},
	}
}

func TestDuplicatesInGo(t *testing.T) {
	for name, tc := range uniqueCases() {
		// Whatever the order of the rows, the same records are copies.
		orders := [][]cells{tc.rows, slices.Clone(tc.rows), append(slices.Clone(tc.rows[3:]), tc.rows[:3]...)}
		slices.Reverse(orders[1])
		for i, rows := range orders {
			if got := describe(aggregateInGo(tc.shape, rows)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s, order %d:\n got %q\nwant %q", name, i, got, tc.want)
			}
		}
	}
}

func TestDuplicateReasonsAreReasons(t *testing.T) {
	got := requirementShape().Reasons()
	want := []string{"duplicate_requirement", "malformed_row", "missing_course", "missing_person", "unknown_course"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Reasons() = %v, want %v", got, want)
	}
}

func TestUniqueRejectsWhatCannotIdentify(t *testing.T) {
	for name, cols := range map[string][]string{
		"a timestamp": {"ref", "at"},
		"no column":   nil,
		"unknown":     {"reference"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Unique over %s did not panic", name)
				}
			}()
			refShape().Unique("duplicate_x", cols...)
		}()
	}
}

func TestCountIdentityAfterAdd(t *testing.T) {
	s := refShape()
	agg := s.NewAggregator(Env{Now: uniqueNow})
	rec := Record{Str("R1"), Str("a"), {}}
	agg.CountIdentity(rec)
	agg.Add(rec)
	defer func() {
		if recover() == nil {
			t.Error("CountIdentity after Add did not panic: the record would be a copy of nothing already added")
		}
	}()
	agg.CountIdentity(rec)
}

// TestDuplicatesAgreeWithPostgres runs the same rows through AggregateSQL
// in PostgreSQL and through the Go aggregator: the same copies, the same
// reasons, the same groups. It also holds the two normalisations to each
// other, since the identities are compared normalised.
func TestDuplicatesAgreeWithPostgres(t *testing.T) {
	db := testDB(t, "duplicates")

	t.Run("normalisation", func(t *testing.T) {
		// ASCII white space is trimmed, a no-break space is not; enums are
		// lower-cased in ASCII only, so the Kelvin sign stays itself rather
		// than become k, whatever the database's locale.
		want := map[string][2]string{
			" x ":             {"x", "x"},
			"\tX\r\n":         {"X", "x"},
			"\vx\f":           {"x", "x"},
			"\u00a0x\u00a0":   {"\u00a0x\u00a0", "\u00a0x\u00a0"},
			"\u212A":          {"\u212A", "\u212A"},
			"\u0130":          {"\u0130", "\u0130"},
			"ÀB":              {"ÀB", "Àb"},
			"In Service":      {"In Service", "in service"},
			"":                {"NULL", "NULL"},
			" \t\r\n":         {"NULL", "NULL"},
			"\u2003x":         {"\u2003x", "\u2003x"},
			"NORTH\u00a0 \t ": {"NORTH\u00a0", "north\u00a0"},
		}
		for raw, w := range want {
			for i, typ := range []Type{TypeText, TypeEnum} {
				got := ParseCell(Column{Type: typ}, raw)
				goText := "NULL"
				if !got.IsNull() {
					goText = got.S
				}
				var pg sql.NullString
				if err := db.QueryRow("SELECT "+normalizeSQL(Column{Type: typ}, "$1::text"), raw).Scan(&pg); err != nil {
					t.Fatal(err)
				}
				pgText := "NULL"
				if pg.Valid {
					pgText = pg.String
				}
				if goText != w[i] || pgText != w[i] {
					t.Errorf("%s %q: Go %q, PostgreSQL %q, want %q", typ, raw, goText, pgText, w[i])
				}
			}
		}
	})

	for name, tc := range uniqueCases() {
		t.Run(name, func(t *testing.T) {
			table := "records_" + name
			res := aggregateInPostgres(t, db, tc.shape, table, tc.rows)
			if got := describe(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("PostgreSQL:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// aggregateInPostgres loads the rows into a table typed as the shape's
// columns and runs the shape's aggregate query over it.
func aggregateInPostgres(t *testing.T, db *sql.DB, s *Shape, table string, rows []cells) Result {
	t.Helper()
	defs := make([]string, len(s.Columns))
	marks := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		defs[i] = pq.QuoteIdentifier(c.Name) + " " + c.Type.SQLType()
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	if _, err := db.Exec(fmt.Sprintf("CREATE TABLE %s (%s)", table, strings.Join(defs, ", "))); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if _, err := db.Exec(fmt.Sprintf("INSERT INTO %s VALUES (%s)", table, strings.Join(marks, ", ")), row...); err != nil {
			t.Fatal(err)
		}
	}
	return readTable(t, db, s, table)
}

// readTable runs the shape's aggregate query over a table.
func readTable(t *testing.T, db *sql.DB, s *Shape, table string) Result {
	t.Helper()
	var res Result
	queryTable(t, db, s, table, "", func(rows *sql.Rows) (err error) {
		res, err = s.ReadResult(rows)
		return err
	})
	return res
}

// queryTable runs the shape's aggregate query over a table, within wrap
// (a statement with %s for the query) if it is not empty, and reads its
// rows with read.
func queryTable(t *testing.T, db *sql.DB, s *Shape, table, wrap string, read func(*sql.Rows) error) {
	t.Helper()
	q, err := s.AggregateSQL("SELECT * FROM "+table, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if wrap != "" {
		q = fmt.Sprintf(wrap, q)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	if _, err := tx.Exec("SET LOCAL TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	var args []any
	if strings.Contains(q, "$1") { // the evaluation time, if the shape reads it
		args = append(args, uniqueNow)
	}
	rows, err := tx.Query(q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	if err := read(rows); err != nil {
		t.Fatal(err)
	}
}
