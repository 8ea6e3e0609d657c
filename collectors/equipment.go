package collectors

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Equipment serviceability: are security facilities and equipment
// "sufficient, suitable and maintained" (SeMS Framework ch. 4)? One record per
// security asset, graded red/amber/green per site and equipment type.
type equipment struct{}

func init() { Register(equipment{}) }

// equipmentKPI is the family's headline KPI.
var equipmentKPI = KPI{
	Name:        "equipment_serviceability",
	Family:      "equipment",
	Title:       "Security equipment serviceable",
	Description: "Share of security equipment (CCTV, X-ray, metal and trace detectors, access control, perimeter detection) that is fully working. Degraded counts as not working. A critical item out of service too long holds the status at amber or worse.",
	Unit:        UnitRatio,
}

func (equipment) KPIs() []KPI { return []KPI{equipmentKPI} }

type equipmentTargets struct {
	Serviceable RatioTarget `yaml:"serviceable_ratio"`
	// CriticalOutage is how long a critical asset may be unserviceable before
	// its site and equipment type can no longer be green.
	CriticalOutage model.Duration `yaml:"critical_outage"`
}

func (t *equipmentTargets) Validate() error {
	if t.CriticalOutage <= 0 {
		return fmt.Errorf("critical_outage must be positive")
	}
	return t.Serviceable.Validate()
}

var (
	equipmentAssetsDesc = newDesc("equipment", "assets",
		"Security assets by current status, per site and equipment type.", "site", "equipment_type", "status")
	equipmentRatioDesc = newDesc("equipment", "serviceable_ratio",
		"Share of security assets that are serviceable (degraded counts as not serviceable), 0-1.", "site", "equipment_type")
	equipmentCriticalDesc = newDesc("equipment", "critical_unserviceable_assets",
		"Critical security assets currently unserviceable.", "site", "equipment_type")
	equipmentOutageDesc = newDesc("equipment", "critical_outage_longest_seconds",
		"Longest current outage of a critical asset (time since it became unserviceable), 0 when none is out.", "site", "equipment_type")
	equipmentRAGDesc = newDesc("equipment", "rag_status",
		"RAG status per site and equipment type: 0 green, 1 amber, 2 red.", "site", "equipment_type")
	equipmentOutageTargetDesc = newDesc("equipment", "critical_outage_threshold_seconds",
		"How long a critical asset may be unserviceable before its site and type can no longer be green.", "site")
)

func (equipment) Name() string { return "equipment" }

func (equipment) Columns() []records.Column {
	return []records.Column{
		{Name: "asset_ref", Type: records.TypeText, Required: true, Doc: "The asset's reference in the source system. Read, never exported."},
		{Name: "site", Type: records.TypeEnum, Required: true, Doc: "Site code."},
		{Name: "equipment_type", Type: records.TypeEnum, Required: true, Doc: "Kind of security equipment.",
			Allowed: []string{"cctv", "xray", "walk_through_metal_detector", "explosive_trace_detection", "access_control_reader", "perimeter_intrusion_detection"}},
		{Name: "critical", Type: records.TypeBool, Doc: "Whether the asset is critical; empty (NULL) means not critical."},
		{Name: "status", Type: records.TypeEnum, Required: true, Doc: "Current status.",
			Allowed: []string{"serviceable", "degraded", "unserviceable"}},
		{Name: "status_since", Type: records.TypeTime, Required: true, Doc: "When the asset entered its current status."},
	}
}

func (equipment) NewOptions() any { return nil }

func (equipment) NewTargets() any {
	return &equipmentTargets{
		Serviceable:    RatioTarget{Green: 0.98, Amber: 0.95},
		CriticalOutage: model.Duration(4 * 3600e9),
	}
}

func (f equipment) Shape(s *Settings) *records.Shape {
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique(records.DuplicateReason("asset_ref"), "asset_ref")
	rejectFuture(sh, "status_since")
	sh.GroupBy("site", sh.Col("site"))
	sh.GroupBy("equipment_type", sh.Col("equipment_type"))
	sh.GroupBy("status", sh.Col("status"))
	criticalOut := records.And(sh.Col("critical"), records.Eq(sh.Col("status"), records.Text("unserviceable")))
	sh.CountIf("critical_unserviceable", criticalOut)
	sh.MaxOf("critical_outage", records.When(criticalOut, records.SecondsSince(sh.Col("status_since"))))
	return sh
}

func (equipment) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	var out metricsOut
	statuses := vocabulary(sh, "status")
	byStatus := totalsBy(sh, res, "site", "equipment_type", "status")
	scores := map[string]kpiScore{}
	for _, t := range rollUp(sh, res, "site", "equipment_type") {
		site, typ := t.Labels[0], t.Labels[1]
		target := SiteTargetsOf[equipmentTargets](s, site)
		// Every status is exposed, zero included, so "none out of service"
		// is a value on a dashboard rather than a gap.
		for _, st := range statuses {
			out.gauge(equipmentAssetsDesc, byStatus.Count(site, typ, st), site, typ, st)
		}
		serviceable := byStatus.Count(site, typ, "serviceable")
		ratio := serviceable / t.Count
		outage := t.Value("critical_outage")
		floor := RAGGreen
		if outage > seconds(target.CriticalOutage) {
			floor = RAGAmber
		}
		out.gauge(equipmentRatioDesc, ratio, site, typ)
		out.gauge(equipmentCriticalDesc, t.Value("critical_unserviceable"), site, typ)
		out.gauge(equipmentOutageDesc, outage, site, typ)
		out.gauge(equipmentRAGDesc, float64(max(target.Serviceable.RAG(ratio), floor)), site, typ)
		sc := scores[site]
		sc.num += serviceable
		sc.den += t.Count
		sc.floor = max(sc.floor, floor)
		scores[site] = sc
	}
	for _, site := range s.Sites {
		out.gauge(equipmentOutageTargetDesc, seconds(SiteTargetsOf[equipmentTargets](s, site).CriticalOutage), site)
	}
	out.headline(equipmentKPI, s, scores, targetsGrading(s, func(t *equipmentTargets) RatioTarget { return t.Serviceable }))
	return out
}

func (equipment) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{equipmentAssetsDesc, equipmentRatioDesc, equipmentCriticalDesc,
		equipmentOutageDesc, equipmentRAGDesc, equipmentOutageTargetDesc} {
		ch <- d
	}
	describeKPI(ch)
}
