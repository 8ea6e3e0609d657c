package records

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// bins counts records in n consecutive Count measures of a shape, a bin
// each: the months of a period indicator, or the ends of those months.
// PostgreSQL counts all n in one or two aggregates instead of a FILTER per
// bin, so that a record costs the same however many months are counted
// (docs/benchmarks.md, period indicators).
type bins struct {
	n int
	// bin places a record in one bin, 0 to n-1 (CountByBin); a record whose
	// bin is NULL or outside them, or for which cond (nil: TRUE) does not
	// hold, is in none.
	bin, cond Expr
	// from and until place a record in every bin from from to until-1
	// (CountInBins); both are derived, read once per record.
	from, until Expr
	// part is a later run that counts, under its condition, some of this
	// run's records in the same bins; whole is, for that run, this one.
	// The two share one packed sum (CountByBin).
	part, whole *bins
}

// CountByBin adds n Count measures, named name(0) to name(n-1): measure k
// counts the accepted records whose bin, a whole number, is k and for
// which cond holds (every one, when cond is nil). Counted under a
// condition in the same bins as an earlier run without one (resolved, and
// resolved within target, by month), it shares that run's packed sum:
// a record adds to bin 2k+1 of it if cond holds, else to bin 2k, a sum
// per record instead of two.
func (s *Shape) CountByBin(name func(bin int) string, n int, bin, cond Expr) {
	b := &bins{n: n, bin: bin, cond: cond}
	if cond != nil {
		for _, m := range s.measureRuns() {
			if w := m.bins; w != nil && w.bin != nil && w.cond == nil && w.part == nil && w.n == n && w.bin.SQL() == bin.SQL() {
				w.part, b.whole = b, w
				break
			}
		}
	}
	s.addBins(name, b)
}

// CountInBins adds n Count measures, named name(0) to name(n-1): measure k
// counts the accepted records with from <= k < until, from and until being
// whole numbers from 0 to n, never NULL. A state that holds over a span of
// bins, an action open at several month ends, is counted so.
func (s *Shape) CountInBins(name func(bin int) string, n int, from, until Expr) {
	s.addBins(name, &bins{n: n, from: s.Derive(name(0)+"_from", from), until: s.Derive(name(0)+"_until", until)})
}

func (s *Shape) addBins(name func(int) string, b *bins) {
	for k := range b.n {
		s.Measures = append(s.Measures, Measure{Name: name(k), Agg: Count, bins: b})
	}
}

// count adds the record to the bins it is in, values being the run's n
// values of its group.
func (b *bins) count(rec Record, env Env, values []float64) {
	if b.bin != nil {
		if b.cond != nil && !b.cond.Eval(rec, env).truth() {
			return
		}
		if k, ok := wholeNumber(b.bin.Eval(rec, env)); ok && k >= 0 && k < b.n {
			values[k]++
		}
		return
	}
	from, ok1 := wholeNumber(b.from.Eval(rec, env))
	until, ok2 := wholeNumber(b.until.Eval(rec, env))
	if !ok1 || !ok2 {
		return
	}
	for k := from; k < min(until, b.n); k++ {
		values[k]++
	}
}

func wholeNumber(v Value) (int, bool) {
	if v.Kind != KindNumber || v.F != math.Trunc(v.F) || math.Abs(v.F) > 1<<30 {
		return 0, false
	}
	return int(v.F), true
}

// Counts are packed into one numeric per aggregate: bin k's count is the
// k-th group of packDigits decimal digits from the right, which holds any
// count below 10^packDigits. PostgreSQL sums exact numerics, and a record
// adds a single nonzero digit, so a sum costs about as much as a count.
const packDigits = 12

// powersSQL is the numeric array of 10^(packDigits*k), k from 0 to n-1:
// element k+1 is what a record in bin k adds.
func powersSQL(n int) string {
	p := make([]string, n)
	for k := range p {
		p[k] = "1e" + strconv.Itoa(packDigits*k)
	}
	return "'{" + strings.Join(p, ",") + "}'::numeric[]"
}

// sumSQL is the packed count of the accepted records in bin at, for which
// also holds (SQL, "" for none).
func sumSQL(fields int, accepted, at, also string) string {
	filter := accepted
	if also != "" {
		filter += " AND " + also
	}
	return fmt.Sprintf("(sum((%s)[(%s)::int + 1]) FILTER (WHERE %s))::text", powersSQL(fields), at, filter)
}

