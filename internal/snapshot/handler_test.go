package snapshot

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var (
	testDesc = prometheus.NewDesc("sems_test_ratio", "A family's indicator.", []string{"site"}, nil)
	sites    = []string{"north", "south", "harbour"}
	protoAcc = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
)

// filled is a snapshot of two families, one collected with every site's
// indicator at v, the other failed before its first success.
func filled(t testing.TB, v float64) *Snapshot {
	t.Helper()
	s := New()
	s.Configure([]Family{
		{Name: "equipment", Source: "db", Reasons: []string{"missing_site"}, Interval: time.Minute},
		{Name: "training", Source: "csv", Interval: time.Hour},
	})
	set(s, v)
	s.Failed("training", time.Second)
	return s
}

func set(s *Snapshot, v float64) {
	var ms []prometheus.Metric
	for _, site := range sites {
		ms = append(ms, prometheus.MustNewConstMetric(testDesc, prometheus.GaugeValue, v, site))
	}
	if err := s.Succeeded("equipment", Collection{Metrics: ms, Read: 3, Rejected: map[string]float64{"missing_site": 1}, At: time.Unix(1773144000, 0), Took: time.Second}); err != nil {
		panic(err)
	}
}

// liveRegistry stands for the exporter's own metrics.
func liveRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sems_exporter_test_reloads_total", Help: "Reloads."})
	c.Add(2)
	reg.MustRegister(c)
	return reg
}

func get(t testing.TB, h http.Handler, accept, encoding string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// decoded returns each family of an exposition in text form, by name, so
// that two expositions compare whatever their format and family order.
func decoded(t testing.TB, b []byte, format expfmt.Format) map[string]string {
	t.Helper()
	out := map[string]string{}
	dec := expfmt.NewDecoder(bytes.NewReader(b), format)
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[mf.GetName()]; dup {
			t.Fatalf("family %s exposed twice", mf.GetName())
		}
		var buf bytes.Buffer
		if _, err := expfmt.MetricFamilyToText(&buf, &mf); err != nil {
			t.Fatal(err)
		}
		out[mf.GetName()] = buf.String()
	}
}

// The handler must expose exactly what client_golang's own handler exposes
// for one registry holding the snapshot and the exporter's metrics, in every
// format and encoding.
func TestHandlerMatchesPromhttp(t *testing.T) {
	s := filled(t, 0.5)
	live := liveRegistry()
	h := s.Handler(live, slog.New(slog.DiscardHandler))
	ref := promhttp.HandlerFor(prometheus.Gatherers{s, live}, promhttp.HandlerOpts{})

	for _, accept := range []string{"", "text/plain;version=0.0.4", protoAcc} {
		for _, enc := range []string{"", "gzip", "deflate, gzip;q=0.5"} {
			t.Run(fmt.Sprintf("accept=%q,encoding=%q", accept, enc), func(t *testing.T) {
				got, want := get(t, h, accept, enc), get(t, ref, accept, "")
				if got.StatusCode != http.StatusOK {
					t.Fatalf("status %d", got.StatusCode)
				}
				format := expfmt.ResponseFormat(got.Header)
				if ct, wct := got.Header.Get("Content-Type"), want.Header.Get("Content-Type"); ct != wct {
					t.Fatalf("Content-Type %q, want %q", ct, wct)
				}
				if ce, wce := got.Header.Get("Content-Encoding"), map[bool]string{true: "gzip"}[enc != ""]; ce != wce {
					t.Fatalf("Content-Encoding %q, want %q", ce, wce)
				}
				raw, _ := io.ReadAll(got.Body)
				if n := got.Header.Get("Content-Length"); n != fmt.Sprint(len(raw)) {
					t.Fatalf("Content-Length %s for a body of %d bytes", n, len(raw))
				}
				got.Body = io.NopCloser(bytes.NewReader(raw))
				gotFams, wantFams := decoded(t, body(t, got), format), decoded(t, body(t, want), format)
				names := slices.Sorted(func(yield func(string) bool) {
					for n := range wantFams {
						if !yield(n) {
							return
						}
					}
				})
				// The indicator, the nine health families (site records,
				// source modified and role are not set here) and the live
				// counter.
				if len(names) != 11 {
					t.Fatalf("reference exposes %d families, want 11: %v", len(names), names)
				}
				for _, n := range names {
					if gotFams[n] != wantFams[n] {
						t.Errorf("family %s:\n%s\nwant:\n%s", n, gotFams[n], wantFams[n])
					}
				}
				if len(gotFams) != len(wantFams) {
					t.Errorf("%d families, want %d", len(gotFams), len(wantFams))
				}
			})
		}
	}
}

