package collectors_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/pgtest"
)

// TestCapaStatesByDefinition checks the actions open and overdue at each
// month's end against their definition, evaluated record by record: open
// at an end E if raised before E and not closed before E; overdue if also
// due before E. The exporter derives them from the months actions were
// raised and closed in instead. Many of the times are the first instant of
// a month (a date on the 1st), where the two can part; some actions were
// raised before the months counted.
func TestCapaStatesByDefinition(t *testing.T) {
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cal := londonApril(t)
	ldn := cal.Zone
	now := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
	type action struct {
		site                string
		raised, due, closed time.Time // closed zero: open
	}
	r := rand.New(rand.NewPCG(7, 11))
	// at is a time at or after from, up to days later and not after now:
	// as often as not the first instant of a month, written as a date.
	at := func(from time.Time, days int) (time.Time, string) {
		when := from.Add(time.Duration(r.Int64N(int64(days)*24+1)) * time.Hour)
		if r.IntN(2) == 0 {
			local := when.In(ldn)
			if first := time.Date(local.Year(), local.Month()+1, 1, 0, 0, 0, 0, ldn); !first.After(now) {
				return first, first.Format(time.DateOnly)
			}
		}
		if limit := now.Add(-time.Minute); when.After(limit) {
			when = limit
		}
		return when, when.UTC().Format(time.RFC3339)
	}
	var csv strings.Builder
	csv.WriteString("action_ref,site,kind,origin,priority,raised_at,due_at,closed_at,effectiveness_reviewed_at\n")
	var actions []action
	for i := range 600 {
		a := action{site: []string{"north", "south"}[i%2]}
		var raised, due, closed string
		// Up to 30 months back, beyond the 24 months the family counts.
		a.raised, raised = at(time.Date(2026, 10-time.Month(r.IntN(30)), 1, 0, 0, 0, 0, ldn), 30)
		// Due on a day (until its last instant) or at a time.
		a.due = a.raised.Add(time.Duration(r.Int64N(90*24)) * time.Hour)
		due = a.due.UTC().Format(time.RFC3339)
		if r.IntN(2) == 0 {
			y, m, d := a.due.In(ldn).Date()
			a.due, due = time.Date(y, m, d+1, 0, 0, 0, 0, ldn).Add(-time.Microsecond), time.Date(y, m, d, 0, 0, 0, 0, ldn).Format(time.DateOnly)
		}
		if r.IntN(10) < 7 {
			a.closed, closed = at(a.raised, 120)
		}
		actions = append(actions, a)
		fmt.Fprintf(&csv, "A%d,%s,corrective,audit,high,%s,%s,%s,\n", i, a.site, raised, due, closed)
	}
	got := periodCase{family: "capa", cal: cal, now: now, csv: csv.String()}.run(t, server)

	// The month ends: now, then the first instant of each month after.
	for ago := range 13 {
		end := now
		if ago > 0 {
			end = time.Date(2026, 10-time.Month(ago)+1, 1, 0, 0, 0, 0, ldn)
		}
		label := time.Date(2026, 10-time.Month(ago), 1, 0, 0, 0, 0, ldn).Format("2006-01")
		for _, site := range []string{"north", "south"} {
			var open, overdue float64
			for _, a := range actions {
				if a.site != site || !a.raised.Before(end) || !a.closed.IsZero() && a.closed.Before(end) {
					continue
				}
				// Now is the one end an action raised at it, or closed at
				// it, would be open at or closed by; none is.
				open++
				if a.due.Before(end) {
					overdue++
				}
			}
			for metric, want := range map[string]float64{"sems_capa_period_open": open, "sems_capa_period_overdue": overdue} {
				key := familyPeriod(metric, label, ago > 0, "site", site)
				if g, ok := got[key]; !ok || g != want {
					t.Errorf("%s = %v (present %v), want %v", key, g, ok, want)
				}
			}
		}
	}
}
