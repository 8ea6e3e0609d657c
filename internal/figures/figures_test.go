package figures

import (
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/collectors"
)

func read(t *testing.T, exposition string) *Figures {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	return Read(list)
}

const exposition = `# TYPE sems_kpi_info gauge
sems_kpi_info{description="d",direction="higher_is_better",family="capa",kpi="capa_on_time",title="Corrective actions closed on time",trend_only="false",unit="ratio"} 1
sems_kpi_info{description="d",direction="lower_is_better",family="disruption_minutes",kpi="disruption_minutes",title="Disruption",trend_only="false",unit="minutes"} 1
sems_kpi_info{description="d",direction="higher_is_better",family="reports",kpi="reports",title="Reports",trend_only="true",unit="reports"} 1
# TYPE sems_kpi_ratio gauge
sems_kpi_ratio{kpi="capa_on_time",site="north"} 0.75
# TYPE sems_kpi_numerator gauge
sems_kpi_numerator{kpi="capa_on_time",site="north"} 3
sems_kpi_numerator{kpi="capa_on_time",site="south"} 0
# TYPE sems_kpi_denominator gauge
sems_kpi_denominator{kpi="capa_on_time",site="north"} 4
sems_kpi_denominator{kpi="capa_on_time",site="south"} 0
# TYPE sems_kpi_rag_status gauge
sems_kpi_rag_status{kpi="capa_on_time",site="north"} 2
sems_kpi_rag_status{kpi="disruption_minutes",site="north"} 1
# TYPE sems_kpi_target_ratio gauge
sems_kpi_target_ratio{kpi="capa_on_time",rag="amber",site="north"} 0.8
sems_kpi_target_ratio{kpi="capa_on_time",rag="green",site="north"} 0.9
sems_kpi_target_ratio{kpi="capa_on_time",rag="amber",site="south"} 0.8
sems_kpi_target_ratio{kpi="capa_on_time",rag="green",site="south"} 0.9
# TYPE sems_kpi_value gauge
sems_kpi_value{kpi="disruption_minutes",site="north"} 130
sems_kpi_value{kpi="reports",site="north"} 12
# TYPE sems_kpi_target_value gauge
sems_kpi_target_value{kpi="disruption_minutes",rag="amber",site="north"} 240
sems_kpi_target_value{kpi="disruption_minutes",rag="green",site="north"} 120
# TYPE sems_kpi_organisation_ratio gauge
sems_kpi_organisation_ratio{kpi="capa_on_time"} 0.75
# TYPE sems_kpi_organisation_rag_status gauge
sems_kpi_organisation_rag_status{kpi="capa_on_time"} 2
# TYPE sems_collection_success gauge
sems_collection_success{family="capa",source="db"} 1
sems_collection_success{family="reports",source="db"} 0
# TYPE sems_collection_last_success_timestamp_seconds gauge
sems_collection_last_success_timestamp_seconds{family="capa",source="db"} 1.7e+09
sems_collection_last_success_timestamp_seconds{family="reports",source="db"} 0
# TYPE sems_collection_interval_seconds gauge
sems_collection_interval_seconds{family="capa",source="db"} 3600
sems_collection_interval_seconds{family="reports",source="db"} 3600
# TYPE sems_collection_records gauge
sems_collection_records{family="capa",source="db"} 10
# TYPE sems_collection_records_rejected gauge
sems_collection_records_rejected{family="capa",reason="unknown_site",source="db"} 2
sems_collection_records_rejected{family="capa",reason="duplicate_action_ref",source="db"} 1
`

func TestRead(t *testing.T) {
	f := read(t, exposition)
	if got := strings.Join(f.Sites, ","); got != "north,south" {
		t.Errorf("sites %s", got)
	}
	if len(f.KPIs) != 3 || f.KPIs[0].Name != "capa_on_time" {
		t.Fatalf("KPIs %+v, want capa_on_time (a registered family's) first", f.KPIs)
	}
	capa := f.KPIs[0]
	north, south := capa.Sites["north"], capa.Sites["south"]
	if !north.HasValue || north.Value != 0.75 || north.RAG != collectors.RAGRed || north.Green != 0.9 || north.Amber != 0.8 || north.Numerator != 3 || north.Denominator != 4 {
		t.Errorf("capa north %+v", north)
	}
	// South measured nothing: no value and no status, but its targets.
	if south.HasValue || south.RAG != NoRAG || !south.HasTarget {
		t.Errorf("capa south %+v", south)
	}
	if capa.Org.Value != 0.75 || capa.Org.RAG != collectors.RAGRed || capa.Org.HasTarget || capa.Org.Numerator != 3 {
		t.Errorf("capa organisation %+v", capa.Org)
	}
	if capa.Configured() {
		t.Error("capa is taken for a configured indicator")
	}
	var disruption, reports KPI
	for _, k := range f.KPIs {
		switch k.Name {
		case "disruption_minutes":
			disruption = k
		case "reports":
			reports = k
		}
	}
	if disruption.Direction != collectors.LowerIsBetter || !disruption.Configured() || disruption.Format(130) != "130 minutes" ||
		disruption.TargetText(disruption.Sites["north"]) != "green ≤ 120 minutes, amber ≤ 240 minutes" {
		t.Errorf("disruption %+v: %s, %s", disruption, disruption.Format(130), disruption.TargetText(disruption.Sites["north"]))
	}
	if !reports.TrendOnly || reports.Sites["north"].RAG != NoRAG || reports.TargetText(reports.Sites["north"]) != "trend only" {
		t.Errorf("reports %+v", reports)
	}
	if got := capa.FormatChange(-0.0315); got != "−3.1 pts" {
		t.Errorf("a change of -0.0315 reads %q", got)
	}

	if len(f.Families) != 2 {
		t.Fatalf("families %+v", f.Families)
	}
	h := f.Families[0]
	at := time.Unix(1.7e9, 0)
	if h.Family != "capa" || !h.Succeeded || !h.LastSuccess.Equal(at) || h.Records != 10 || h.RejectedTotal() != 3 || h.Rejected[0].Reason != "duplicate_action_ref" {
		t.Errorf("capa health %+v", h)
	}
	// Stale beyond two intervals (2 h) of the last success.
	if h.Stale(at.Add(2*time.Hour)) || !h.Stale(at.Add(2*time.Hour+time.Second)) {
		t.Error("capa's staleness is not two intervals")
	}
	if r := f.Families[1]; r.Succeeded || !r.LastSuccess.IsZero() || !r.Stale(at) {
		t.Errorf("reports health %+v: never collected, so stale", r)
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                          "0 s",
		59 * time.Second:           "59 s",
		61 * time.Minute:           "1 h 1 min",
		(49*60 + 30) * time.Minute: "2 d 1 h",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}
