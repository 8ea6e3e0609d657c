package records

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"
)

// TestBinsAgreeWithPostgres counts records in bins, and spans of bins, in
// Go and in PostgreSQL, where a run of bins is one packed numeric per
// aggregate, against counts worked out by hand.
func TestBinsAgreeWithPostgres(t *testing.T) {
	db := testDB(t, "bins")
	s := NewShape([]Column{
		{Name: "k", Type: TypeEnum, Required: true, Allowed: []string{"x", "y"}},
		{Name: "b", Type: TypeNumber}, {Name: "c", Type: TypeBool},
		{Name: "f", Type: TypeNumber}, {Name: "u", Type: TypeNumber},
	})
	s.GroupBy("k", s.Col("k"))
	s.CountByBin(func(k int) string { return "in_" + string(rune('0'+k)) }, 3, s.Col("b"), s.Col("c"))
	s.CountIf("plain", s.Col("c"))
	s.CountInBins(func(k int) string { return "span_" + string(rune('0'+k)) }, 4, s.Col("f"), s.Col("u"))
	rows := []cells{
		{"x", "0", "true", "0", "2"},  // bin 0; span bins 0 and 1
		{"x", "2", "true", "1", "4"},  // bin 2; span bins 1, 2 and 3 (until 4: past the last)
		{"x", "2", "false", "3", "3"}, // cond FALSE: no bin; empty span
		{"x", "5", "true", "2", "4"},  // bin 5 is beyond the 3: none; span bins 2 and 3
		{"x", nil, "true", "0", "1"},  // NULL bin: none; span bin 0
		{"y", "1", "true", "4", "2"},  // bin 1; a span ending before it starts: none
		{"z", "0", "true", "0", "4"},  // rejected: unknown_k, no value at all
	}
	want := []string{
		// x: bins [1 (row 1), 0, 1 (row 2)]; plain: rows 1, 2, 4, 5 = 4;
		// spans: bin 0 rows 1 and 5, bin 1 rows 1 and 2, bins 2 and 3
		// rows 2 and 4.
		`"" ["x"] 5 [1 0 1 4 2 2 2 2]`,
		`"" ["y"] 1 [0 1 0 1 0 0 0 0]`,
		`"unknown_k" [""] 1 [NaN NaN NaN NaN NaN NaN NaN NaN]`,
	}
	if got := describe(aggregateInGo(s, rows)); !reflect.DeepEqual(got, want) {
		t.Errorf("Go:\n got %q\nwant %q", got, want)
	}
	if got := describe(aggregateInPostgres(t, db, s, "bins", rows)); !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL:\n got %q\nwant %q", got, want)
	}

	// The floor groups the same records by key, run and bin, validating
	// nothing: z counts, and so does bin 5. Run 0 is the bins; 1 and 2 the
	// bins the spans begin and end in (x: begin 0 rows 1 and 5, 1 row 2, 2
	// row 4; end 1 row 5, 2 row 1, 4 rows 2 and 4).
	floor, err := s.BinsFloorSQL("SELECT * FROM bins", func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, db, floor+" ORDER BY 1, 2, 3")
	wantFloor := []string{
		"x 0 0 1", "x 0 2 1", "x 0 5 1",
		"x 1 0 2", "x 1 1 1", "x 1 2 1",
		"x 2 1 1", "x 2 2 1", "x 2 4 2",
		"y 0 1 1",
		"z 0 0 1", "z 1 0 1", "z 2 4 1",
	}
	if !reflect.DeepEqual(got, wantFloor) {
		t.Errorf("floor:\n got %q\nwant %q\n%s", got, wantFloor, floor)
	}
	// Without the bins, the shape keeps its other measure only.
	if wo := s.WithoutBins(); len(wo.Measures) != 1 || wo.Measures[0].Name != "plain" {
		t.Errorf("WithoutBins kept %v", wo.Measures)
	}
}

