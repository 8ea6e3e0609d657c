package config

import (
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/collectors"
)

func TestCalendarDefaultsAndSettings(t *testing.T) {
	t.Setenv("SEMS_VALIDATION_DSN", "postgres://reader@db/sems")
	c, err := Load(write(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Families[0].Settings.Calendar, collectors.DefaultCalendar(); got != want {
		t.Errorf("default calendar %+v, want %+v", got, want)
	}
	c, err = Load(write(t, strings.Replace(base, "sites: [north, south]\n",
		"sites: [north, south]\ncalendar: {time_zone: Europe/London, financial_year_start: April, months: 25, quarters: 4}\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Families {
		cal := f.Settings.Calendar
		if cal.Zone.String() != "Europe/London" || cal.FirstMonth != time.April || cal.Months != 25 || cal.Quarters != 4 {
			t.Errorf("%s: calendar %+v, want Europe/London, April, 25 months, 4 quarters", f.Name, cal)
		}
	}
}
