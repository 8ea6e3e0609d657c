package records

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// RejectColumn is the name AggregateSQL gives the rejection reason. A record
// query must not return a column of that name.
const RejectColumn = "sems_reject"

// HashMemMultiplier is the hash_mem_multiplier the aggregate query is run
// with. The groups are few, as every key is a bounded vocabulary, but
// PostgreSQL cannot know it and takes a tenth of the records for groups: at
// its default of 2 it then often sorts every record to group them, several
// times slower than hashing the few groups the records really make
// (docs/benchmarks.md). A hash table is as large as the groups, so the
// aggregation uses no more memory for being allowed more.
const HashMemMultiplier = "16"

// copiesColumn names the count of records sharing identity i.
func copiesColumn(i int) string { return "sems_copies_" + strconv.Itoa(i) }

// AggregateSQL wraps a user's record query so that PostgreSQL validates and
// groups the records, returning one row per group: the rejection reason, the
// keys, the record count and the measures. present reports which contract
// columns the record query returns; a missing optional column reads as NULL,
// a missing required one is an error. The query's only parameter, $1, is the
// evaluation time.
//
// The layers, innermost first: the record query; its columns normalised as
// the CSV reader normalises a cell; for each identity, the number of records
// that share it (a window count, the cheapest way measured; see
// docs/benchmarks.md); the rejection reason; the derived values, if any;
// the groups. OFFSET 0 keeps
// PostgreSQL from inlining the reason into every expression that reads it:
// it is computed once per record, and the few groups are then hashed.
func (s *Shape) AggregateSQL(query string, present func(column string) bool) (string, error) {
	recs, err := s.recordsSQL(query, present)
	if err != nil {
		return "", err
	}

	var reject strings.Builder
	reject.WriteString("CASE")
	for i, id := range s.Identities {
		cond := make([]string, 0, len(id.Columns)+1)
		for _, c := range id.Columns {
			cond = append(cond, s.Col(c).SQL()+" IS NOT NULL")
		}
		cond = append(cond, "r."+copiesColumn(i)+" > 1")
		fmt.Fprintf(&reject, " WHEN (%s) THEN %s", strings.Join(cond, " AND "), pq.QuoteLiteral(id.Reason))
	}
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
	selects = append(selects, s.measureSQL(accepted)...)
	groupBy := make([]string, len(s.Keys)+1)
	for i := range groupBy {
		groupBy[i] = strconv.Itoa(i + 1)
	}

	if len(s.Identities) > 0 {
		// A NULL in an identity makes a partition of its own; the reason
		// ignores it, as a record with a NULL identity is no copy.
		counts := make([]string, len(s.Identities))
		for i, id := range s.Identities {
			cols := make([]string, len(id.Columns))
			for j, c := range id.Columns {
				cols[j] = s.Col(c).SQL()
			}
			counts[i] = fmt.Sprintf("count(*) OVER (PARTITION BY %s) AS %s", strings.Join(cols, ", "), copiesColumn(i))
		}
		recs = fmt.Sprintf("(SELECT r.*, %s\n    FROM %s AS r)", strings.Join(counts, ", "), recs)
	}
	from := fmt.Sprintf("(SELECT r.*, %s AS %s\n  FROM %s AS r\n  OFFSET 0) AS r", reject.String(), RejectColumn, recs)
	if len(s.Derived) > 0 {
		// Computed once per record, after the reason, and kept from being
		// inlined into every measure that reads them.
		derived := make([]string, len(s.Derived))
		for i, d := range s.Derived {
			derived[i] = fmt.Sprintf("CASE WHEN %s THEN %s END AS %s", accepted, d.Expr.SQL(), pq.QuoteIdentifier(derivedColumn(d.Name)))
		}
		from = fmt.Sprintf("(SELECT r.*, %s\n  FROM %s\n  OFFSET 0) AS r", strings.Join(derived, ", "), from)
	}
	return fmt.Sprintf("SELECT %s\nFROM %s\nGROUP BY %s", strings.Join(selects, ", "), from, strings.Join(groupBy, ", ")), nil
}

