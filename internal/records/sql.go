package records

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// RejectColumn is the name AggregateSQL gives the rejection reason. A record
// query must not return a column of that name.
const RejectColumn = "sems_reject"

// AggregateSQL wraps a user's record query so that PostgreSQL validates and
// groups the records, returning one row per group: the rejection reason, the
// keys, the record count and the measures. present reports which contract
// columns the record query returns; a missing optional column reads as NULL,
// a missing required one is an error. The query's only parameter, $1, is the
// evaluation time.
func (s *Shape) AggregateSQL(query string, present func(column string) bool) (string, error) {
	var missing []string
	norm := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		src := "NULL"
		if present(c.Name) {
			src = "src." + pq.QuoteIdentifier(c.Name)
		} else if c.Required {
			missing = append(missing, c.Name)
		}
		norm[i] = normalizeSQL(c.Type, src) + " AS " + pq.QuoteIdentifier(c.Name)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("record query does not return required column(s) %s", strings.Join(missing, ", "))
	}

	var reject strings.Builder
	reject.WriteString("CASE")
	for _, r := range s.rejections() {
		fmt.Fprintf(&reject, " WHEN %s THEN %s", r.bad.SQL(), pq.QuoteLiteral(r.reason))
	}
	reject.WriteString(" END")

	accepted := "r." + RejectColumn + " IS NULL"
	selects := []string{"r." + RejectColumn}
	for _, k := range s.Keys {
		selects = append(selects, fmt.Sprintf("CASE WHEN %s THEN (%s)::text END", accepted, k.Expr.SQL()))
	}
	selects = append(selects, "count(*)::float8")
	for _, m := range s.Measures {
		fn := map[Agg]string{Sum: "sum", Max: "max"}[m.Agg]
		selects = append(selects, fmt.Sprintf("%s(%s) FILTER (WHERE %s)::float8", fn, m.Expr.SQL(), accepted))
	}
	groupBy := make([]string, len(s.Keys)+1)
	for i := range groupBy {
		groupBy[i] = strconv.Itoa(i + 1)
	}

	query = TrimQuery(query)
	return fmt.Sprintf("SELECT %s\nFROM (SELECT r.*, %s AS %s\n  FROM (SELECT %s\n    FROM (%s\n) AS src) AS r) AS r\nGROUP BY %s",
		strings.Join(selects, ", "), reject.String(), RejectColumn,
		strings.Join(norm, ", "), query, strings.Join(groupBy, ", ")), nil
}

// normalizeSQL gives a source column the shape the CSV reader gives a cell:
// text trimmed with empty meaning NULL, enums lower-cased, the rest cast.
func normalizeSQL(t Type, src string) string {
	switch t {
	case TypeEnum:
		return "lower(NULLIF(btrim(" + src + "::text), ''))"
	case TypeBool:
		return src + "::boolean"
	case TypeTime:
		return src + "::timestamptz"
	}
	return "NULLIF(btrim(" + src + "::text), '')"
}

// TrimQuery strips the white space and semicolons around a record query so
// that it can stand as a subquery.
func TrimQuery(query string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(query), ";"))
}
