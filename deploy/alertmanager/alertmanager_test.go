// Package alertmanager holds the Alertmanager configuration; these tests
// check it with amtool, prove that every alert of rules/sems.alerts.yml
// reaches the intended receivers at the intended pace, and run a real
// Alertmanager to show the stale-data and alert-level inhibitions and the
// webhook deliveries.
package alertmanager

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/internal/syncbuf"
)

const configFile = "alertmanager.yml"

func tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("%s is not installed (scripts/test.sh builds it; Debian's package prometheus-alertmanager has it too)", names[0])
	return ""
}

func TestCheckConfig(t *testing.T) {
	out, err := exec.Command(tool(t, "amtool"), "check-config", configFile).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
}

// route is a node of the routing tree, with the settings it inherits.
type route struct {
	Receiver       string   `yaml:"receiver"`
	Matchers       []string `yaml:"matchers"`
	Continue       bool     `yaml:"continue"`
	GroupBy        []string `yaml:"group_by"`
	GroupWait      string   `yaml:"group_wait"`
	GroupInterval  string   `yaml:"group_interval"`
	RepeatInterval string   `yaml:"repeat_interval"`
	Routes         []*route `yaml:"routes"`
}

var matcher = regexp.MustCompile(`^(\w+)(=~|!~|!=|=)"(.*)"$`)

func (r *route) matches(t *testing.T, labels map[string]string) bool {
	for _, m := range r.Matchers {
		p := matcher.FindStringSubmatch(m)
		if p == nil {
			t.Fatalf("matcher %s: not of the form name op \"value\"", m)
		}
		v := labels[p[1]]
		re := regexp.MustCompile("^(?:" + p[3] + ")$")
		ok := map[string]bool{"=": v == p[3], "!=": v != p[3], "=~": re.MatchString(v), "!~": !re.MatchString(v)}[p[2]]
		if !ok {
			return false
		}
	}
	return true
}

// match follows Alertmanager's routing: the first matching child (and the
// next ones while continue is set), recursively, or the node itself; a child
// inherits what it does not set.
func (r *route) match(t *testing.T, labels map[string]string) []*route {
	var out []*route
	for _, c := range r.Routes {
		if !c.matches(t, labels) {
			continue
		}
		child := *c
		if child.Receiver == "" {
			child.Receiver = r.Receiver
		}
		if child.GroupBy == nil {
			child.GroupBy = r.GroupBy
		}
		for _, s := range []struct{ c, p *string }{{&child.GroupWait, &r.GroupWait}, {&child.GroupInterval, &r.GroupInterval}, {&child.RepeatInterval, &r.RepeatInterval}} {
			if *s.c == "" {
				*s.c = *s.p
			}
		}
		out = append(out, child.match(t, labels)...)
		if !c.Continue {
			break
		}
	}
	if len(out) == 0 {
		out = []*route{r}
	}
	return out
}

