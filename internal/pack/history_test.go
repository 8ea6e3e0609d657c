package pack

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/stacktest"
)

// TestPrometheusHistory fills what the records cannot give from a real
// Prometheus with backfilled history: equipment serviceability over
// 2026-Q3, and a target changed in it.
func TestPrometheusHistory(t *testing.T) {
	start := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	// Every 6 hours, 3 hours off the quarter's bounds: 92 days x 4 = 368
	// samples, the first 184 at 0.90 and the last 184 at 1.00, so the
	// quarter's mean is 0.95. The green target drops from 0.98 to 0.97 on
	// 15 August: one change.
	var om strings.Builder
	n := 0
	for at := start.Add(3 * time.Hour); at.Before(end); at = at.Add(6 * time.Hour) {
		ratio := 0.90
		if n >= 184 {
			ratio = 1.00
		}
		green := 0.98
		if !at.Before(time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)) {
			green = 0.97
		}
		fmt.Fprintf(&om, "sems_kpi_organisation_ratio{kpi=\"equipment_serviceability\"} %g %d\n", ratio, at.Unix())
		fmt.Fprintf(&om, "sems_kpi_organisation_target_ratio{kpi=\"equipment_serviceability\",rag=\"green\"} %g %d\n", green, at.Unix())
		n++
	}
	if n != 368 {
		t.Fatalf("%d samples, want 368", n)
	}
	om.WriteString("# EOF\n")
	dataDir := filepath.Join(t.TempDir(), "data")
	stacktest.CreateBlocks(t, dataDir, []byte(om.String()))
	prom := stacktest.StartPrometheus(t, stacktest.PrometheusConfig{DataDir: dataDir})
	defer prom.Stop()

	h, err := NewPrometheus(prom.URL, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f := readFixture(t, nil)
	q3 := Period{Year: 2026, Quarter: 3}
	p := Build(f, Options{Period: q3, AsAt: fixtureAsAt, Generated: fixtureAsAt, History: h})

	var got []Figure
	for _, fig := range p.Figures() {
		if fig.Section == "trends" && fig.Subject == "equipment_serviceability" {
			got = append(got, fig)
		}
	}
	if len(got) != 1 || got[0].Period != "2026-Q3" || got[0].Value < 0.9499 || got[0].Value > 0.9501 || !strings.HasPrefix(got[0].Source, "prometheus: avg_over_time(") {
		t.Errorf("equipment trend from Prometheus %+v, want 2026-Q3 alone at 0.95", got)
	}
	html, err := p.HTML()
	if err != nil {
		t.Fatal(err)
	}
	// The change: the organisation's green threshold of equipment, once.
	if !strings.Contains(string(html), "<th>Security equipment serviceable</th><td>Organisation</td><td>Green</td><td>1</td>") || strings.Contains(strings.Join(p.Unfilled, "\n"), "Targets changed") {
		t.Errorf("the pack does not list the target changed in 2026-Q3; unfilled: %q", p.Unfilled)
	}
	if strings.Contains(strings.Join(p.Unfilled, "\n"), "Security equipment serviceable") {
		t.Errorf("the equipment trend is still unfilled: %q", p.Unfilled)
	}
}
