package snapshot

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

var (
	kpiDesc = prometheus.NewDesc("sems_test_kpi_ratio", "Shared by the families.", []string{"family", "site"}, nil)
	aDesc   = prometheus.NewDesc("sems_test_a", "Family a's own.", []string{"site"}, nil)
	bDesc   = prometheus.NewDesc("sems_test_b", "Family b's own.", nil, nil)
)

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func mustGather(t *testing.T, ms ...prometheus.Metric) []*dto.MetricFamily {
	t.Helper()
	mfs, err := gather(ms)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

func text(t *testing.T, mfs []*dto.MetricFamily) string {
	t.Helper()
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// Merging parts gathered apart gives what one registry gathering all their
// metrics gives, and leaves the parts as they were.
func TestMergeMatchesARegistry(t *testing.T) {
	a := []prometheus.Metric{gauge(kpiDesc, 0.9, "a", "south"), gauge(kpiDesc, 0.8, "a", "north"), gauge(aDesc, 3, "north")}
	b := []prometheus.Metric{gauge(kpiDesc, 0.7, "b", "north"), gauge(kpiDesc, 0.6, "b", "harbour"), gauge(bDesc, 5)}
	partA, partB := mustGather(t, a...), mustGather(t, b...)
	got, err := merge([][]*dto.MetricFamily{partB, partA})
	if err != nil {
		t.Fatal(err)
	}
	if want := text(t, mustGather(t, append(a, b...)...)); text(t, got) != want {
		t.Fatalf("merged:\n%s\nregistry:\n%s", text(t, got), want)
	}
	// By hand: families by name, series by family then site.
	want := `# HELP sems_test_a Family a's own.
# TYPE sems_test_a gauge
sems_test_a{site="north"} 3
# HELP sems_test_b Family b's own.
# TYPE sems_test_b gauge
sems_test_b 5
# HELP sems_test_kpi_ratio Shared by the families.
# TYPE sems_test_kpi_ratio gauge
sems_test_kpi_ratio{family="a",site="north"} 0.8
sems_test_kpi_ratio{family="a",site="south"} 0.9
sems_test_kpi_ratio{family="b",site="harbour"} 0.6
sems_test_kpi_ratio{family="b",site="north"} 0.7
`
	if text(t, got) != want {
		t.Fatalf("merged:\n%s\nwant:\n%s", text(t, got), want)
	}
	if n := len(partA[1].Metric); n != 2 {
		t.Fatalf("part a's KPI family now has %d series, want its own 2", n)
	}
}

func TestMergeRefusesConflicts(t *testing.T) {
	counter := prometheus.NewDesc("sems_test_a", "Family a's own.", []string{"site"}, nil)
	for name, c := range map[string]struct {
		a, b prometheus.Metric
		want string
	}{
		"same series": {gauge(kpiDesc, 1, "a", "north"), gauge(kpiDesc, 2, "a", "north"), "same series"},
		"type":        {gauge(aDesc, 1, "north"), prometheus.MustNewConstMetric(counter, prometheus.CounterValue, 1, "south"), "different types"},
	} {
		_, err := merge([][]*dto.MetricFamily{mustGather(t, c.a), mustGather(t, c.b)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, c.want)
		}
	}
}

// A collection whose metrics a registry would refuse is refused whole, and
// the snapshot keeps the last good values.
func TestSucceededRefusesInconsistentMetrics(t *testing.T) {
	s := filled(t, 0.5)
	before, err := s.Gather()
	if err != nil {
		t.Fatal(err)
	}
	twice := []prometheus.Metric{gauge(testDesc, 1, "north"), gauge(testDesc, 2, "north")}
	if err := s.Succeeded("equipment", Collection{Metrics: twice, Read: 2, At: time.Now(), Took: time.Second}); err == nil {
		t.Fatal("a collection with the same series twice was accepted")
	}
	after, err := s.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if text(t, after) != text(t, before) {
		t.Fatalf("the snapshot changed:\n%s\nwas:\n%s", text(t, after), text(t, before))
	}
}
