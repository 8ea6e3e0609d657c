package records

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Calendar is the organisation's calendar: the time zone its months, quarters
// and days are counted in, and the month its financial year starts.
type Calendar struct {
	Zone *time.Location
	// FirstMonth starts the financial year, and so its quarters.
	FirstMonth time.Month
}

// UTC is the default calendar: months and days in UTC, the financial year
// the calendar year.
var UTC = Calendar{Zone: time.UTC, FirstMonth: time.January}

func (c Calendar) zone() *time.Location {
	if c.Zone == nil {
		return time.UTC
	}
	return c.Zone
}

// zoneSQL is the calendar's zone as a PostgreSQL string constant. Go and
// PostgreSQL each read the IANA name from their own time zone database.
func (c Calendar) zoneSQL() string { return pq.QuoteLiteral(c.zone().String()) }

// MonthNumber numbers the months of the calendar, consecutively: year*12 +
// month - 1 of t in the calendar's zone.
func (c Calendar) MonthNumber(t time.Time) int {
	t = t.In(c.zone())
	return t.Year()*12 + int(t.Month()) - 1
}

// MonthStart is the first instant of the month numbered m.
func (c Calendar) MonthStart(m int) time.Time {
	return time.Date(floorDiv(m, 12), time.Month(floorMod(m, 12)+1), 1, 0, 0, 0, 0, c.zone())
}

// MonthLabel names the month numbered m: 2026-10.
func (c Calendar) MonthLabel(m int) string {
	return fmt.Sprintf("%04d-%02d", floorDiv(m, 12), floorMod(m, 12)+1)
}

// QuarterOf numbers the quarter of the financial year that the month
// numbered m falls in, consecutively.
func (c Calendar) QuarterOf(m int) int { return floorDiv(m-c.offset(), 3) }

// QuarterFirstMonth is the number of the first month of quarter q.
func (c Calendar) QuarterFirstMonth(q int) int { return 3*q + c.offset() }

// QuarterLabel names quarter q: 2026-Q3 when the financial year is the
// calendar year; otherwise FY2026-Q1, the financial year named by the
// calendar year it starts in (FY2026-Q1 is April to June 2026 for a year
// starting in April, FY2026-Q4 January to March 2027).
func (c Calendar) QuarterLabel(q int) string {
	if c.offset() == 0 {
		return fmt.Sprintf("%04d-Q%d", floorDiv(q, 4), floorMod(q, 4)+1)
	}
	return fmt.Sprintf("FY%04d-Q%d", floorDiv(q, 4), floorMod(q, 4)+1)
}

