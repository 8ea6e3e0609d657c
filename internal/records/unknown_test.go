package records

import (
	"database/sql"
	"fmt"
	"reflect"
	"testing"
)

// kindShape has one enum column, kind, of vocabulary a and b.
func kindShape() *Shape {
	s := NewShape([]Column{{Name: "kind", Type: TypeEnum, Required: true, Allowed: []string{"a", "b"}}})
	s.GroupBy("kind", s.Col("kind"))
	return s
}

// kindRows are 3 records of kind a, then the rejected ones: new in 30
// records (as NEW, compared lower-cased), old in 4 (< 5) and
// "Smith, John" in 6 (a comma and a space: no code).
func kindRows() []cells {
	rows := []cells{{"a"}, {"a"}, {" A"}}
	for range 30 {
		rows = append(rows, cells{"NEW"})
	}
	for range 4 {
		rows = append(rows, cells{"old"})
	}
	for range 6 {
		rows = append(rows, cells{"Smith, John"})
	}
	return rows
}

// kindUnknown: 30 + 4 + 6 = 40 records, 3 distinct values, new named.
var kindUnknown = []Unknown{{Column: "kind", Records: 40, Distinct: 3, Named: []NamedValue{{"new", 30}}}}

// TestUnknownValuesAgreeWithPostgres names the same unknown values from
// the Go aggregator and from PostgreSQL, and PostgreSQL sends only the
// value it names: one row for the accepted group, one for all the
// unknown_kind records, one for new.
func TestUnknownValuesAgreeWithPostgres(t *testing.T) {
	db := testDB(t, "unknown_values")
	s := kindShape()
	if got := aggregateInGo(s, kindRows()).Unknown; !reflect.DeepEqual(got, kindUnknown) {
		t.Errorf("Go: %+v, want %+v", got, kindUnknown)
	}
	res := aggregateInPostgres(t, db, s, "kinds", kindRows())
	if !reflect.DeepEqual(res.Unknown, kindUnknown) {
		t.Errorf("PostgreSQL: %+v, want %+v", res.Unknown, kindUnknown)
	}
	if got := countRows(t, db, s, "kinds"); got != 3 {
		t.Errorf("PostgreSQL returned %d rows, want 3", got)
	}
}

// TestUnknownValuesBounded rejects 10,000 distinct values, each in 5
// records, and 200 records of one more value: PostgreSQL returns two rows,
// the accepted group and all 50,200 unknown_kind records, and the Go
// aggregator keeps no more than MaxCountedDistinct+1 hashes. Neither names
// a value: 10,001 distinct values exceed MaxNamedValues, and are counted as
// more than MaxCountedDistinct.
func TestUnknownValuesBounded(t *testing.T) {
	db := testDB(t, "unknown_bounded")
	s := kindShape()
	if _, err := db.Exec(`CREATE TABLE many AS
		SELECT 'S' || lpad((i % 10000)::text, 5, '0') AS kind FROM generate_series(1, 50000) AS i
		UNION ALL SELECT 'nth' FROM generate_series(1, 200)
		UNION ALL SELECT 'a'`); err != nil {
		t.Fatal(err)
	}
	want := []Unknown{{Column: "kind", Records: 50200, Distinct: MaxCountedDistinct + 1}}
	if got := countRows(t, db, s, "many"); got != 2 {
		t.Errorf("PostgreSQL returned %d rows for 10,001 distinct unknown values, want 2", got)
	}
	if got := readTable(t, db, s, "many").Unknown; !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL: %+v, want %+v", got, want)
	}

	agg := s.NewAggregator(Env{})
	for i := range 50000 {
		agg.Add(Record{Str(fmt.Sprintf("s%05d", i%10000))})
	}
	for range 200 {
		agg.Add(Record{Str("nth")})
	}
	agg.Add(Record{Str("a")})
	if n := len(agg.unknown[UnknownReason("kind")].hashes); n > MaxCountedDistinct+1 {
		t.Errorf("the Go aggregator keeps %d hashes, more than %d", n, MaxCountedDistinct+1)
	}
	if got := agg.Result().Unknown; !reflect.DeepEqual(got, want) {
		t.Errorf("Go: %+v, want %+v", got, want)
	}
}

// countRows counts the rows of the shape's aggregate query over a table.
func countRows(t *testing.T, db *sql.DB, s *Shape, table string) int {
	t.Helper()
	var n int
	queryTable(t, db, s, table, "SELECT count(*) FROM (%s) AS q", func(rows *sql.Rows) error {
		rows.Next()
		return rows.Scan(&n)
	})
	return n
}