// selectSQL is the run's columns in the aggregate: one packed count per
// record's bin, or, for a span, the packed counts of the bins the spans
// start and end in; none for a part, which its whole's count holds.
func (b *bins) selectSQL(accepted string) []string {
	switch {
	case b.whole != nil:
		return nil
	case b.part != nil:
		// A bin out of range is out of the 2n too.
		at := fmt.Sprintf("2 * (%s) + CASE WHEN %s THEN 1 ELSE 0 END", b.bin.SQL(), b.part.cond.SQL())
		return []string{sumSQL(2*b.n, accepted, at, "")}
	case b.bin != nil:
		also := ""
		if b.cond != nil {
			also = b.cond.SQL()
		}
		return []string{sumSQL(b.n, accepted, b.bin.SQL(), also)}
	}
	// A span ending past the last bin (until = n) ends in none.
	nonEmpty := b.from.SQL() + " < " + b.until.SQL()
	return []string{sumSQL(b.n, accepted, b.from.SQL(), nonEmpty), sumSQL(b.n, accepted, b.until.SQL(), nonEmpty)}
}

// columns is how many columns selectSQL gives.
func (b *bins) columns() int {
	switch {
	case b.whole != nil:
		return 0
	case b.bin != nil:
		return 1
	}
	return 2
}

// decode fills values, the run's n values of an accepted group, from its
// columns as PostgreSQL's text gives them (nil for NULL: no record). A
// whole leaves its part's values in parts, for the part's decode.
func (b *bins) decode(cols [][]byte, values []float64, parts map[*bins][]float64) error {
	switch {
	case b.whole != nil:
		copy(values, parts[b])
		return nil
	case b.part != nil:
		fields, err := unpack(cols[0], 2*b.n)
		if err != nil {
			return err
		}
		part := make([]float64, b.n)
		for k := range b.n {
			values[k], part[k] = fields[2*k]+fields[2*k+1], fields[2*k+1]
		}
		parts[b.part] = part
		return nil
	}
	counts, err := unpack(cols[0], b.n)
	if err != nil {
		return err
	}
	if b.bin != nil {
		copy(values, counts)
		return nil
	}
	ends, err := unpack(cols[1], b.n)
	if err != nil {
		return err
	}
	// A span counts in its first bin up to the one before its end.
	var open float64
	for k := range b.n {
		open += counts[k] - ends[k]
		values[k] = open
	}
	return nil
}

// unpack splits a packed count into its n bins.
func unpack(text []byte, n int) ([]float64, error) {
	out := make([]float64, n)
	s := string(text)
	if len(s) > n*packDigits || strings.TrimLeft(s, "0123456789") != "" {
		return nil, fmt.Errorf("packed count %.40q is not %d groups of %d digits", s, n, packDigits)
	}
	for k := 0; s != ""; k++ {
		cut := max(len(s)-packDigits, 0)
		c, err := strconv.ParseUint(s[cut:], 10, 64)
		if err != nil {
			return nil, err
		}
		out[k] = float64(c)
		s = s[:cut]
	}
	return out, nil
}

// measureRuns yields, with its index, each measure of its own and the
// first measure of each run of bins, which stands for the run. The
// aggregator's Add, run for every record, walks them the same way by hand:
// through the iterator it measured about a tenth slower.
func (s *Shape) measureRuns() iter.Seq2[int, Measure] {
	return func(yield func(int, Measure) bool) {
		for i := 0; i < len(s.Measures); i++ {
			m := s.Measures[i]
			if !yield(i, m) {
				return
			}
			if m.bins != nil {
				i += m.bins.n - 1
			}
		}
	}
}

// measureSQL is the select list of the shape's measures, a run of bins
// taking the columns its selectSQL gives.
func (s *Shape) measureSQL(accepted string) []string {
	var out []string
	for _, m := range s.measureRuns() {
		switch {
		case m.bins != nil:
			out = append(out, m.bins.selectSQL(accepted)...)
		case m.Agg == Count:
			// A rejected group has no value, as for the other measures.
			out = append(out, fmt.Sprintf("(CASE WHEN %s THEN count(*) FILTER (WHERE %s AND %s) END)::float8", accepted, accepted, m.Expr.SQL()))
		default:
			fn := map[Agg]string{Sum: "sum", Max: "max"}[m.Agg]
			out = append(out, fmt.Sprintf("%s(%s) FILTER (WHERE %s)::float8", fn, m.Expr.SQL(), accepted))
		}
	}
	return out
}

