package pack

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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
	url    *url.URL
	client *http.Client
}

// NewPrometheus reads from the Prometheus server at base, each query
// bounded by timeout.
func NewPrometheus(base string, timeout time.Duration) (*Prometheus, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("prometheus url %q: want a URL such as http://localhost:9090", base)
	}
	return &Prometheus{url: u.JoinPath("api/v1/query"), client: &http.Client{Timeout: timeout}}, nil
}

// rangeOf writes a duration as a PromQL range of whole seconds.
func rangeOf(start, end time.Time) string {
	return fmt.Sprintf("%ds", int64(end.Sub(start).Seconds()))
}

// query runs an instant query whose answer is a vector.
func (p *Prometheus) query(q string, at time.Time) ([]figures.Sample, error) {
	form := url.Values{"query": {q}, "time": {strconv.FormatInt(at.Unix(), 10)}}
	resp, err := p.client.PostForm(p.url.String(), form)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&answer); err != nil {
		return nil, fmt.Errorf("query %s: %s: %w", q, resp.Status, err)
	}
	if answer.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, answer.Error)
	}
	if answer.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: got a %s, want a vector", q, answer.Data.ResultType)
	}
	var out []figures.Sample
	for _, r := range answer.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %q", q, s)
		}
		out = append(out, figures.Sample{Labels: r.Metric, Value: v})
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