func loadRoute(t *testing.T) *route {
	t.Helper()
	b, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Route *route `yaml:"route"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Route
}

// routesTest asks amtool which receivers an alert reaches.
func routesTest(t *testing.T, labels map[string]string) []string {
	t.Helper()
	args := []string{"config", "routes", "test", "--config.file=" + configFile}
	for k, v := range labels {
		args = append(args, k+"="+v)
	}
	out, err := exec.Command(tool(t, "amtool"), args...).Output()
	if err != nil {
		t.Fatalf("amtool %v: %v", args, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), ",")
}

type alertRule struct {
	Alert  string            `yaml:"alert"`
	Labels map[string]string `yaml:"labels"`
}

// ruleAlerts returns a label set per alert of the rules and per severity
// its severity template can give.
func ruleAlerts(t *testing.T) []map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../rules/sems.alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			sevs := []string{r.Labels["severity"]}
			if strings.Contains(sevs[0], "{{") {
				sevs = regexp.MustCompile(`critical|warning|info`).FindAllString(sevs[0], -1)
			}
			for _, sev := range sevs {
				l := map[string]string{"alertname": r.Alert, "site": "north", "family": "equipment"}
				for k, v := range r.Labels {
					l[k] = v
				}
				l["severity"] = sev
				out = append(out, l)
			}
		}
	}
	if len(out) < 15 {
		t.Fatalf("found only %d alerts in rules/sems.alerts.yml", len(out))
	}
	return out
}

// TestRoutes checks the receivers of every alert in the rules (critical
// pages, warnings are ticketed and e-mailed, info is e-mailed, board notices
// go to the daily digest), with amtool, and how often each is repeated.
func TestRoutes(t *testing.T) {
	root := loadRoute(t)
	cases := ruleAlerts(t)
	// An alert from elsewhere with no severity still reaches the team.
	cases = append(cases, map[string]string{"alertname": "Unlabelled"})
	for _, l := range cases {
		var want []string
		repeat := "4h"
		switch {
		case l["audience"] == "board":
			want, repeat = []string{"board-digest"}, "24h"
		case l["severity"] == "critical":
			want = []string{"oncall-pager"}
		case l["severity"] == "warning":
			want = []string{"security-tickets", "security-email"}
		case l["severity"] == "info":
			want, repeat = []string{"security-email"}, "24h"
		default:
			want = []string{"security-tickets"}
		}
		// Overdue actions are reminded daily.
		if l["family"] == "capa" {
			repeat = "24h"
		}
		name := fmt.Sprintf("%s/%s", l["alertname"], l["severity"])
		if got := routesTest(t, l); !slices.Equal(got, want) {
			t.Errorf("%s: amtool routes it to %v, want %v", name, got, want)
		}
		matched := root.match(t, l)
		var receivers []string
		for _, r := range matched {
			receivers = append(receivers, r.Receiver)
		}
		if !slices.Equal(receivers, want) {
			t.Errorf("%s: the route walk gives %v, amtool %v", name, receivers, want)
		}
		// The first receiver is the one the alert is for; an e-mail copy
		// of a warning is daily.
		if got := matched[0].RepeatInterval; got != repeat {
			t.Errorf("%s: repeat_interval %s, want %s", name, got, repeat)
		}
		if l["audience"] == "board" && matched[0].GroupInterval != "24h" {
			t.Errorf("%s: board digest group_interval %s, want 24h", name, matched[0].GroupInterval)
		}
	}
}

// TestRunningAlertmanager runs Alertmanager with this configuration, its
// webhook receivers pointed at a local server, and checks the inhibitions
// and what the pager and the ticketing webhooks receive.
func TestRunningAlertmanager(t *testing.T) {
	// The release's name first: the Debian package's is only the fallback.
	bin := tool(t, "alertmanager", "prometheus-alertmanager")
	hooks := newWebhooks()
	srv := httptest.NewServer(hooks)
	defer srv.Close()

	// A copy of the configuration with the placeholders replaced, as a
	// deployment (or an end-to-end test) does, and secrets in secrets/.
	dir := t.TempDir()
	b, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for _, r := range []struct{ old, new string }{
		{"https://pager.example.invalid/sems", srv.URL + "/pager"},
		{"https://tickets.example.invalid/sems", srv.URL + "/tickets"},
		// Nothing must leave the machine: e-mail goes to a closed port.
		{"smtp.example.invalid:587", "127.0.0.1:1"},
		// Notify a second after the first alert rather than 30 s.
		{"group_wait: 30s", "group_wait: 1s"},
	} {
		if strings.Count(cfg, r.old) != 1 {
			t.Fatalf("%s should appear once in %s", r.old, configFile)
		}
		cfg = strings.Replace(cfg, r.old, r.new, 1)
	}
	if err := os.WriteFile(filepath.Join(dir, configFile), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"pager-token": "pager-secret", "tickets-token": "tickets-secret", "smtp-password": "smtp-secret"} {
		if err := os.WriteFile(filepath.Join(dir, "secrets", name), []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	am := startAlertmanager(t, bin, dir)

	// equipment is stale: the outage page it would give is held back; the
	// overdue CAPA action (another family) still pages.
	stale := map[string]string{"alertname": "SemsCollectionStale", "severity": "critical", "audience": "oncall", "family": "equipment", "source": "demo"}
	outage := map[string]string{"alertname": "SemsCriticalEquipmentOutage", "severity": "critical", "audience": "oncall", "family": "equipment", "site": "north", "equipment_type": "xray"}
	overdue := map[string]string{"alertname": "SemsCorrectiveActionOverdue", "severity": "critical", "audience": "oncall", "family": "capa", "site": "harbour", "kind": "corrective", "priority": "high"}
	am.post(t, stale, outage, overdue)
	am.waitFor(t, "the outage inhibited by the stale family", func(s map[string]status) bool {
		return s[key(outage)].inhibitedBy(s[key(stale)].Fingerprint) && s[key(overdue)].State == "active" && s[key(stale)].State == "active"
	})

	// The statistical alert levels: north's level 3 inhibits its levels 1
	// and 2, not the organisation's level 1.
	level := func(site, level, severity, audience string) map[string]string {
		l := map[string]string{"alertname": "SemsIncidentReportsAboveAlertLevel", "family": "incidents", "level": level, "severity": severity, "audience": audience}
		if site != "" {
			l["site"] = site
		}
		return l
	}
	n1, n2, n3 := level("north", "1", "info", "security_manager"), level("north", "2", "warning", "security_manager"), level("north", "3", "warning", "security_manager")
	org1 := level("", "1", "info", "board")
	am.post(t, n1, n2, n3, org1)
	am.waitFor(t, "north's levels 1 and 2 inhibited by its level 3", func(s map[string]status) bool {
		fp := s[key(n3)].Fingerprint
		return s[key(n1)].inhibitedBy(fp) && s[key(n2)].inhibitedBy(fp) && s[key(n3)].State == "active" && s[key(org1)].State == "active"
	})

	// What the webhooks received: the pager has the stale family and the
	// overdue action, never the inhibited outage; the tickets have level 3
	// only, never the inhibited level 2. Each with its token from secrets/.
	hooks.waitFor(t, "/pager", "SemsCollectionStale", "SemsCorrectiveActionOverdue")
	hooks.waitFor(t, "/tickets", "SemsIncidentReportsAboveAlertLevel/3")
	// The inhibited alerts were in groups flushed with those above; give a
	// wrongly sent notification a moment to arrive.
	time.Sleep(2 * time.Second)
	if got := hooks.received("/pager"); slices.Contains(got, "SemsCriticalEquipmentOutage") {
		t.Errorf("the pager received the inhibited outage alert: %v", got)
	}
	if got := hooks.received("/tickets"); slices.Contains(got, "SemsIncidentReportsAboveAlertLevel/2") {
		t.Errorf("the tickets received the inhibited level 2 alert: %v", got)
	}
	for path, token := range map[string]string{"/pager": "Bearer pager-secret", "/tickets": "Bearer tickets-secret"} {
		if got := hooks.authorization(path); got != token {
			t.Errorf("%s: Authorization %q, want %q", path, got, token)
		}
	}

	// The exporter is down: everything else is held back.
	down := map[string]string{"alertname": "SemsExporterDown", "severity": "critical", "audience": "oncall", "family": "exporter"}
	am.post(t, down)
	am.waitFor(t, "every other alert inhibited by the exporter being down", func(s map[string]status) bool {
		fp := s[key(down)].Fingerprint
		for k, st := range s {
			if k != key(down) && !st.inhibitedBy(fp) {
				return false
			}
		}
		return s[key(down)].State == "active" && len(s) == 8
	})
}

type alertmanager struct {
	url string
}

func startAlertmanager(t *testing.T, bin, dir string) *alertmanager {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	log := &syncbuf.Buffer{}
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, configFile),
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no gossip: a single, isolated instance
	)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", log.String())
		}
	})
	am := &alertmanager{url: "http://" + addr}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(am.url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return am
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("alertmanager not ready within 30s")
		}
	}
}

func (am *alertmanager) post(t *testing.T, alerts ...map[string]string) {
	t.Helper()
	var body []map[string]any
	for _, l := range alerts {
		body = append(body, map[string]any{"labels": l, "annotations": map[string]string{"summary": l["alertname"]}})
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(am.url+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("posting alerts: %s: %s", resp.Status, msg)
	}
}

type status struct {
	Fingerprint string
	State       string
	InhibitedBy []string
}

func (s status) inhibitedBy(fp string) bool {
	return s.State == "suppressed" && fp != "" && slices.Contains(s.InhibitedBy, fp)
}

// key identifies an alert by its labels.
func key(labels map[string]string) string {
	b, _ := json.Marshal(labels) // map keys are sorted
	return string(b)
}

func (am *alertmanager) statuses() (map[string]status, error) {
	resp, err := http.Get(am.url + "/api/v2/alerts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var alerts []struct {
		Labels      map[string]string `json:"labels"`
		Fingerprint string            `json:"fingerprint"`
		Status      struct {
			State       string   `json:"state"`
			InhibitedBy []string `json:"inhibitedBy"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		return nil, err
	}
	out := map[string]status{}
	for _, a := range alerts {
		out[key(a.Labels)] = status{a.Fingerprint, a.Status.State, a.Status.InhibitedBy}
	}
	return out, nil
}

