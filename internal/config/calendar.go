package config

import (
	"strings"
	"time"
	// The zones are built in, so that a time zone name means the same on
	// every host, however bare its image.
	_ "time/tzdata"

	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// Calendar is the organisation's calendar: the time zone its days, months
// and quarters are counted in, the month its financial year starts, and how
// many months and quarters the period indicators cover.
type Calendar struct {
	TimeZone           string `yaml:"time_zone"`
	FinancialYearStart string `yaml:"financial_year_start"`
	Months             *int   `yaml:"months"`
	Quarters           *int   `yaml:"quarters"`
}

// Bounds on the periods: each is a series per KPI and site.
const (
	maxPeriodMonths   = 60
	maxPeriodQuarters = 20
)

// checkCalendar resolves the calendar, every field defaulting.
func (d *decoder) checkCalendar(doc *yaml.Node, cal *Calendar) collectors.Calendar {
	out := collectors.DefaultCalendar()
	if cal == nil {
		return out
	}
	n := lookup(doc, "calendar")
	at := func(key string) *yaml.Node { return lookup(n, key) }
	if cal.TimeZone != "" {
		zone, err := time.LoadLocation(cal.TimeZone)
		switch {
		case cal.TimeZone == "Local":
			d.errorf(at("time_zone"), "calendar.time_zone: name the zone (Europe/London, for example): Local depends on the host")
		case err != nil:
			d.errorf(at("time_zone"), "calendar.time_zone: %q is not an IANA time zone name (Europe/London, America/New_York, UTC)", cal.TimeZone)
		default:
			out.Zone = zone
		}
	}
	if cal.FinancialYearStart != "" {
		month, ok := monthNamed(cal.FinancialYearStart)
		if !ok {
			d.errorf(at("financial_year_start"), "calendar.financial_year_start: %q is not a month (january to december)", cal.FinancialYearStart)
		}
		out.FirstMonth = month
	}
	if cal.Months != nil {
		out.Months = *cal.Months
		if out.Months < 1 || out.Months > maxPeriodMonths {
			d.errorf(at("months"), "calendar.months: between 1 and %d, got %d", maxPeriodMonths, out.Months)
		}
	}
	if cal.Quarters != nil {
		out.Quarters = *cal.Quarters
		if out.Quarters < 1 || out.Quarters > maxPeriodQuarters {
			d.errorf(at("quarters"), "calendar.quarters: between 1 and %d, got %d", maxPeriodQuarters, out.Quarters)
		}
	}
	return out
}

func monthNamed(name string) (time.Month, bool) {
	for m := time.January; m <= time.December; m++ {
		if strings.EqualFold(name, m.String()) {
			return m, true
		}
	}
	return time.January, false
}
