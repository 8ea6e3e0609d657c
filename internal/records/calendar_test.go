package records

import (
	"testing"
	"time"
)

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestCalendarAgreesWithPostgres checks the period expressions by hand and
// against PostgreSQL, in a session whose own time zone is neither UTC nor
// the calendar's: the calendar's zone alone must decide.
func TestCalendarAgreesWithPostgres(t *testing.T) {
	db := testDB(t, "calendar")
	if _, err := db.Exec("SET TimeZone = 'Pacific/Auckland'"); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ldn := Calendar{Zone: london(t), FirstMonth: time.April}
	now := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
	s := NewShape([]Column{{Name: "a", Type: TypeTime}, {Name: "b", Type: TypeTime}, {Name: "flag", Type: TypeBool}, {Name: "kind", Type: TypeEnum}})
	at := func(v string) Record {
		if v == "" {
			return Record{{}, {}, {}, {}}
		}
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatal(err)
		}
		return Record{Time(tm), {}, {}, {}}
	}
	a := s.Col("a")
	cases := []struct {
		name string
		e    Expr
		rec  Record
		want string
	}{
		// London is on summer time (UTC+1) until 25 October 2026: 23:30
		// UTC on 30 September is 00:30 on 1 October there, this month...
		{"after the quarter starts in London", MonthsAgo(ldn, a, 13), at("2026-09-30T23:30:00Z"), "0"},
		// ...and 22:30 UTC is 23:30 on 30 September, last month.
		{"before the quarter starts in London", MonthsAgo(ldn, a, 13), at("2026-09-30T22:30:00Z"), "1"},
		// In UTC both are September.
		{"the same instant in UTC", MonthsAgo(UTC, a, 13), at("2026-09-30T23:30:00Z"), "1"},
		// October 2025 is 12 months before October 2026: the last of 13.
		{"a year before", MonthsAgo(ldn, a, 13), at("2025-10-01T00:00:00+01:00"), "12"},
		{"beyond the months", MonthsAgo(ldn, a, 13), at("2025-09-30T23:59:00+01:00"), "NULL"},
		// 00:00 GMT on 1 November is November in London: a later month.
		{"next month", MonthsAgo(ldn, a, 13), at("2026-11-01T00:00:00Z"), "NULL"},
		{"the last instant of this month", MonthsAgo(ldn, a, 13), at("2026-10-31T23:59:59Z"), "0"},
		{"NULL", MonthsAgo(ldn, a, 13), at(""), "NULL"},
		// Months ahead, for a plan: November is the next, and the last of
		// two ahead is December; January 2027 is beyond them.
		{"next month, ahead", MonthsAround(ldn, a, 2, 13), at("2026-11-01T00:00:00Z"), "-1"},
		{"two months ahead", MonthsAround(ldn, a, 2, 13), at("2026-12-31T23:59:00Z"), "-2"},
		{"beyond the months ahead", MonthsAround(ldn, a, 2, 13), at("2027-01-01T00:00:00Z"), "NULL"},
		{"this month, with months ahead", MonthsAround(ldn, a, 2, 13), at("2026-10-31T23:59:59Z"), "0"},
		{"a year before, with months ahead", MonthsAround(ldn, a, 2, 13), at("2025-10-01T00:00:00+01:00"), "12"},
		// The month before this one ends when this one starts: 00:00 on
		// 1 October in London, 23:00 UTC on 30 September.
		{"end of last month", SecondsBetween(MonthEnd(ldn, 1), Now()), at(""), "1.2564e+06"}, // 14 days 13 hours = 1,209,600 + 46,800 = 1,256,400 s
		// August ended at 00:00 on 1 September in London, also summer
		// time: 23:00 UTC on 31 August, 30 days before the above, 44 days
		// 13 hours before now = 3,801,600 + 46,800 = 3,848,400 s.
		{"end of two months ago", SecondsBetween(MonthEnd(ldn, 2), Now()), at(""), "3.8484e+06"},
		{"the current month ends now", SecondsBetween(MonthEnd(ldn, 0), Now()), at(""), "0"},
		// March 2026 ended at 00:00 on 1 April, summer time since 29
		// March: 23:00 UTC on 31 March; from then to now is 197 days 13
		// hours = 17,020,800 + 46,800 = 17,067,600 s.
		{"end of a month in summer time, seven months ago", SecondsBetween(MonthEnd(ldn, 7), Now()), at(""), "1.70676e+07"},
		// December 2025 ended at 00:00 GMT on 1 January 2026 = 00:00 UTC;
		// 287 days 12 hours later = 24,840,000 s.
		{"end of a winter month", SecondsBetween(MonthEnd(ldn, 10), Now()), at(""), "2.484e+07"},
		// The ends, newest first: 0 now (15 October 12:00), 1 the end of
		// September (00:00 on 1 October in London = 23:00 UTC on 30
		// September), 2 the end of August (23:00 UTC on 31 August), ...
		// 23:30 UTC on 30 September is after end 1: only now is at or after it.
		{"ends after a time this month", EndsAtOrAfter(ldn, a, 13), at("2026-09-30T23:30:00Z"), "1"},
		// 22:30 UTC is before end 1: ends 0 and 1.
		{"ends after a time last month", EndsAtOrAfter(ldn, a, 13), at("2026-09-30T22:30:00Z"), "2"},
		// Exactly end 1: at or after it, ends 0 and 1; strictly after, end 0.
		{"ends at or after an end", EndsAtOrAfter(ldn, a, 13), at("2026-09-30T23:00:00Z"), "2"},
		{"ends strictly after an end", EndsAfter(ldn, a, 13), at("2026-09-30T23:00:00Z"), "1"},
		// A microsecond before it: the same either way.
		{"ends after just before an end", EndsAtOrAfter(ldn, a, 13), at("2026-09-30T22:59:59.999999Z"), "2"},
		{"ends strictly after just before an end", EndsAfter(ldn, a, 13), at("2026-09-30T22:59:59.999999Z"), "2"},
		// 10 May 2026 is in May: ends 0 (now) and 1-5 (ends of September
		// back to May) are after it; 6 of them, both ways.
		{"ends after May", EndsAtOrAfter(ldn, a, 13), at("2026-05-10T08:00:00Z"), "6"},
		{"ends strictly after May", EndsAfter(ldn, a, 13), at("2026-05-10T08:00:00Z"), "6"},
		// Years back: every one of the 13 ends.
		{"ends after long ago", EndsAtOrAfter(ldn, a, 13), at("2020-01-01T00:00:00Z"), "13"},
		// After now, or NULL: none.
		{"ends after a later time", EndsAtOrAfter(ldn, a, 13), at("2026-10-15T12:00:00.000001Z"), "0"},
		{"ends at or after now", EndsAtOrAfter(ldn, a, 13), at("2026-10-15T12:00:00Z"), "1"},
		{"ends strictly after now", EndsAfter(ldn, a, 13), at("2026-10-15T12:00:00Z"), "0"},
		{"ends after NULL", EndsAtOrAfter(ldn, a, 13), at(""), "0"},
	}
	for _, c := range cases {
		got := format(c.e.Eval(c.rec, Env{Now: now}))
		pg := evalInPostgres(t, db, s, c.e, c.rec, now)
		if got != c.want || pg != c.want {
			t.Errorf("%s: Go %s, PostgreSQL %s, want %s (SQL %s)", c.name, got, pg, c.want, c.e.SQL())
		}
	}
}

