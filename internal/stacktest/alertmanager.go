package stacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Alertmanager is a running Alertmanager.
type Alertmanager struct {
	Addr, URL string
	proc      *process
}

// StartAlertmanager starts Alertmanager with the configuration file config
// on a free loopback port, its state in a temporary directory, and waits
// until it is ready. Clustering is off: a test runs one instance, and
// gossip would only delay the first notification.
func StartAlertmanager(t testing.TB, config string) *Alertmanager {
	t.Helper()
	// The release's name (scripts/tools.sh builds it) before the Debian
	// package's.
	bin, err := exec.LookPath("alertmanager")
	if err != nil {
		bin = RequireBinary(t, "prometheus-alertmanager", "prometheus-alertmanager")
	}
	addr := FreeAddr(t)
	a := &Alertmanager{Addr: addr, URL: "http://" + addr}
	a.proc = startProcess(t, "alertmanager", bin,
		"--config.file="+config,
		"--storage.path="+t.TempDir(),
		"--web.listen-address="+addr,
		"--cluster.listen-address=",
		"--log.level=debug",
	)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(a.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a
			}
		}
		if a.proc.exited() {
			t.Fatalf("alertmanager exited:\n%s", a.proc.log.String())
		}
		if time.Now().After(deadline) {
			t.Fatal("alertmanager was not ready within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Log is what Alertmanager has written so far.
func (a *Alertmanager) Log() string { return a.proc.log.String() }

// Alert is an alert as Alertmanager's API v2 lists it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
	Status      struct {
		State       string   `json:"state"` // active, suppressed or unprocessed
		InhibitedBy []string `json:"inhibitedBy"`
		SilencedBy  []string `json:"silencedBy"`
	} `json:"status"`
	Receivers []struct {
		Name string `json:"name"`
	} `json:"receivers"`
}

// Alerts returns every alert Alertmanager holds: active, silenced and
// inhibited.
func (a *Alertmanager) Alerts() ([]Alert, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/api/v2/alerts", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v2/alerts: %s", resp.Status)
	}
	var alerts []Alert
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		return nil, fmt.Errorf("GET /api/v2/alerts: %w", err)
	}
	return alerts, nil
}

// Notification is the body of a webhook notification (version 4).
type Notification struct {
	Version           string            `json:"version"`
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"` // firing or resolved
	GroupKey          string            `json:"groupKey"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []NotifiedAlert   `json:"alerts"`
	// Authorization is the request's Authorization header, which carries
	// the receiver's credentials.
	Authorization string `json:"-"`
}

// NotifiedAlert is one alert of a notification.
type NotifiedAlert struct {
	Status       string            `json:"status"` // firing or resolved
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Webhook is an HTTP server that collects the webhook notifications
// Alertmanager sends it, standing in for a paging service or a chat.
type Webhook struct {
	URL string
	mu  sync.Mutex
	got []Notification
}

// StartWebhook starts a webhook receiver on loopback; it stops when the test
// ends.
func StartWebhook(t testing.TB) *Webhook {
	t.Helper()
	w := &Webhook{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var n Notification
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		n.Authorization = r.Header.Get("Authorization")
		w.mu.Lock()
		w.got = append(w.got, n)
		w.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	w.URL = srv.URL
	return w
}

// Notifications returns the notifications received so far.
func (w *Webhook) Notifications() []Notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// WaitAlert waits until a notification carries an alert with the given
// status ("firing" or "resolved") whose labels include labels, and returns
// the notification and that alert.
func (w *Webhook) WaitAlert(t testing.TB, status string, labels map[string]string, timeout time.Duration) (Notification, NotifiedAlert) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, n := range w.Notifications() {
			for _, a := range n.Alerts {
				if a.Status == status && hasLabels(a.Labels, labels) {
					return n, a
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s notification for %v within %s; received:\n%s", status, labels, timeout, w.summary())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// summary lists the notifications received, one alert a line.
func (w *Webhook) summary() string {
	var b strings.Builder
	for _, n := range w.Notifications() {
		for _, a := range n.Alerts {
			fmt.Fprintf(&b, "  %s to %s: %v\n", a.Status, n.Receiver, a.Labels)
		}
	}
	if b.Len() == 0 {
		return "  nothing\n"
	}
	return b.String()
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
