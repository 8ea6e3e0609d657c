package records

import (
	"testing"
	"time"
)

// TestParseCellTimestamps holds the CSV timestamp forms to those
// PostgreSQL's timestamptz input accepts in ISO order, and to the list in
// docs/configuration.md.
func TestParseCellTimestamps(t *testing.T) {
	col := Column{Name: "at", Type: TypeTime}
	// 10:00 at +01:00 is 09:00 UTC.
	nine := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for raw, want := range map[string]time.Time{
		"2026-11-01T10:00:00+01:00":     nine,
		"2026-11-01T10:00:00.000+01:00": nine,
		"2026-11-01 10:00:00+0100":      nine,
		"2026-11-01T10:00:00+0100":      nine,
		"2026-11-01 10:00:00+01":        nine,
		"2026-11-01 10:00+01:00":        nine,
		"2026-11-01 10:00+0100":         nine,
		"2026-11-01T10:00+01":           nine,
		"2026-11-01 09:00":              nine,
		"2026-11-01T09:00":              nine,
		"2026-11-01 09:00Z":             nine,
		"2026-11-01 09:00:00":           nine,
		"2026-11-01T09:00:00Z":          nine,
		"2026-11-01":                    time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		" 2026-11-01 09:00:00.5 ":       nine.Add(500 * time.Millisecond),
	} {
		v := ParseCell(col, raw)
		if v.Kind != KindTime || !v.T.Equal(want) {
			t.Errorf("%q: got %+v, want %s", raw, v, want)
		}
	}
	// Day-first and month-first dates are ambiguous (01/11/2026), and epoch
	// seconds cannot be told from a number: both are refused, not guessed.
	for _, raw := range []string{"01/11/2026 10:00", "11/01/2026", "1793523600", "2026-11-01 10", "2026-13-01"} {
		if v := ParseCell(col, raw); v.Kind != KindInvalid {
			t.Errorf("%q: got %+v, want invalid", raw, v)
		}
	}
}
