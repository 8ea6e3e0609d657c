package pack

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// History answers from Prometheus what the records cannot: the past of a
// figure the records hold only the present of (equipment status), and
// changes of the targets.
type History interface {
	// Mean is a series' mean over [start, end); ok is false when
	// Prometheus has no sample of it then. source says what was asked.
	Mean(selector string, start, end time.Time) (v float64, source string, ok bool)
	// Changed lists the target series that changed value in [start, end),
	// each with its number of changes.
	Changed(metrics []string, start, end time.Time) ([]figures.Sample, error)
}

// Prometheus is a History read from a Prometheus server's query API.
type Prometheus struct {
	api     promv1.API
	timeout time.Duration
}

// NewPrometheus reads from the Prometheus server at base, each query
// bounded by timeout.
func NewPrometheus(base string, timeout time.Duration) (*Prometheus, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("prometheus url %q: want a URL such as http://localhost:9090", base)
	}
	client, err := promapi.NewClient(promapi.Config{Address: u.String()})
	if err != nil {
		return nil, fmt.Errorf("prometheus url %q: %w", base, err)
	}
	return &Prometheus{api: promv1.NewAPI(client), timeout: timeout}, nil
}

// rangeOf writes a duration as a PromQL range of whole seconds.
func rangeOf(start, end time.Time) string {
	return fmt.Sprintf("%ds", int64(end.Sub(start).Seconds()))
}

// query runs an instant query whose answer is a vector, sorted by labels
// so that the pack lists it in the same order on every run.
func (p *Prometheus) query(q string, at time.Time) ([]figures.Sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	answer, _, _, err := p.api.Query(ctx, q, at)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	vec, ok := answer.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s: got a %s, want a vector", q, answer.Type())
	}
	out := make([]figures.Sample, 0, len(vec))
	for _, s := range vec {
		labels := make(map[string]string, len(s.Metric))
		for name, value := range s.Metric {
			labels[string(name)] = string(value)
		}
		out = append(out, figures.Sample{Labels: labels, Value: float64(s.Value)})
	}
	slices.SortFunc(out, func(a, b figures.Sample) int {
		return cmp.Compare(fmt.Sprint(a.Labels), fmt.Sprint(b.Labels))
	})
	return out, nil
}

func (p *Prometheus) Mean(selector string, start, end time.Time) (float64, string, bool) {
	q := fmt.Sprintf("avg_over_time(%s[%s])", selector, rangeOf(start, end))
	vec, err := p.query(q, end)
	if err != nil || len(vec) != 1 || math.IsNaN(vec[0].Value) {
		return 0, "", false
	}
	return vec[0].Value, "prometheus: " + q + " at " + end.UTC().Format(time.RFC3339), true
}

func (p *Prometheus) Changed(metrics []string, start, end time.Time) ([]figures.Sample, error) {
	q := fmt.Sprintf(`changes({__name__=~"%s"}[%s]) > 0`, strings.Join(metrics, "|"), rangeOf(start, end))
	return p.query(q, end)
}
