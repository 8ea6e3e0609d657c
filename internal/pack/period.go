package pack

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// Period is a calendar month or quarter, named as the period label of the
// exporter's period metrics names it: "2026-10", "2026-Q3", or "FY2026-Q1"
// in a financial year that does not start in January.
type Period struct {
	// FY is set for a quarter of a financial year, named "FY" + the
	// calendar year it starts in.
	FY      bool
	Year    int
	Quarter int // 1-4, or 0 for a month
	Month   int // 1-12, or 0 for a quarter
}

var periodPattern = regexp.MustCompile(`^(FY)?(\d{4})-(?:Q([1-4])|(0[1-9]|1[0-2]))$`)

// ParsePeriod reads a period name.
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil || m[1] != "" && m[4] != "" {
		return Period{}, fmt.Errorf("period %q: want a quarter such as 2026-Q3 (FY2026-Q1 in a financial year) or a month such as 2026-10", s)
	}
	p := Period{FY: m[1] != ""}
	p.Year, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		p.Quarter, _ = strconv.Atoi(m[3])
	} else {
		p.Month, _ = strconv.Atoi(m[4])
	}
	return p, nil
}

func (p Period) String() string {
	if p.Month > 0 {
		return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
	}
	prefix := ""
	if p.FY {
		prefix = "FY"
	}
	return fmt.Sprintf("%s%04d-Q%d", prefix, p.Year, p.Quarter)
}

// Granularity is the period label's companion: "month" or "quarter".
func (p Period) Granularity() string {
	if p.Month > 0 {
		return "month"
	}
	return "quarter"
}

// Add moves the period by n of its own length.
func (p Period) Add(n int) Period {
	if p.Month > 0 {
		i := p.Year*12 + p.Month - 1 + n
		p.Year, p.Month = i/12, i%12+1
		return p
	}
	i := p.Year*4 + p.Quarter - 1 + n
	p.Year, p.Quarter = i/4, i%4+1
	return p
}

// QuarterOf is the calendar quarter a month falls in; a quarter is itself.
func (p Period) QuarterOf() Period {
	if p.Month == 0 {
		return p
	}
	return Period{Year: p.Year, Quarter: (p.Month-1)/3 + 1}
}

// Months lists the months of the period: itself, or a calendar quarter's
// three. A financial-year quarter's months depend on the calendar and are
// not listed.
func (p Period) Months() []Period {
	if p.Month > 0 {
		return []Period{p}
	}
	if p.FY {
		return nil
	}
	first := Period{Year: p.Year, Month: (p.Quarter-1)*3 + 1}
	return []Period{first, first.Add(1), first.Add(2)}
}

// Bounds are the period's first instant and the first instant after it, in
// UTC; ok is false for a financial-year quarter, whose bounds depend on the
// calendar.
func (p Period) Bounds() (start, end time.Time, ok bool) {
	if p.FY {
		return time.Time{}, time.Time{}, false
	}
	m := p.Month
	months := 1
	if m == 0 {
		m, months = (p.Quarter-1)*3+1, 3
	}
	start = time.Date(p.Year, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, months, 0), true
}

// LastCompleteQuarter is the calendar quarter before the one now falls in.
func LastCompleteQuarter(now time.Time) Period {
	now = now.UTC()
	return Period{Year: now.Year(), Quarter: (int(now.Month())-1)/3 + 1}.Add(-1)
}

// DefaultPeriod is the last complete quarter: the latest the exporter's
// period metrics mark complete, in the organisation's calendar, or else
// the calendar quarter before now's.
func DefaultPeriod(f *figures.Figures, now time.Time) Period {
	var last Period
	for _, name := range []string{"sems_kpi_organisation_period_ratio", "sems_kpi_organisation_period_value"} {
		for _, s := range f.Series(name, "granularity", "quarter", "complete", "true") {
			if q, err := ParsePeriod(s.Labels["period"]); err == nil && q.String() > last.String() {
				last = q
			}
		}
	}
	if last.Year == 0 {
		return LastCompleteQuarter(now)
	}
	return last
}