// TestDateOnlyIsTheWholeDay reads date-only cells as CSV and as PostgreSQL
// date and text columns, in a session whose time zone is neither UTC nor
// the column's, and requires the same instants, worked out by hand.
func TestDateOnlyIsTheWholeDay(t *testing.T) {
	db := testDB(t, "dates")
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET TimeZone = 'America/New_York'"); err != nil {
		t.Fatal(err)
	}
	ldn := london(t)
	cases := []struct {
		col  Column
		raw  string
		want string
	}{
		// An event on 1 July is from 00:00 BST, 23:00 UTC the day before.
		{Column{Type: TypeTime, Zone: ldn}, "2026-07-01", "2026-06-30T23:00:00Z"},
		// Due on 29 November (GMT): until 23:59:59.999999 that day.
		{Column{Type: TypeTime, Zone: ldn, Deadline: true}, "2026-11-29", "2026-11-29T23:59:59.999999Z"},
		// Valid until 1 July: until the last instant of 1 July BST.
		{Column{Type: TypeTime, Zone: ldn, Deadline: true}, " 2026-07-01 ", "2026-07-01T22:59:59.999999Z"},
		// No zone: UTC.
		{Column{Type: TypeTime, Deadline: true}, "2026-07-01", "2026-07-01T23:59:59.999999Z"},
	}
	// A timestamp is not a date, whatever the column's zone. (PostgreSQL
	// reads one without a zone in the session's, which the source sets to
	// UTC.)
	if got := ParseCell(Column{Type: TypeTime, Zone: ldn, Deadline: true}, "2026-07-01 10:00:00"); !got.T.Equal(time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("a timestamp without zone in a CSV cell: got %v, want 10:00 UTC", got.T)
	}
	for _, c := range cases {
		got := ParseCell(c.col, c.raw)
		if got.Kind != KindTime || got.T.UTC().Format(time.RFC3339Nano) != c.want {
			t.Errorf("CSV %q (%+v): got %v, want %s", c.raw, c.col, got.T.UTC(), c.want)
		}
		for _, typ := range []string{"text", "date"} {
			var pg time.Time
			q := "SELECT " + normalizeSQL(c.col, "$1::"+typ)
			if err := db.QueryRow(q, c.raw).Scan(&pg); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if pg.UTC().Format(time.RFC3339Nano) != c.want {
				t.Errorf("PostgreSQL %s %q: got %s, want %s", typ, c.raw, pg.UTC().Format(time.RFC3339Nano), c.want)
			}
		}
	}
}