// The gzip body is a single member, the snapshot's cached deflate stream and
// the live part joined into one: GNU gzip must read it as Go writes it, and
// Go's reader, told not to look for further members, must end exactly at
// the end of the body.
func TestHandlerGzipIsOneMember(t *testing.T) {
	s := filled(t, 0.25)
	h := s.Handler(liveRegistry(), slog.New(slog.DiscardHandler))
	plain := body(t, get(t, h, "", ""))
	for range 2 { // the second from the cache
		raw, _ := io.ReadAll(get(t, h, "", "gzip").Body)
		in := bytes.NewReader(raw)
		zr, err := gzip.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("gzip body decodes to\n%s\nwant\n%s", got, plain)
		}
		if in.Len() != 0 {
			t.Fatalf("%d bytes after the first gzip member", in.Len())
		}
		cmd := exec.Command("gzip", "-dc")
		cmd.Stdin = bytes.NewReader(raw)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gzip -dc: %v", err)
		}
		if !bytes.Equal(out, plain) {
			t.Fatalf("gzip -dc gives\n%s\nwant\n%s", out, plain)
		}
	}
}

// The snapshot is encoded once per change and variant, by the change:
// scrapes in between share the encoding and never encode it themselves,
// but the first of a variant.
func TestHandlerEncodesOncePerChange(t *testing.T) {
	s := filled(t, 1)
	if s.published.Load() != nil {
		t.Fatal("encoded before anyone scraped")
	}
	h := s.Handler(liveRegistry(), slog.New(slog.DiscardHandler))
	text := variant{format: expfmt.Negotiate(http.Header{})}
	zipped := variant{format: text.format, gzip: true}
	variants := func() map[variant]*encoding { return s.published.Load().variants }

	get(t, h, "", "")
	first := variants()[text]
	get(t, h, "", "")
	get(t, h, "", "gzip")
	if variants()[text] != first {
		t.Fatal("the snapshot was encoded again without a change")
	}
	firstZipped := variants()[zipped]
	get(t, h, "", "gzip")
	if variants()[zipped] != firstZipped || len(variants()) != 2 {
		t.Fatalf("the snapshot was compressed again without a change: %d variants", len(variants()))
	}

	set(s, 2)
	after := variants()
	if after[text] == first || after[zipped] == firstZipped {
		t.Fatal("a collection did not encode the snapshot again")
	}
	if !bytes.Contains(after[text].body, []byte(`sems_test_ratio{site="north"} 2`)) {
		t.Fatalf("the encoding made by the collection reads\n%s", after[text].body)
	}
	get(t, h, "", "gzip")
	get(t, h, "", "")
	if variants()[text] != after[text] || variants()[zipped] != after[zipped] {
		t.Fatal("a scrape encoded what the collection had encoded")
	}

	// A variant nobody asked for in the last hour is no longer encoded.
	after[zipped].served.Store(time.Now().Add(-forgetAfter - time.Minute).UnixNano())
	s.Failed("equipment", time.Second)
	if _, ok := variants()[zipped]; ok || variants()[text] == nil {
		t.Fatalf("after an hour unscraped the variants are %v", slices.Collect(maps.Keys(variants())))
	}

	s.Configure([]Family{{Name: "equipment", Source: "db", Interval: time.Minute}})
	if b := body(t, get(t, h, "", "")); bytes.Contains(b, []byte(`family="training"`)) {
		t.Fatalf("a family dropped by a reload is still served:\n%s", b)
	}
}

// Every scrape serves one version of the snapshot, never half of one
// collection and half of the next, while collections replace it.
func TestHandlerServesOneVersion(t *testing.T) {
	s := filled(t, 0)
	h := s.Handler(liveRegistry(), slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for v := 1; v <= 40; v++ {
			set(s, float64(v))
		}
	})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				resp := get(t, h, "", "gzip")
				p := expfmt.NewTextParser(model.LegacyValidation)
				fams, err := p.TextToMetricFamilies(bytes.NewReader(body(t, resp)))
				if err != nil {
					t.Error(err)
					return
				}
				var values []float64
				for _, m := range fams["sems_test_ratio"].GetMetric() {
					values = append(values, m.GetGauge().GetValue())
				}
				runs := fams["sems_collections_total"].GetMetric()
				// equipment's collections: the first set plus one per value.
				if len(values) != 3 || values[0] != values[1] || values[1] != values[2] || runs[0].GetCounter().GetValue() != values[0]+1 {
					t.Errorf("one scrape mixes collections: ratios %v after %v collections", values, runs[0].GetCounter().GetValue())
					return
				}
			}
		})
	}
	wg.Wait()
}

// A family in both the snapshot and the exporter's own metrics fails the
// scrape, as registering both in one registry would.
func TestHandlerRefusesACollision(t *testing.T) {
	s := filled(t, 1)
	live := prometheus.NewRegistry()
	live.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "sems_collection_success", Help: "Clashes."}))
	var logs bytes.Buffer
	h := s.Handler(live, slog.New(slog.NewTextHandler(&logs, nil)))
	resp := get(t, h, "", "")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "sems_collection_success is both in the snapshot") {
		t.Fatalf("logs: %s", logs.String())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                           false,
		"identity":                   false,
		"gzip":                       true,
		"GZIP":                       true,
		"deflate, gzip;q=0.5":        true,
		"gzip;q=0":                   false,
		"br;q=1.0, gzip; q=0.0":      false,
		"*":                          true,
		"x-gzip":                     true,
		"gzip;q=nonsense":            false,
		"zstd, br":                   false,
		" deflate , gzip ; q=0.001 ": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
