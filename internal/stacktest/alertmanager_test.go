package stacktest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The helpers against a real Alertmanager: alerts posted to its API reach
// the webhook, firing then resolved, and an inhibited alert is listed as
// suppressed with the alert that inhibits it.
func TestAlertmanagerWebhook(t *testing.T) {
	hook := StartWebhook(t)
	config := `
route:
  receiver: hook
  group_by: [alertname, site]
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: ` + hook.URL + `/hook
        send_resolved: true
        http_config:
          authorization:
            credentials: t0ken
inhibit_rules:
  - source_matchers: [alertname="SourceDown"]
    target_matchers: [alertname="KpiRed"]
    equal: [site]
`
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	am := StartAlertmanager(t, path)

	post(t, am, map[string]string{"alertname": "KpiRed", "site": "north"}, time.Time{})
	n, a := hook.WaitAlert(t, "firing", map[string]string{"alertname": "KpiRed", "site": "north"}, 20*time.Second)
	if n.Receiver != "hook" || n.Authorization != "Bearer t0ken" || a.Annotations["summary"] != "KpiRed at north" {
		t.Errorf("firing notification to %q (authorization %q) with annotations %v", n.Receiver, n.Authorization, a.Annotations)
	}

	// SourceDown at south inhibits KpiRed at south only.
	post(t, am, map[string]string{"alertname": "SourceDown", "site": "south"}, time.Time{})
	post(t, am, map[string]string{"alertname": "KpiRed", "site": "south"}, time.Time{})
	// The inhibitor learns of SourceDown asynchronously: poll.
	deadline := time.Now().Add(10 * time.Second)
	for {
		states, sourceFP := alertStates(t, am)
		// inhibitedBy holds the fingerprint of the SourceDown alert.
		want := map[string]string{
			"KpiRed/north":     "active ",
			"SourceDown/south": "active ",
			"KpiRed/south":     "suppressed " + sourceFP,
		}
		if sourceFP != "" && maps.Equal(states, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alert states %v, want %v", states, want)
		}
		time.Sleep(100 * time.Millisecond)
	}

	post(t, am, map[string]string{"alertname": "KpiRed", "site": "north"}, time.Now())
	hook.WaitAlert(t, "resolved", map[string]string{"alertname": "KpiRed", "site": "north"}, 20*time.Second)
}

// post sends one alert to Alertmanager, as Prometheus does; a non-zero
// endsAt in the past resolves it.
func post(t *testing.T, am *Alertmanager, labels map[string]string, endsAt time.Time) {
	t.Helper()
	alert := map[string]any{
		"labels":      labels,
		"annotations": map[string]string{"summary": labels["alertname"] + " at " + labels["site"]},
	}
	if !endsAt.IsZero() {
		alert["endsAt"] = endsAt.Format(time.RFC3339Nano)
	}
	body, err := json.Marshal([]any{alert})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %s", resp.Status)
	}
}

// alertStates maps alertname/site to the alert's state and the alerts
// inhibiting it, and returns the fingerprint of SourceDown.
func alertStates(t *testing.T, am *Alertmanager) (map[string]string, string) {
	t.Helper()
	alerts, err := am.Alerts()
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	var sourceFP string
	for _, a := range alerts {
		states[a.Labels["alertname"]+"/"+a.Labels["site"]] = a.Status.State + " " + strings.Join(a.Status.InhibitedBy, ",")
		if a.Labels["alertname"] == "SourceDown" {
			sourceFP = a.Fingerprint
		}
	}
	return states, sourceFP
}
