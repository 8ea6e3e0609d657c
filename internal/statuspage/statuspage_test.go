package statuspage

import (
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// TestCollectionHealth: a family whose last collection failed, with
// figures older than two intervals, reads as failing and stale; one
// never collected shows no figures.
func TestCollectionHealth(t *testing.T) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(`# TYPE sems_collection_success gauge
sems_collection_success{family="capa",source="db"} 0
sems_collection_success{family="training",source="db"} 0
sems_collection_success{family="incidents",source="db"} 1
# TYPE sems_collection_last_success_timestamp_seconds gauge
sems_collection_last_success_timestamp_seconds{family="capa",source="db"} 1000
sems_collection_last_success_timestamp_seconds{family="training",source="db"} 0
sems_collection_last_success_timestamp_seconds{family="incidents",source="db"} 8000
# TYPE sems_collection_interval_seconds gauge
sems_collection_interval_seconds{family="capa",source="db"} 3600
sems_collection_interval_seconds{family="training",source="db"} 3600
sems_collection_interval_seconds{family="incidents",source="db"} 3600
# TYPE sems_collection_records gauge
sems_collection_records{family="capa",source="db"} 7
sems_collection_records{family="incidents",source="db"} 9
# TYPE sems_collection_source_modified_timestamp_seconds gauge
sems_collection_source_modified_timestamp_seconds{family="incidents",source="db"} 7200
# TYPE sems_collection_records_rejected gauge
sems_collection_records_rejected{family="capa",reason="unknown_site",source="db"} 2
sems_collection_records_rejected{family="capa",reason="missing_due_at",source="db"} 0
`))
	if err != nil {
		t.Fatal(err)
	}
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	// At 10000 s: capa's figures are 9000 s old (over 2 x 3600), the
	// incidents' 2000 s, from an export written at 7200 s (02:00).
	v := newView(figures.Read(list), time.Unix(10000, 0).UTC())
	want := map[string]familyRow{
		"CAPA":      {Health: "Failing, stale", Class: "red", Age: "2 h 30 min", Modified: "–", Records: "7", Rejected: "2"},
		"Incidents": {Health: "OK", Class: "ok", Age: "33 min", Modified: "1970-01-01 02:00 UTC", Records: "9", Rejected: "0"},
		"Training":  {Health: "Failing, stale", Class: "red", Age: "–", Modified: "–", Records: "–", Rejected: "–"},
	}
	if len(v.Families) != len(want) {
		t.Fatalf("rows %+v", v.Families)
	}
	for _, row := range v.Families {
		w := want[row.Name]
		if row.Health != w.Health || row.Class != w.Class || row.Age != w.Age || row.Modified != w.Modified || row.Records != w.Records || row.Rejected != w.Rejected {
			t.Errorf("%s: %+v, want %+v", row.Name, row, w)
		}
	}
	if got := strings.Join(v.Families[0].Reasons, ";"); got != "Unknown site: 2" {
		t.Errorf("CAPA's reasons %q, want the non-zero one by its display name", got)
	}
}