// measureNulls is a NULL of each measure column's type, in order.
func (s *Shape) measureNulls() []string {
	var out []string
	for _, m := range s.measureRuns() {
		if m.bins != nil {
			out = append(out, slices.Repeat([]string{"NULL::text"}, m.bins.columns())...)
			continue
		}
		out = append(out, "NULL::float8")
	}
	return out
}

// MeasureColumns is how many measure columns the rows of AggregateSQL
// have, after the reason, the keys and the count.
func (s *Shape) MeasureColumns() int { return len(s.measureNulls()) }

// MeasureValues reads a group's measures from its row's measure columns,
// as PostgreSQL's text gives them (nil for NULL). A rejected group's
// measures are NaN.
func (s *Shape) MeasureValues(cols [][]byte, rejected bool) ([]float64, error) {
	values := nanSlice(len(s.Measures))
	if rejected {
		return values, nil
	}
	c := 0
	parts := map[*bins][]float64{}
	for i, m := range s.measureRuns() {
		if b := m.bins; b != nil {
			if err := b.decode(cols[c:c+b.columns()], values[i:i+b.n], parts); err != nil {
				return nil, fmt.Errorf("measure %s: %w", m.Name, err)
			}
			c += b.columns()
			continue
		}
		if cols[c] != nil {
			f, err := strconv.ParseFloat(string(cols[c]), 64)
			if err != nil {
				return nil, fmt.Errorf("measure %s: %w", m.Name, err)
			}
			values[i] = f
		}
		c++
	}
	return values, nil
}

// WithoutBins is the shape less its runs of bins: the family as it would
// be without its period indicators, to measure what they cost.
func (s *Shape) WithoutBins() *Shape {
	out := *s
	out.Measures = slices.DeleteFunc(slices.Clone(s.Measures), func(m Measure) bool { return m.bins != nil })
	return &out
}

// BinsFloorSQL is the least SQL that gives the shape's bins: for each run,
// the records of the query, their columns only cast to their types,
// grouped by the shape's keys and their bin (for a span, by the bin it
// begins in, and again by the bin it ends in), one GROUP BY each, the
// results in one UNION ALL. It neither normalises nor validates the
// records, looks for no copies and computes no other measure: what the
// bins cost at least, by any method.
func (s *Shape) BinsFloorSQL(query string, present func(column string) bool) (string, error) {
	recs, err := s.columnsSQL(query, present, castSQL)
	if err != nil {
		return "", err
	}
	derived := make([]string, len(s.Derived))
	for i, d := range s.Derived {
		derived[i] = ", " + d.Expr.SQL() + " AS " + pq.QuoteIdentifier(derivedColumn(d.Name))
	}
	from := "(SELECT r.*" + strings.Join(derived, "") + "\n  FROM " + recs + " AS r) AS r"
	keys := make([]string, len(s.Keys))
	groupBy := make([]string, len(s.Keys)+2)
	for i, k := range s.Keys {
		keys[i] = "(" + k.Expr.SQL() + ")::text, "
		groupBy[i] = strconv.Itoa(i + 1)
	}
	groupBy[len(s.Keys)], groupBy[len(s.Keys)+1] = strconv.Itoa(len(s.Keys)+1), strconv.Itoa(len(s.Keys)+2)
	var runs []string
	group := func(bin, cond string) {
		runs = append(runs, fmt.Sprintf("SELECT %s%d, %s, count(*)\nFROM %s\nWHERE %s\nGROUP BY %s",
			strings.Join(keys, ""), len(runs), bin, from, cond, strings.Join(groupBy, ", ")))
	}
	for _, m := range s.measureRuns() {
		b := m.bins
		if b == nil {
			continue
		}
		if b.bin != nil {
			cond := b.bin.SQL() + " IS NOT NULL"
			if b.cond != nil {
				cond += " AND " + b.cond.SQL()
			}
			group(b.bin.SQL(), cond)
		} else {
			nonEmpty := b.from.SQL() + " < " + b.until.SQL()
			group(b.from.SQL(), nonEmpty)
			group(b.until.SQL(), nonEmpty)
		}
	}
	if len(runs) == 0 {
		return "", fmt.Errorf("the shape has no bins")
	}
	return strings.Join(runs, "\nUNION ALL\n"), nil
}

// castSQL reads a column as its type, and no more: the floor's reading.
func castSQL(c Column, src string) string {
	return src + "::" + c.Type.SQLType()
}
