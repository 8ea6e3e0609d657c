package exampledata

import (
	"fmt"
	"math"
	"time"
)

// The equipment family's example data: the asset register.

func init() {
	Register(Entry{
		Name:  "equipment",
		Order: 1,
		Table: Table{Name: "asset_register", File: "equipment.csv",
			Doc: "One row per security asset, with its current state.",
			Columns: []Column{
				{Contract: "asset_ref", Source: "asset_id", Type: "text PRIMARY KEY"},
				siteColumn,
				{Contract: "equipment_type", Source: "asset_class", Type: "text", Map: assetClasses},
				{Contract: "critical", Source: "is_critical", Type: "boolean NOT NULL DEFAULT false"},
				{Contract: "status", Source: "current_state", Type: "text", Map: Coded(
					"serviceable", "IN_SERVICE", "degraded", "DEGRADED", "unserviceable", "OUT_OF_SERVICE")},
				{Contract: "status_since", Source: "state_changed_at", Type: "timestamptz"},
			}},
		Settings: `# Harbour's screening hall is being refurbished: management has agreed a
# lower serviceability target there until it reopens.
site_targets:
  harbour:
    serviceable_ratio: {green: 0.95, amber: 0.90}
`,
		Demo: DemoOf(demoEquipment, func(a Asset) []any {
			return []any{a.Ref, a.Site, a.Type, a.Critical, a.Status, a.StatusSince}
		}),
		Bench: benchEquipment,
	})
}

// assetClasses are the asset register's class codes of the equipment types;
// asset references carry them too.
var assetClasses = Coded(
	"cctv", "CCTV",
	"xray", "XRAY",
	"walk_through_metal_detector", "WTMD",
	"explosive_trace_detection", "ETD",
	"access_control_reader", "ACR",
	"perimeter_intrusion_detection", "PIDS",
)

// Asset is an equipment record; an empty string is NULL.
type Asset struct {
	Ref, Site, Type string
	Critical        bool
	Status          string
	StatusSince     Moment
}

var equipmentTypes = []struct {
	name     string
	share    float64 // of a site's assets
	critical float64 // share of critical assets
}{
	{"cctv", 0.45, 0.3},
	{"access_control_reader", 0.25, 0.2},
	{"xray", 0.08, 1},
	{"walk_through_metal_detector", 0.07, 1},
	{"explosive_trace_detection", 0.06, 1},
	{"perimeter_intrusion_detection", 0.09, 1},
}

// demoAssets is the size of the demonstration group's asset register.
const demoAssets = 420

func demoEquipment(d *Demo) []Asset {
	var out []Asset
	seq := map[string]int{}
	add := func(p profile, typ string, critical bool, status string, since time.Duration) {
		// References carry the asset register's class code.
		code := assetClasses.Store(typ)
		seq[p.code+code]++
		out = append(out, Asset{Ref: fmt.Sprintf("%s-%s-%03d", p.abbrev, code, seq[p.code+code]),
			Site: p.code, Type: typ, Critical: critical, Status: status, StatusSince: at(-since)})
	}
	for _, p := range demoSites {
		for _, t := range equipmentTypes {
			for range int(math.Round(demoAssets * p.size * t.share)) {
				critical := d.chance(t.critical)
				status, since := "serviceable", d.between(2*day, 540*day)
				if d.chance(p.outOfService) {
					status, since = "degraded", d.between(2*time.Hour, 25*day)
					if d.chance(0.5) {
						status, since = "unserviceable", d.between(time.Hour, 12*day)
						if critical {
							// A critical asset is usually back within the hour.
							since = d.between(10*time.Minute, 3*time.Hour)
						}
					}
				}
				add(p, t.name, critical, status, since)
			}
		}
	}
	// Critical outages, all but one beyond the default 4 h threshold.
	add(demoSite("harbour"), "xray", true, "unserviceable", 31*time.Hour+20*time.Minute)
	add(demoSite("harbour"), "perimeter_intrusion_detection", true, "unserviceable", 9*time.Hour+30*time.Minute)
	add(demoSite("north"), "cctv", true, "unserviceable", 5*time.Hour+15*time.Minute)
	add(demoSite("south"), "walk_through_metal_detector", true, "unserviceable", 50*time.Minute)
	return append(out,
		Asset{Ref: "HBR-CCTV-901", Site: "harbour", Type: "cctv", Status: "in_repair", StatusSince: at(-3 * day)},
		Asset{Ref: "STH-ASSET-017", Site: "south", Critical: true, Status: "serviceable", StatusSince: at(-40 * day)},
		Asset{Ref: "WST-CCTV-001", Site: "west", Type: "cctv", Status: "serviceable", StatusSince: at(-90 * day)},
		Asset{Ref: "NTH-XRAY-950", Site: "north", Type: "xray", Critical: true, Status: "serviceable", StatusSince: at(2 * day)},
		// An asset exported twice, the second time with its reference
		// padded: both copies are rejected as duplicate_asset_ref.
		Asset{Ref: "VAL-ETD-901", Site: "valley", Type: "explosive_trace_detection", Critical: true, Status: "serviceable", StatusSince: at(-20 * day)},
		Asset{Ref: "VAL-ETD-901 ", Site: "valley", Type: "explosive_trace_detection", Critical: true, Status: "serviceable", StatusSince: at(-20 * day)},
	)
}

// benchAssets is the size of the benchmark group's asset register at
// scale 1.
const benchAssets = 10_000

func benchEquipment(s Spec) (int, func(yield func([]any) bool)) {
	n := s.count(benchAssets)
	return n, func(yield func([]any) bool) {
		g := s.stream(1)
		row := make([]any, 6)
		for i := range n {
			st := g.site()
			x, k := g.r.Float64(), 0
			for k < len(equipmentTypes)-1 && x >= equipmentTypes[k].share {
				x -= equipmentTypes[k].share
				k++
			}
			typ := equipmentTypes[k]
			status, since := "serviceable", g.ago(3*year)
			if u := g.r.Float64(); u < st.outOfService {
				status = "unserviceable"
				if u < st.outOfService/3 {
					status = "degraded"
				}
				since = g.now.Add(-g.spread(6*time.Hour, 1.2))
			}
			if isBad(i) {
				status = "broken"
			}
			row[0], row[1], row[2], row[3], row[4], row[5] = fmt.Sprintf("AST-%07d", i+1), st.code, typ.name, g.chance(typ.critical), status, since
			if !yield(row) {
				return
			}
		}
	}
}