// queryStrings runs a query and returns its rows, each its columns joined
// by spaces.
func queryStrings(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUnpack splits packed counts into bins of 12 digits, counts above
// PostgreSQL's 4-digit numeric groups included, and refuses what no
// packed count can be.
func TestUnpack(t *testing.T) {
	// 12,345 in bin 1 and 67 in bin 0: 12345 * 10^12 + 67.
	got, err := unpack([]byte("12345000000000067"), 3)
	if want := []float64{67, 12345, 0}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("unpack: %v, %v; want %v", got, err, want)
	}
	if got, err := unpack(nil, 2); err != nil || !reflect.DeepEqual(got, []float64{0, 0}) {
		t.Errorf("unpack(NULL): %v, %v; want zeros", got, err)
	}
	for _, bad := range []string{"1000000000000000000000000", "-5", "1.5", "12e3"} {
		if _, err := unpack([]byte(bad), 2); err == nil {
			t.Errorf("unpack(%q) with 2 bins: no error", bad)
		}
	}
}

// TestDeriveOnce derives an expression once however many runs read it:
// two spans that begin at the same column share one derived value, and
// each still counts its own records.
func TestDeriveOnce(t *testing.T) {
	db := testDB(t, "derive_once")
	s := NewShape([]Column{
		{Name: "k", Type: TypeEnum, Required: true, Allowed: []string{"x"}},
		{Name: "f", Type: TypeNumber}, {Name: "u", Type: TypeNumber}, {Name: "v", Type: TypeNumber},
	})
	s.GroupBy("k", s.Col("k"))
	s.CountInBins(func(k int) string { return "a_" + string(rune('0'+k)) }, 2, s.Col("f"), s.Col("u"))
	s.CountInBins(func(k int) string { return "b_" + string(rune('0'+k)) }, 2, s.Col("f"), s.Col("v"))
	// a_from, a_until, b_until: b's beginning is a's.
	if len(s.Derived) != 3 {
		t.Errorf("%d derived values, want 3: %v", len(s.Derived), s.Derived)
	}
	rows := []cells{
		{"x", "0", "1", "2"}, // a: bin 0; b: bins 0 and 1
		{"x", "1", "2", "1"}, // a: bin 1; b: empty
	}
	want := []string{`"" ["x"] 2 [1 1 1 1]`}
	if got := describe(aggregateInGo(s, rows)); !reflect.DeepEqual(got, want) {
		t.Errorf("Go:\n got %q\nwant %q", got, want)
	}
	if got := describe(aggregateInPostgres(t, db, s, "derive_once", rows)); !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL:\n got %q\nwant %q", got, want)
	}
}

// TestBinsShareASum counts a run under a condition in the same bins as an
// earlier run without one: both come from one packed sum, with the same
// counts in Go and in PostgreSQL.
func TestBinsShareASum(t *testing.T) {
	db := testDB(t, "bins_shared")
	s := NewShape([]Column{
		{Name: "k", Type: TypeEnum, Required: true, Allowed: []string{"x", "y"}},
		{Name: "b", Type: TypeNumber}, {Name: "c", Type: TypeBool},
	})
	s.GroupBy("k", s.Col("k"))
	s.CountByBin(func(k int) string { return "all_" + string(rune('0'+k)) }, 3, s.Col("b"), nil)
	s.CountByBin(func(k int) string { return "some_" + string(rune('0'+k)) }, 3, s.Col("b"), s.Col("c"))
	if n := s.MeasureColumns(); n != 1 {
		t.Errorf("%d measure columns, want the 1 shared sum", n)
	}
	rows := []cells{
		{"x", "0", "true"},  // all 0, some 0
		{"x", "0", "false"}, // all 0
		{"x", "2", nil},     // all 2: a NULL condition is not met
		{"x", "3", "true"},  // beyond the 3 bins: none
		{"x", "-1", "true"}, // before them: none
		{"x", nil, "true"},  // no bin: none
		{"y", "1", "true"},  // all 1, some 1
	}
	want := []string{
		`"" ["x"] 6 [2 0 1 1 0 0]`,
		`"" ["y"] 1 [0 1 0 0 1 0]`,
	}
	if got := describe(aggregateInGo(s, rows)); !reflect.DeepEqual(got, want) {
		t.Errorf("Go:\n got %q\nwant %q", got, want)
	}
	if got := describe(aggregateInPostgres(t, db, s, "bins_shared", rows)); !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL:\n got %q\nwant %q", got, want)
	}
}