// recordsSQL is the record query with its columns normalised as the CSV
// reader normalises a cell.
func (s *Shape) recordsSQL(query string, present func(column string) bool) (string, error) {
	return s.columnsSQL(query, present, normalizeSQL)
}

// columnsSQL is the record query with each column read by read; a missing
// optional column reads as NULL, a missing required one is an error.
func (s *Shape) columnsSQL(query string, present func(column string) bool, read func(c Column, src string) string) (string, error) {
	var missing []string
	norm := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		src := "NULL"
		if present(c.Name) {
			src = "src." + pq.QuoteIdentifier(c.Name)
		} else if c.Required {
			missing = append(missing, c.Name)
		}
		norm[i] = read(c, src) + " AS " + pq.QuoteIdentifier(c.Name)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("record query does not return required column(s) %s", strings.Join(missing, ", "))
	}
	return fmt.Sprintf("(SELECT %s\n    FROM (%s\n) AS src)", strings.Join(norm, ", "), TrimQuery(query)), nil
}

// trimmed are the characters trimmed from both ends of a text cell, in SQL
// and in Go alike: ASCII white space, as btrim's default (a space) is too
// little for exports and Unicode white space is not the same set in both.
const trimmed = " \t\n\v\f\r"

// trimmedSQL is trimmed as a PostgreSQL string constant.
const trimmedSQL = `E' \t\n\x0B\f\r'`

// normalizeSQL gives a source column the shape the CSV reader gives a cell:
// text trimmed with empty meaning NULL, enums lower-cased, the rest cast.
// Text is compared byte by byte (COLLATE "C"), as Go compares strings, and
// lower-cased in ASCII only, whatever the database's locale.
func normalizeSQL(c Column, src string) string {
	text := "NULLIF(btrim(" + src + "::text COLLATE \"C\", " + trimmedSQL + "), '')"
	switch c.Type {
	case TypeEnum:
		return "lower(" + text + ")"
	case TypeBool:
		return src + "::boolean"
	case TypeTime:
		return readTimeSQL(c, src, text)
	case TypeNumber:
		return src + "::float8"
	}
	return text
}

// readTimeSQL reads a time column. A date alone, a date column or text of
// the form 2006-01-02, is the whole of that day in the column's zone, as
// Column.DateValue makes it; anything else is a timestamp, read in the
// session's time zone (UTC) when it has none. The column's type, the same
// in every row, picks the branch, so that a timestamp column costs no text
// conversion.
func readTimeSQL(c Column, src, text string) string {
	zone := c.Zone
	if zone == nil {
		zone = time.UTC
	}
	whole := func(date string) string {
		if c.Deadline {
			date = "(" + date + " + 1)"
		}
		at := "(" + date + "::timestamp AT TIME ZONE " + pq.QuoteLiteral(zone.String()) + ")"
		if c.Deadline {
			at = "(" + at + " - interval '1 microsecond')"
		}
		return at
	}
	typ := "pg_typeof(" + src + ")"
	return "(CASE WHEN " + typ + " IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype) THEN " + src + "::timestamptz" +
		" WHEN " + typ + " = 'date'::regtype THEN " + whole(src+"::date") +
		" WHEN " + text + " ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN " + whole("("+text+")::date") +
		" ELSE " + src + "::timestamptz END)"
}

// TrimQuery strips the white space, semicolons and line comments that end a
// record query, so that it can stand as a subquery: "SELECT ... ; ;" and
// "SELECT ...; -- note" are one statement.
func TrimQuery(query string) string {
	q := strings.TrimSpace(query)
	for {
		before := q
		q = strings.TrimSpace(strings.TrimRight(q, ";"))
		if i := strings.LastIndex(q, ";"); i >= 0 && onlyComments(q[i+1:]) {
			q = strings.TrimSpace(q[:i])
		}
		if q == before {
			return q
		}
	}
}

// onlyComments reports whether s holds nothing but white space and "--"
// line comments.
func onlyComments(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}