func (am *alertmanager) waitFor(t *testing.T, what string, ok func(map[string]status) bool) {
	t.Helper()
	var last map[string]status
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s, err := am.statuses()
		if err == nil && ok(s) {
			return
		}
		last = s
	}
	t.Fatalf("no %s within 15s; alerts:\n%v", what, last)
}

// webhooks records the notifications Alertmanager sends, by path.
type webhooks struct {
	mu     sync.Mutex
	alerts map[string][]string // path -> alertname (with /level when set)
	auth   map[string]string
}

func newWebhooks() *webhooks {
	return &webhooks{alerts: map[string][]string{}, auth: map[string]string{}}
}

func (h *webhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.auth[r.URL.Path] = r.Header.Get("Authorization")
	for _, a := range msg.Alerts {
		name := a.Labels["alertname"]
		if l, ok := a.Labels["level"]; ok {
			name += "/" + l
		}
		h.alerts[r.URL.Path] = append(h.alerts[r.URL.Path], name)
	}
}

func (h *webhooks) received(path string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.alerts[path])
}

func (h *webhooks) authorization(path string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.auth[path]
}

func (h *webhooks) waitFor(t *testing.T, path string, names ...string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got := h.received(path)
		if !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(got, n) }) {
			return
		}
	}
	t.Fatalf("%s did not receive %v within 15s; it received %v", path, names, h.received(path))
}
