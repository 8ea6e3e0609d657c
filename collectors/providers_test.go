package collectors

import (
	"strings"
	"testing"
)

const providersCSV = `measurement_ref,provider,site,service,measure,period,contracted_level,achieved_level,direction
M01,secureco,north,screening,tip_detection,2026-02-01,0.95,0.97,
M02,secureco,north,screening,tip_detection,2026-01-01,0.95,0.95,
M03,secureco,north,screening,tip_detection,2025-12-01,0.95,0.90,
M04,secureco,north,screening,queue_minutes,2026-02-01,10,12,lower_is_better
M05,secureco,north,screening,queue_minutes,2026-01-01,10,10,Lower_Is_Better
M06,secureco,north,screening,tip_detection,2025-03-01,0.95,0.99,
M07,gatekeep,north,guarding,patrols_completed,2026-02-01,100,100,
M08,gatekeep,south,guarding,patrols_completed,2026-02-01,100,80,
M09,gatekeep,south,guarding,patrols_completed,2026-01-01,100,101,
M10,John Smith,north,guarding,patrols_completed,2026-02-01,100,100,
M90,gatekeep,south,guarding,response_minutes,2026-02-01,15,10,lower_is_better
M90,gatekeep,south,guarding,response_minutes,2026-02-01,15,20,lower_is_better
M13,secureco,north,screening,x,2026-04-01,1,1,
M14,secureco,north,screening,x,2026-02-01,abc,1,
M15,secureco,north,screening,y,2026-02-01,1,1,sideways
`

func providersSettings(f providers) *Settings {
	s := testSettings(f, "north", "south")
	s.Vocabulary["provider"] = []string{"secureco", "gatekeep"}
	return s
}

func TestProviders(t *testing.T) {
	f := providers{}
	got, rejected := collect(t, f, providersSettings(f), providersCSV)
	// testNow is 2026-03-10T12:00Z; the window (365 d) starts
	// 2025-03-10T12:00Z, so the measure of 2025-03-01 is out of it.
	expect(t, got, map[string]float64{
		// tip detection: 0.97 and 0.95 (equal) meet 0.95, 0.90 does not;
		// queue minutes, lower is better: 12 > 10 misses, 10 meets: 3 of 5.
		`sems_providers_measures{provider="secureco",service="screening",site="north"}`:     5,
		`sems_providers_measures_met{provider="secureco",service="screening",site="north"}`: 3,
		`sems_providers_met_ratio{provider="secureco",service="screening",site="north"}`:    0.6,
		`sems_providers_met_ratio{provider="gatekeep",service="guarding",site="north"}`:     1,
		// 80 of 100 misses, 101 meets.
		`sems_providers_met_ratio{provider="gatekeep",service="guarding",site="south"}`: 0.5,
		`sems_providers_window_seconds{}`:                                               365 * 86400,
		// Headline: north (3 + 1) / (5 + 1) = 0.667, red; south 1/2;
		// organisation 5/8 = 0.625.
		`sems_kpi_ratio{kpi="providers_met",site="north"}`:      4.0 / 6,
		`sems_kpi_rag_status{kpi="providers_met",site="north"}`: RAGRed,
		`sems_kpi_ratio{kpi="providers_met",site="south"}`:      0.5,
		`sems_kpi_organisation_ratio{kpi="providers_met"}`:      0.625,
		// By the month of the period: north in February 2026, tip
		// detection and patrols met, queue minutes missed: 2 of 3; in
		// March 2025, out of the window but in its month, 1 of 1; the
		// first quarter, January's 2 of 2 and February's: 4 of 5.
		`sems_kpi_period_numerator{complete="true",granularity="month",kpi="providers_met",period="2026-02",site="north"}`:      2,
		`sems_kpi_period_denominator{complete="true",granularity="month",kpi="providers_met",period="2026-02",site="north"}`:    3,
		`sems_kpi_period_ratio{complete="true",granularity="month",kpi="providers_met",period="2025-03",site="north"}`:          1,
		`sems_kpi_period_numerator{complete="false",granularity="quarter",kpi="providers_met",period="2026-Q1",site="north"}`:   4,
		`sems_kpi_period_denominator{complete="false",granularity="quarter",kpi="providers_met",period="2026-Q1",site="north"}`: 5,
	})
	expect(t, rejected, map[string]float64{
		"unknown_provider": 1, "duplicate_measurement_ref": 2, "future_period": 1,
		"invalid_contracted_level": 1, "unknown_direction": 1,
	})
	if len(rejected) != 5 {
		t.Errorf("rejected = %v, want exactly the 5 reasons above", rejected)
	}
	for k := range got {
		if strings.Contains(k, "John") || strings.Contains(k, "tip_detection") {
			t.Errorf("sample %s exposes a name or a measure", k)
		}
	}
}

func TestProvidersNeedTheirList(t *testing.T) {
	f := providers{}
	if err := f.ValidateSettings(testSettings(f, "north")); err == nil || !strings.Contains(err.Error(), "vocabulary.provider") {
		t.Errorf("no provider list: ValidateSettings() = %v, want an error naming vocabulary.provider", err)
	}
	if err := f.ValidateSettings(providersSettings(f)); err != nil {
		t.Errorf("with a provider list: %v", err)
	}
}
