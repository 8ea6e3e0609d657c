package bench

import (
	"context"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// newClient returns a client for c concurrent scrapers. Compression is off:
// the scrapes and the in-process baseline both produce plain text.
func newClient(c int) *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: c,
			DisableCompression:  true,
		},
	}
}

// load runs c workers for d, each calling op in a loop, and returns the
// latency of every call that succeeded and the number that failed. Calls
// under way when d has passed are waited for: with many workers a single
// call can take longer than d.
func load(ctx context.Context, c int, d time.Duration, op func(context.Context) error) ([]time.Duration, int) {
	deadline := time.Now().Add(d)
	var (
		mu     sync.Mutex
		lat    []time.Duration
		errors int
		wg     sync.WaitGroup
	)
	for range c {
		wg.Go(func() {
			var mine []time.Duration
			failed := 0
			for ctx.Err() == nil && time.Now().Before(deadline) {
				start := time.Now()
				if err := op(ctx); err != nil {
					failed++
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errors += failed
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat, errors
}

// scrapeLoad is c Prometheus-like scrapers fetching /metrics back to back.
func scrapeLoad(ctx context.Context, url string, c int, d time.Duration) ([]time.Duration, int) {
	client := newClient(c)
	defer client.CloseIdleConnections()
	return load(ctx, c, d, func(ctx context.Context) error {
		_, err := scrapeText(ctx, client, url)
		return err
	})
}

// encodeLoad is the in-process baseline: c goroutines encoding the same
// metric families with expfmt, back to back, with no registry and no HTTP.
func encodeLoad(ctx context.Context, mfs map[string]*dto.MetricFamily, c int, d time.Duration) ([]time.Duration, int) {
	names := slices.Sorted(maps.Keys(mfs))
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	return load(ctx, c, d, func(context.Context) error {
		enc := expfmt.NewEncoder(io.Discard, format)
		for _, n := range names {
			if err := enc.Encode(mfs[n]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Latency is the distribution of a set of timings, in seconds.
type Latency struct {
	N      int     `json:"n"`
	Median float64 `json:"median_seconds"`
	P99    float64 `json:"p99_seconds"`
}

func latency(ds []time.Duration) Latency {
	s := make([]float64, len(ds))
	for i, d := range ds {
		s[i] = d.Seconds()
	}
	return Latency{N: len(s), Median: quantile(s, 0.5), P99: quantile(s, 0.99)}
}

// quantile is the nearest-rank q-quantile; NaN of nothing.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	s = slices.Clone(s)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}
