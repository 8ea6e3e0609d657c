package config

import (
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// withIndicators is base with one indicator of each kind that matters: a
// share with targets and a site override, and a trend-only count.
const withIndicators = base + `indicators:
  gate_checks:
    title: Gate checks passed
    description: Share of staff gate checks passed.
    measure: share
    source: exports
    file: gate_checks.csv
    window: 30d
    breakdown:
      title: Gate
      values: [gate_a, gate_b]
    targets: {green: 0.95, amber: 0.9}
    site_targets:
      south: {green: 0.9, amber: 0.8}
  disruption:
    title: Disruption minutes
    description: Minutes of train disruption caused by security.
    measure: sum
    unit: minutes
    direction: lower_is_better
    source: db
    query: SELECT site, at, minutes AS value FROM disruption
    window: 30d
    targets: {green: 60, amber: 120}
    organisation_targets: {green: 200, amber: 400}
  vigilance:
    title: Vigilance reports
    description: Reports of suspicious items and behaviour made by staff.
    measure: count
    trend_only: true
    source: exports
    file: vigilance.csv
`

func TestIndicators(t *testing.T) {
	t.Setenv("SEMS_VALIDATION_DSN", "postgres://reader@db/sems")
	c, err := Load(write(t, withIndicators))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	byName := map[string]*Family{}
	for _, f := range c.Families {
		byName[f.Name] = f
	}
	gate := byName["gate_checks"]
	if gate == nil {
		t.Fatalf("no gate_checks collection among %v", c.Families)
	}
	k := gate.Collector.KPIs()[0]
	if k.Name != "gate_checks" || k.Family != "gate_checks" || k.Unit != collectors.UnitRatio || k.Direction != collectors.HigherIsBetter || k.TrendOnly {
		t.Errorf("gate_checks KPI = %+v", k)
	}
	if got := gate.Settings.SiteTargets["south"].(*collectors.IndicatorTargets); got.Green != 0.9 || got.Amber != 0.8 {
		t.Errorf("south's gate_checks levels = %g/%g, want 0.9/0.8", got.Green, got.Amber)
	}
	if got := gate.Settings.SiteTargets["north"].(*collectors.IndicatorTargets); got.Green != 0.95 || got.Amber != 0.9 {
		t.Errorf("north's gate_checks levels = %g/%g, want the organisation's 0.95/0.9", got.Green, got.Amber)
	}
	if gate.Schedule != DefaultSchedule || time.Duration(gate.Timeout) != DefaultTimeout {
		t.Errorf("gate_checks schedule %q timeout %v, want the defaults", gate.Schedule, gate.Timeout)
	}
	var cols []string
	for _, col := range gate.Collector.Columns() {
		cols = append(cols, col.Name)
	}
	if got, want := strings.Join(cols, ","), "ref,site,at,breakdown,met"; got != want {
		t.Errorf("gate_checks record contract %s, want %s", got, want)
	}
	if k := byName["disruption"].Collector.KPIs()[0]; k.Unit != "minutes" || k.Direction != collectors.LowerIsBetter {
		t.Errorf("disruption KPI = %+v", k)
	}
	if k := byName["vigilance"].Collector.KPIs()[0]; k.Unit != DefaultCountUnit || !k.TrendOnly {
		t.Errorf("vigilance KPI = %+v", k)
	}
}

func TestIndicatorValidation(t *testing.T) {
	t.Setenv("SEMS_VALIDATION_DSN", "postgres://reader@db/sems")
	cases := []struct {
		name, old, new, at, msg string
	}{
		{"target on a trend-only indicator", "    trend_only: true\n", "    trend_only: true\n    targets: {green: 10, amber: 5}\n", "targets: {green: 10, amber: 5}", "a trend-only indicator has no target"},
		{"no target, not trend-only", "    targets: {green: 0.95, amber: 0.9}\n", "", "title: Gate checks passed", "set targets (green and amber), or trend_only: true"},
		{"share level above 1", "{green: 0.95, amber: 0.9}", "{green: 95, amber: 90}", "targets: {green: 95", "shares between 0 and 1"},
		{"amber better than green, lower is better", "{green: 60, amber: 120}", "{green: 120, amber: 60}", "targets: {green: 120", "amber (60) must not be better than green (120)"},
		{"unknown measure", "measure: share", "measure: percentage", "measure: percentage", `must be one of share, ratio, count, sum, got "percentage"`},
		{"sum without a unit", "    unit: minutes\n", "", "title: Disruption minutes", "a sum needs a unit"},
		{"unit on a share", "    measure: share\n", "    measure: share\n    unit: percent\n", "unit: percent", "has no unit"},
		{"sum with targets and no direction", "    direction: lower_is_better\n", "", "title: Disruption minutes", "needs a direction"},
		{"bad direction", "direction: lower_is_better", "direction: down", "direction: down", "must be higher_is_better or lower_is_better"},
		{"organisation targets on a share", "      south: {green: 0.9, amber: 0.8}\n", "      south: {green: 0.9, amber: 0.8}\n    organisation_targets: {green: 0.9, amber: 0.8}\n", "organisation_targets: {green: 0.9", "organisation_targets are for a count or sum"},
		{"name of a built-in family", "  gate_checks:\n", "  capa:\n", "  capa:", "is the name of a built-in family"},
		{"name of a built-in KPI", "  gate_checks:\n", "  capa_on_time:\n", "  capa_on_time:", "is the kpi of the built-in capa family"},
		{"name not a label value", "  gate_checks:\n", "  Gate Checks:\n", "  Gate Checks:", "is not an indicator name"},
		{"no title", "    title: Gate checks passed\n", "", "description: Share of staff", "title: required"},
		{"breakdown value not a label value", "[gate_a, gate_b]", "[gate_a, Gate B]", "values: [gate_a", `"Gate B" is not a label value`},
		{"breakdown value twice", "[gate_a, gate_b]", "[gate_a, gate_a]", "values: [gate_a", `"gate_a" is listed twice`},
		{"column not in the contract", "    file: gate_checks.csv\n", "    file: gate_checks.csv\n    columns: {passed: Passed}\n", "passed: Passed", `"passed" is not a column of the gate_checks record contract (at, breakdown, met, ref, site)`},
		{"vocabulary is a family key", "    file: vigilance.csv\n", "    file: vigilance.csv\n    vocabulary: {site: [north]}\n", "vocabulary: {site", `unknown key "vocabulary" in indicators.vigilance`},
		{"negative window", "window: 30d\n    breakdown", "window: -30d\n    breakdown", "window: -30d", "not a valid duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { breaking(t, withIndicators, tc.old, tc.new, tc.at, tc.msg) })
	}
}