// offset is the number of months from January to the financial year's start.
func (c Calendar) offset() int {
	if c.FirstMonth == 0 {
		return 0
	}
	return int(c.FirstMonth) - 1
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

type monthsAgo struct {
	cal Calendar
	t   Expr
	// ahead months after the evaluation time's, n months up to it.
	ahead, n int
}

// SQL finds t's month by a binary search among the starts of the months
// and of the one after the last (width_bucket), constants once the
// evaluation time is known: far cheaper than taking t's month in the zone.
func (m monthsAgo) SQL() string {
	months := m.ahead + m.n
	starts := make([]string, months+1)
	ago := make([]string, months+2)
	for i := range starts {
		starts[i] = monthStartSQL(m.cal, m.n-1-i)
	}
	ago[0], ago[months+1] = "NULL", "NULL"
	for b := 1; b <= months; b++ {
		ago[b] = strconv.Itoa(m.n - b)
	}
	// Bucket 0 is before the first start, months+1 from the start of the
	// month after the last.
	return fmt.Sprintf("('{%s}'::float8[])[width_bucket(%s, ARRAY[%s]) + 1]",
		strings.Join(ago, ","), timeSQL(m.t), strings.Join(starts, ", "))
}

func (m monthsAgo) Eval(rec Record, env Env) Value {
	t := m.t.Eval(rec, env)
	if t.Kind != KindTime {
		return Value{}
	}
	ago := m.cal.MonthNumber(env.Now) - m.cal.MonthNumber(t.T)
	if ago < -m.ahead || ago >= m.n {
		return Value{}
	}
	return Num(float64(ago))
}

// MonthsAgo is how many calendar months before the evaluation time's month
// t falls, 0 to n-1: 0 in the same month, 1 in the one before. It is NULL
// when t is NULL, in a later month, or n months or more before.
func MonthsAgo(cal Calendar, t Expr, n int) Expr { return monthsAgo{cal, t, 0, n} }

// MonthsAround is MonthsAgo that also places t in the ahead months after
// the evaluation time's, as -1 (the next month) down to -ahead: a plan's
// months are in the future too.
func MonthsAround(cal Calendar, t Expr, ahead, n int) Expr { return monthsAgo{cal, t, ahead, n} }

// monthStartSQL is the first instant of the month ago months before the
// evaluation time's (-1: the next month).
func monthStartSQL(cal Calendar, ago int) string { return monthStartLaterSQL(cal, ago, "") }

// monthStartLaterSQL is monthStartSQL moved later by the interval later
// ("": not moved). The move is made on the local time, with immutable
// functions only, so that PostgreSQL computes it once, not per record; a
// month starts at midnight, never in a daylight saving gap, so the move
// and the time zone commute.
func monthStartLaterSQL(cal Calendar, ago int, later string) string {
	z := cal.zoneSQL()
	local := fmt.Sprintf("date_trunc('month', %s AT TIME ZONE %s) - interval '%d months'", now{}.SQL(), z, ago)
	if later != "" {
		local += " + interval '" + later + "'"
	}
	return fmt.Sprintf("((%s) AT TIME ZONE %s)", local, z)
}

type monthEnd struct {
	cal Calendar
	ago int
}

func (m monthEnd) SQL() string {
	if m.ago == 0 {
		return now{}.SQL()
	}
	return monthStartSQL(m.cal, m.ago-1)
}

func (m monthEnd) Eval(_ Record, env Env) Value {
	if m.ago == 0 {
		return Time(env.Now)
	}
	return Time(m.cal.MonthStart(m.cal.MonthNumber(env.Now) - m.ago + 1))
}

// MonthEnd is the end of the month ago calendar months before the
// evaluation time's, as the first instant of the month after it; for the
// current month (ago 0), which has not ended, the evaluation time.
func MonthEnd(cal Calendar, ago int) Expr { return monthEnd{cal, ago} }

type endsFrom struct {
	cal    Calendar
	t      Expr
	n      int
	strict bool
}

// endsSQL is the SQL of the month ends 0 to n-1 (MonthEnd), earliest
// first, each moved later by the interval later ("": not moved).
func (e endsFrom) endsSQL(later string) string {
	ends := make([]string, e.n)
	for k := 1; k < e.n; k++ {
		ends[e.n-1-k] = monthStartLaterSQL(e.cal, k-1, later)
	}
	// Now, moved in UTC, where the move commutes with the zone.
	ends[e.n-1] = now{}.SQL()
	if later != "" {
		ends[e.n-1] = fmt.Sprintf("((%s AT TIME ZONE 'UTC' + interval '%s') AT TIME ZONE 'UTC')", now{}.SQL(), later)
	}
	return "ARRAY[" + strings.Join(ends, ", ") + "]"
}

// SQL counts the ends not after t with width_bucket, a binary search among
// them, and takes the rest. PostgreSQL's times are whole microseconds, so an
// end is before t exactly when it is at or before t less a microsecond.
func (e endsFrom) SQL() string {
	thresholds := e.endsSQL("1 microsecond")
	if e.strict {
		thresholds = e.endsSQL("")
	}
	return fmt.Sprintf("COALESCE(%d - width_bucket(%s, %s), 0)::float8", e.n, timeSQL(e.t), thresholds)
}

func (e endsFrom) Eval(rec Record, env Env) Value {
	t := e.t.Eval(rec, env)
	if t.Kind != KindTime {
		return Num(0)
	}
	return Num(float64(e.cal.endsFrom(env.Now, t.T, e.n, e.strict)))
}

// endsFrom counts the month ends 0 to n-1 at or after t (strictly after,
// if strict). End 0 is now, the latest; end k is the first instant of the
// month k-1 months before now's, so ends 1 to now's month number less t's
// are after t, and one more is at t when t is the first instant of its
// month.
func (c Calendar) endsFrom(now, t time.Time, n int, strict bool) int {
	if now.Before(t) || strict && now.Equal(t) {
		return 0
	}
	k := 1 + c.MonthNumber(now) - c.MonthNumber(t)
	if !strict && c.MonthStart(c.MonthNumber(t)).Equal(t) {
		k++
	}
	return min(k, n)
}

// EndsAtOrAfter is how many of the month ends 0 to n-1 (MonthEnd: now, then
// the end of each month before now's) are at or after t; 0 when t is NULL.
// A state that begins at t holds at the ends before that count, and one
// that ends at t (holding until just before t) from that count on.
func EndsAtOrAfter(cal Calendar, t Expr, n int) Expr { return endsFrom{cal, t, n, false} }

// EndsAfter is EndsAtOrAfter for the ends strictly after t: a state that
// begins just after t.
func EndsAfter(cal Calendar, t Expr, n int) Expr { return endsFrom{cal, t, n, true} }
