package records

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the timestamp forms a CSV cell may take, those
// PostgreSQL's timestamptz input takes in ISO order: a date and a time of
// day with or without seconds and fractions, after a "T" or a space, with a
// zone written "Z", "+01:00", "+0100" or "+01", or none. A form without a
// zone is read as UTC, as the PostgreSQL path reads a timestamp without
// time zone in a session whose TimeZone is UTC. A date alone is dateLayout.
// docs/configuration.md lists them.
var timeLayouts = func() []string {
	var out []string
	for _, clock := range []string{"15:04:05.999999999", "15:04"} {
		for _, sep := range []string{"T", " "} {
			for _, zone := range []string{"Z07:00", "Z0700", "Z07", ""} {
				out = append(out, "2006-01-02"+sep+clock+zone)
			}
		}
	}
	return out
}()

// dateLayout is a date alone: the whole of that day in the column's zone
// (DateValue).
const dateLayout = "2006-01-02"

// DateValue is the instant a date-only value of the column stands for: the
// first instant of the day in the column's zone, or for a deadline the last
// (to the microsecond, PostgreSQL's precision), so that an action closed at
// 14:00 on its due day is on time and training valid until today is current
// all day.
func (c Column) DateValue(year int, month time.Month, day int) time.Time {
	zone := c.Zone
	if zone == nil {
		zone = time.UTC
	}
	if c.Deadline {
		return time.Date(year, month, day+1, 0, 0, 0, 0, zone).Add(-time.Microsecond)
	}
	return time.Date(year, month, day, 0, 0, 0, 0, zone)
}

// ParseCell reads a text cell as a value of the column's type, normalised as
// AggregateSQL normalises a database column.
func ParseCell(c Column, raw string) Value {
	raw = strings.Trim(raw, trimmed)
	if raw == "" {
		return Value{}
	}
	switch c.Type {
	case TypeEnum:
		return Str(lowerASCII(raw))
	case TypeBool:
		switch strings.ToLower(raw) {
		case "t", "true", "y", "yes", "on", "1":
			return Bool(true)
		case "f", "false", "n", "no", "off", "0":
			return Bool(false)
		}
		return Value{Kind: KindInvalid}
	case TypeNumber:
		return parseNumber(raw)
	case TypeTime:
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, raw); err == nil {
				return Time(t)
			}
		}
		if d, err := time.Parse(dateLayout, raw); err == nil {
			return Time(c.DateValue(d.Date()))
		}
		return Value{Kind: KindInvalid}
	}
	return Str(raw)
}

// lowerASCII lower-cases A-Z only, as PostgreSQL's lower() does under the C
// collation: enum vocabularies are ASCII, and Unicode case mapping is not
// the same in Go and in every database locale.
func lowerASCII(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for j := i; j < len(b); j++ {
		if 'A' <= b[j] && b[j] <= 'Z' {
			b[j] += 'a' - 'A'
		}
	}
	return string(b)
}

// parseNumber reads a number as PostgreSQL's float8 input (C's strtod)
// does: decimal with an optional exponent, or hexadecimal, which strtod takes
// with or without a binary exponent and Go only with one. Go's underscores,
// which strtod refuses, are invalid, and so are NaN and infinities, which no
// KPI can count.
func parseNumber(raw string) Value {
	if strings.Contains(raw, "_") {
		return Value{Kind: KindInvalid}
	}
	digits := strings.TrimLeft(raw, "+-")
	if len(digits) > 2 && (digits[:2] == "0x" || digits[:2] == "0X") && !strings.ContainsAny(digits, "pP") {
		raw += "p0"
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{Kind: KindInvalid}
	}
	return Num(f)
}
