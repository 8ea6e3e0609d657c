package collectors

import (
	"fmt"
	"strings"
	"testing"
)

func TestEquipment(t *testing.T) {
	var b strings.Builder
	b.WriteString("asset_ref,site,equipment_type,critical,status,status_since\n")
	b.WriteString(`N1,north,cctv,true,serviceable,2026-01-01T00:00:00Z
N2,north,cctv,yes,unserviceable,2026-03-10T09:00:00+01:00
N3,north,cctv,false,unserviceable,2026-03-01T00:00:00Z
N4,north,cctv,,degraded,2026-03-09T00:00:00Z
N5,north,xray,,serviceable,2025-06-01
N6, North , XRAY ,,Serviceable,2025-06-01 10:00:00
S1,south,cctv,1,unserviceable,2026-03-10T07:59:59Z
S2,south,xray,0,degraded,2026-03-10T12:05:00Z
R1,west,cctv,,serviceable,2026-01-01T00:00:00Z
R2,north,cctv,,broken,2026-01-01T00:00:00Z
R3,north,cctv,,serviceable,2026-03-11T00:00:00Z
,north,cctv,,serviceable,2026-01-01T00:00:00Z
R5,north,cctv,maybe,serviceable,2026-01-01T00:00:00Z
R6,north,cctv,,serviceable,yesterday
R7,north,cctv
`)
	for i := range 49 {
		fmt.Fprintf(&b, "S%d,south,cctv,true,serviceable,2025-01-01T00:00:00Z\n", 100+i)
	}
	f := equipment{}
	got, rejected := collect(t, f, testSettings(f, "north", "south"), b.String())

	expect(t, got, map[string]float64{
		// north/cctv: N1 serviceable, N4 degraded, N2 and N3 unserviceable.
		`sems_equipment_assets{equipment_type="cctv",site="north",status="serviceable"}`:   1,
		`sems_equipment_assets{equipment_type="cctv",site="north",status="degraded"}`:      1,
		`sems_equipment_assets{equipment_type="cctv",site="north",status="unserviceable"}`: 2,
		`sems_equipment_serviceable_ratio{equipment_type="cctv",site="north"}`:             0.25, // 1/4
		// Only N2 is critical and out: 09:00+01:00 is 08:00Z, 4 h = 14400 s
		// before 12:00Z, exactly the threshold, which still allows green.
		`sems_equipment_critical_unserviceable_assets{equipment_type="cctv",site="north"}`:   1,
		`sems_equipment_critical_outage_longest_seconds{equipment_type="cctv",site="north"}`: 14400,
		`sems_equipment_rag_status{equipment_type="cctv",site="north"}`:                      RAGRed, // 0.25 < 0.95
		// north/xray: N5 and N6 (spaces and capitals normalised) serviceable.
		`sems_equipment_assets{equipment_type="xray",site="north",status="serviceable"}`:     2,
		`sems_equipment_assets{equipment_type="xray",site="north",status="unserviceable"}`:   0,
		`sems_equipment_serviceable_ratio{equipment_type="xray",site="north"}`:               1,
		`sems_equipment_critical_outage_longest_seconds{equipment_type="xray",site="north"}`: 0,
		`sems_equipment_rag_status{equipment_type="xray",site="north"}`:                      RAGGreen,
		// south/cctv: 49 serviceable, S1 critical and out 4 h 1 s: 49/50 = 0.98
		// is green by ratio, but the outage over 14400 s holds it at amber.
		`sems_equipment_serviceable_ratio{equipment_type="cctv",site="south"}`:               0.98,
		`sems_equipment_critical_outage_longest_seconds{equipment_type="cctv",site="south"}`: 14401,
		`sems_equipment_rag_status{equipment_type="cctv",site="south"}`:                      RAGAmber,
		// south/xray: S2 is 5 min in the future, within the tolerance.
		`sems_equipment_assets{equipment_type="xray",site="south",status="degraded"}`: 1,
		`sems_equipment_rag_status{equipment_type="xray",site="south"}`:               RAGRed,
		// Headline: north (1+2)/(4+2) = 0.5, red; south 49/51 = 0.9608, amber.
		`sems_kpi_ratio{kpi="equipment_serviceability",site="north"}`:      0.5,
		`sems_kpi_rag_status{kpi="equipment_serviceability",site="north"}`: RAGRed,
		`sems_kpi_ratio{kpi="equipment_serviceability",site="south"}`:      49.0 / 51,
		`sems_kpi_rag_status{kpi="equipment_serviceability",site="south"}`: RAGAmber,
		// Organisation: (3+49)/(6+51) = 52/57 = 0.9123, red; never the mean
		// of the site ratios (0.7304).
		`sems_kpi_organisation_ratio{kpi="equipment_serviceability"}`:                    52.0 / 57,
		`sems_kpi_organisation_rag_status{kpi="equipment_serviceability"}`:               RAGRed,
		`sems_kpi_target_ratio{kpi="equipment_serviceability",rag="green",site="south"}`: 0.98,
		`sems_kpi_target_ratio{kpi="equipment_serviceability",rag="amber",site="south"}`: 0.95,
		`sems_kpi_organisation_target_ratio{kpi="equipment_serviceability",rag="green"}`: 0.98,
		`sems_equipment_critical_outage_threshold_seconds{site="north"}`:                 14400,
	})
	expectAbsent(t, got, `sems_equipment_assets{equipment_type="cctv",site="west",status="serviceable"}`)
	expect(t, rejected, map[string]float64{
		"unknown_site": 1, "unknown_status": 1, "future_status_since": 1, "missing_asset_ref": 1,
		"invalid_critical": 1, "invalid_status_since": 1, "malformed_row": 1,
	})
	if len(rejected) != 7 {
		t.Errorf("rejected = %v, want exactly the 7 reasons above", rejected)
	}
}

func TestEquipmentEmpty(t *testing.T) {
	f := equipment{}
	got, rejected := collect(t, f, testSettings(f, "north"), "asset_ref,site,equipment_type,status,status_since\n")
	// No assets: targets are still exposed, but no ratio or status is made up.
	expect(t, got, map[string]float64{
		`sems_kpi_target_ratio{kpi="equipment_serviceability",rag="green",site="north"}`: 0.98,
	})
	expectAbsent(t, got,
		`sems_kpi_ratio{kpi="equipment_serviceability",site="north"}`,
		`sems_kpi_organisation_ratio{kpi="equipment_serviceability"}`,
		`sems_kpi_organisation_rag_status{kpi="equipment_serviceability"}`)
	if len(rejected) != 0 {
		t.Errorf("rejected = %v, want none", rejected)
	}
}
