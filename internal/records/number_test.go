package records

import (
	"math"
	"strings"
	"testing"
)

// TestNumbersAgreeWithPostgres reads number cells in Go and as PostgreSQL
// reads the same text into float8: a value PostgreSQL reads must read the
// same in Go, and PostgreSQL's NaN and infinities are rejected as invalid on
// both paths (the CSV reader at parsing, SQL by the invalid_<column> check).
// Text PostgreSQL refuses to cast fails a collection there; the CSV reader
// rejects the record instead, as it does a timestamp it cannot read.
func TestNumbersAgreeWithPostgres(t *testing.T) {
	db := testDB(t, "numbers")
	col := Column{Name: "n", Type: TypeNumber}
	sh := NewShape([]Column{col})
	for _, raw := range []string{"1", " 2.5 ", "-0", "1e3", "+7", ".5", "5.", "1E-2", "007", "NaN", "Infinity", "-inf", "1e400", "0x10", "-0x1.8p1", "0x", "1_000", "0x1_0", "1,5", "ten", ""} {
		got := ParseCell(col, raw)
		var pg *float64
		err := db.QueryRow("SELECT NULLIF(btrim($1::text), '')::float8", raw).Scan(&pg)
		switch {
		case err != nil:
			if got.Kind != KindInvalid {
				t.Errorf("%q: PostgreSQL refuses it (%v), Go reads %+v", raw, err, got)
			}
		case pg == nil:
			if got.Kind != KindNull {
				t.Errorf("%q: PostgreSQL reads NULL, Go %+v", raw, got)
			}
		case math.IsNaN(*pg) || math.IsInf(*pg, 0):
			if got.Kind != KindInvalid {
				t.Errorf("%q: PostgreSQL reads %v, which must be invalid; Go reads %+v", raw, *pg, got)
			}
			var bad bool
			check := infinite{lit{Num(0)}, TypeNumber}.SQL() // the check, over a constant to replace
			if err := db.QueryRow("SELECT "+strings.Replace(check, lit{Num(0)}.SQL(), "$1::float8", 1), *pg).Scan(&bad); err != nil || !bad {
				t.Errorf("%q: the SQL check does not find %v invalid (%v)", raw, *pg, err)
			}
		default:
			if got.Kind != KindNumber || got.F != *pg {
				t.Errorf("%q: PostgreSQL reads %v, Go %+v", raw, *pg, got)
			}
		}
	}
	if r := sh.rejections(); len(r) == 0 || r[0].reason != "invalid_n" {
		t.Errorf("a number column's first check is %v, want invalid_n", r)
	}
}
