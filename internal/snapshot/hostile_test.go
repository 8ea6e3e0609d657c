package snapshot

// The hostile-input suite of the snapshot: a client asking for every
// variant of the exposition once.

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/common/expfmt"
)

// TestHostileExpositionVariants asks for each of the 32 variants (4
// formats, 4 name escapings, gzip or not) once. Each used to be kept and
// encoded again on every change for an hour; only the 8 common ones are
// kept now, and a rare one is still served right.
func TestHostileExpositionVariants(t *testing.T) {
	s := filled(t, 0.5)
	srv := httptest.NewServer(s.Handler(liveRegistry(), slog.New(slog.DiscardHandler)))
	defer srv.Close()
	formats := []string{
		"text/plain;version=0.0.4",
		"text/plain;version=1.0.0",
		protoAcc,
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
	}
	escapings := []string{"underscores", "allow-utf-8", "dots", "values"}
	asked := map[expfmt.Format]bool{}
	for _, f := range formats {
		for _, esc := range escapings {
			for _, gz := range []string{"identity", "gzip"} {
				req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
				req.Header.Set("Accept", f+";escaping="+esc)
				req.Header.Set("Accept-Encoding", gz)
				asked[expfmt.Negotiate(req.Header)] = true
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || len(body) == 0 {
					t.Errorf("%s escaping=%s %s: status %d, %d bytes", f, esc, gz, resp.StatusCode, len(body))
				}
			}
		}
	}
	t.Logf("32 requests, %d distinct variants negotiated", 2*len(asked))
	kept := len(s.published.Load().variants)
	// Text and delimited protobuf, underscores or allow-utf-8, plain and
	// gzip: 2 * 2 * 2.
	if kept != 8 {
		t.Errorf("%d variants kept encoded, want the 8 common ones", kept)
	}
	// A rare variant is served as it would be encoded anywhere.
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4;escaping=dots")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	dots, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(dots) != string(plain) {
		t.Errorf("text with dots escaping differs from plain text (all names are legacy):\n%s\n%s", dots, plain)
	}
}
