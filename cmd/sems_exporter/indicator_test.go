package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// patrols are the records of two indicators added to the demo in YAML
// alone: patrols completed (a share; per site, patrols done of patrols due)
// and perimeter checks (a count, tracked for trend only).
//
//	north   9 of 10 done: 0.9, green (green 0.9)
//	south   6 of 8: 0.75, red (amber 0.8)
//	harbour 3 of 5: 0.6, amber against its own amber 0.6
//	valley  4 of 4: 1, green
//	organisation (9+6+3+4)/(10+8+5+4) = 22/27, amber
func patrolRecords() string {
	var b strings.Builder
	b.WriteString("site,met\n")
	for _, s := range []struct {
		site      string
		done, due int
	}{{"north", 9, 10}, {"south", 6, 8}, {"harbour", 3, 5}, {"valley", 4, 4}} {
		for i := range s.due {
			fmt.Fprintf(&b, "%s,%t\n", s.site, i < s.done)
		}
	}
	return b.String()
}

const patrolIndicators = `
  patrols_completed:
    title: Patrols completed
    description: Share of the perimeter patrols due that were completed.
    measure: share
    source: demo
    file: patrols.csv
    targets: {green: 0.9, amber: 0.8}
    site_targets:
      harbour: {green: 0.7, amber: 0.6}
  perimeter_checks:
    title: Perimeter checks
    description: Checks of the perimeter fence made by staff.
    measure: count
    trend_only: true
    source: demo
    file: perimeter_checks.csv
`

// An indicator added in YAML alone, with no Go and no dashboard
// regenerated: the configuration check takes it, a reload starts it, and
// /metrics grades it and rolls it up; SemsKpiRed fires on the series the
// exporter serves for it. A trend-only indicator has no target and no RAG.
func TestIndicatorInYAMLAlone(t *testing.T) {
	path := demoConfig(t)
	dir := filepath.Dir(path)
	p := launch(t, "--config.file="+path, "--web.enable-lifecycle")
	p.waitCollected(t)

	writeFile(t, filepath.Join(dir, "csv", "patrols.csv"), patrolRecords())
	writeFile(t, filepath.Join(dir, "csv", "perimeter_checks.csv"), "site\nnorth\nnorth\nnorth\nsouth\n")
	demo := readFile(t, path)
	if !strings.Contains(demo, "\nindicators:\n") || !strings.HasSuffix(demo, "timeout: 30s\n") {
		t.Fatal("the demo configuration no longer ends with its indicators")
	}
	writeFile(t, path, demo+patrolIndicators)
	if out, err := exec.Command(binary, "--config.file="+path, "--config.check").CombinedOutput(); err != nil {
		t.Fatalf("--config.check refuses the indicators: %v\n%s", err, out)
	}
	resp, err := http.Post(p.url+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reload: %s", resp.Status)
	}
	got := p.until(t, "the indicators' first collections", func(m map[string]float64) bool {
		return m[`sems_collections_total{family="patrols_completed",source="demo"}`] >= 1 &&
			m[`sems_collections_total{family="perimeter_checks",source="demo"}`] >= 1
	})
	want := map[string]float64{
		`sems_collection_success{family="patrols_completed",source="demo"}`:         1,
		`sems_collection_records{family="patrols_completed",source="demo"}`:         27,
		`sems_kpi_ratio{kpi="patrols_completed",site="north"}`:                      0.9,
		`sems_kpi_rag_status{kpi="patrols_completed",site="north"}`:                 collectors.RAGGreen,
		`sems_kpi_ratio{kpi="patrols_completed",site="south"}`:                      0.75,
		`sems_kpi_rag_status{kpi="patrols_completed",site="south"}`:                 collectors.RAGRed,
		`sems_kpi_ratio{kpi="patrols_completed",site="harbour"}`:                    0.6,
		`sems_kpi_rag_status{kpi="patrols_completed",site="harbour"}`:               collectors.RAGAmber,
		`sems_kpi_target_ratio{kpi="patrols_completed",rag="amber",site="harbour"}`: 0.6,
		`sems_kpi_numerator{kpi="patrols_completed",site="valley"}`:                 4,
		`sems_kpi_denominator{kpi="patrols_completed",site="valley"}`:               4,
		`sems_kpi_organisation_ratio{kpi="patrols_completed"}`:                      22.0 / 27,
		`sems_kpi_organisation_rag_status{kpi="patrols_completed"}`:                 collectors.RAGAmber,
		`sems_kpi_value{kpi="perimeter_checks",site="north"}`:                       3,
		`sems_kpi_organisation_value{kpi="perimeter_checks"}`:                       4,
		`sems_kpi_info{description="Share of the perimeter patrols due that were completed.",direction="higher_is_better",family="patrols_completed",kpi="patrols_completed",periods="false",title="Patrols completed",trend_only="false",unit="ratio"}`: 1,
		`sems_kpi_info{description="Checks of the perimeter fence made by staff.",direction="higher_is_better",family="perimeter_checks",kpi="perimeter_checks",periods="false",title="Perimeter checks",trend_only="true",unit="records"}`:              1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for k := range got {
		if strings.Contains(k, `kpi="perimeter_checks"`) && (strings.Contains(k, "rag") || strings.Contains(k, "target")) {
			t.Errorf("the trend-only indicator has %s", k)
		}
	}

	// The alert, on the series as served: south red for an hour.
	series := func(name string, want func(key string) bool) []string {
		var out []string
		for k, v := range got {
			if strings.HasPrefix(k, name+"{") && strings.Contains(k, `kpi="patrols_completed"`) && want(k) {
				labels := strings.TrimSuffix(strings.TrimPrefix(k, name+"{"), "}")
				out = append(out, fmt.Sprintf("      - series: '%s{job=\"sems\",instance=\"exporter:10127\",%s}'\n        values: '%vx70'\n", name, labels, v))
			}
		}
		slices.Sort(out)
		return out
	}
	south := func(k string) bool { return strings.Contains(k, `site="south"`) }
	var input []string
	for _, name := range []string{"sems_kpi_rag_status", "sems_kpi_ratio", "sems_kpi_target_ratio"} {
		input = append(input, series(name, south)...)
	}
	input = append(input, series("sems_kpi_info", func(string) bool { return true })...)
	rules, err := filepath.Abs("../../rules")
	if err != nil {
		t.Fatal(err)
	}
	test := fmt.Sprintf(`rule_files: [%s/sems.rules.yml, %s/sems.alerts.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
%s    alert_rule_test:
      - eval_time: 59m
        alertname: SemsKpiRed
        exp_alerts: []
      - eval_time: 60m
        alertname: SemsKpiRed
        exp_alerts:
          - exp_labels: {severity: warning, audience: security_manager, family: patrols_completed, kpi: patrols_completed, site: south, job: sems, instance: "exporter:10127"}
            exp_annotations:
              summary: "patrols_completed at south is red"
              description: "The patrols_completed KPI at south is 75%%, worse than the amber threshold of 80%% (green target 90%%), for more than an hour."
              runbook_url: https://github.com/sems-exporter/sems_exporter/blob/main/docs/runbooks/SemsKpiRed.md
              dashboard: /d/sems-security-manager?var-site=south
`, rules, rules, strings.Join(input, ""))
	file := filepath.Join(t.TempDir(), "patrols_test.yml")
	if err := os.WriteFile(file, []byte(test), 0o600); err != nil {
		t.Fatal(err)
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is not installed (scripts/test.sh installs it): %v", err)
	}
	if out, err := exec.Command(promtool, "test", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("SemsKpiRed on the indicator's series: %v\n%s\n%s", err, out, test)
	}
}
