package records

import (
	"database/sql"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/pgtest"
)

// TestExpressionsAgreeWithPostgres evaluates every kind of expression in Go
// and in PostgreSQL over the same rows, NULLs included, and requires the same
// answer: PostgreSQL is the reference for SQL's three-valued logic.
func TestExpressionsAgreeWithPostgres(t *testing.T) {
	db := testDB(t, "expressions")

	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s := NewShape([]Column{
		{Name: "a", Type: TypeTime},
		{Name: "b", Type: TypeTime},
		{Name: "flag", Type: TypeBool},
		{Name: "kind", Type: TypeEnum},
	})
	a, b, flag, kind := s.Col("a"), s.Col("b"), s.Col("flag"), s.Col("kind")
	ts := func(v string) Value {
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatal(err)
		}
		return Time(tm)
	}
	null := Value{}
	rows := []Record{
		{ts("2026-03-10T10:00:00Z"), ts("2026-03-10T11:30:00+01:00"), Bool(true), Str("x")},
		{ts("2026-03-09T12:00:00Z"), null, Bool(false), Str("y")},
		{null, ts("2026-03-10T12:00:00Z"), null, null},
		{null, null, null, Str("z")},
	}
	exprs := map[string]Expr{
		"between":     SecondsBetween(a, b),
		"since":       SecondsSince(a),
		"is null":     IsNull(b),
		"not flag":    Not(flag),
		"and":         And(flag, Lt(a, b)),
		"or":          Or(flag, Lt(a, b)),
		"and false":   And(Not(flag), IsNull(a)),
		"or true":     Or(IsNull(a), flag),
		"eq text":     Eq(kind, Text("x")),
		"le number":   Le(SecondsSince(a), Number(7200)),
		"ge time":     Ge(b, a),
		"gt":          Gt(SecondsSince(a), Number(86400)),
		"if":          If(flag, Number(1), Number(0)),
		"when":        When(IsNull(b), SecondsSince(a)),
		"lookup":      Lookup(map[string]float64{"x": 10, "y": 20}, kind),
		"lookup two":  Lookup(map[string]float64{LookupKey("x", "true"): 1, LookupKey("y", "false"): 2}, kind, If(flag, Text("true"), Text("false"))),
		"not in":      notIn{kind, []string{"x", "z"}},
		"text result": If(Eq(kind, Text("x")), Text("ex"), Text("other")),
	}
	for name, e := range exprs {
		for i, rec := range rows {
			want := evalInPostgres(t, db, s, e, rec, now)
			got := format(e.Eval(rec, Env{Now: now}))
			if got != want {
				t.Errorf("%s on row %d: Go %s, PostgreSQL %s (SQL %s)", name, i, got, want, e.SQL())
			}
		}
	}
}

// testDB starts a PostgreSQL server for one test and connects to a new
// database in it; both go when the test ends.
func testDB(t *testing.T, name string) *sql.DB {
	t.Helper()
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	db, err := server.OpenDatabase(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// evalInPostgres selects the expression over one row given as parameters.
func evalInPostgres(t *testing.T, db *sql.DB, s *Shape, e Expr, rec Record, now time.Time) string {
	t.Helper()
	args := []any{now}
	for _, v := range rec {
		switch v.Kind {
		case KindTime:
			args = append(args, v.T)
		case KindBool:
			args = append(args, v.B)
		case KindString:
			args = append(args, v.S)
		default:
			args = append(args, nil)
		}
	}
	q := fmt.Sprintf(`SELECT (%s)::text FROM (SELECT $1::timestamptz AS evaluated_at, $2::timestamptz AS a, $3::timestamptz AS b, $4::boolean AS flag, $5::text AS kind) AS r`, e.SQL())
	var out sql.NullString
	if err := db.QueryRow(q, args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !out.Valid {
		return "NULL"
	}
	switch out.String {
	case "true", "false":
		return out.String
	}
	var f float64
	if _, err := fmt.Sscan(out.String, &f); err == nil && !math.IsNaN(f) {
		return fmt.Sprint(f)
	}
	return out.String
}

func format(v Value) string {
	switch v.Kind {
	case KindBool:
		return fmt.Sprint(v.B)
	case KindNumber:
		return fmt.Sprint(v.F)
	case KindString:
		return v.S
	case KindNull:
		return "NULL"
	}
	return fmt.Sprintf("unexpected %v", v)
}
