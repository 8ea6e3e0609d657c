package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/internal/stacktest"
)

// The organisations of the group test: the demo dataset from two seeds.
var organisations = []struct {
	name string
	seed uint64
}{
	{"estuary-airports", 24117},
	{"fenland-airports", 7},
}

// allowedNames are the series deploy/group/remote-write.yml lets leave an
// organisation, and allowedLabels their labels once in Thanos: the
// organisation's own, and the receiver's replica and tenant.
var (
	allowedNames = []string{
		"family:sems_collection_age:max",
		"kpi:sems_kpi_denominator:sum",
		"kpi:sems_kpi_numerator:sum",
		"sems_kpi_info",
		"sems_kpi_organisation_rag_status",
		"sems_kpi_organisation_ratio",
		"sems_kpi_organisation_target_ratio",
	}
	allowedLabels = []string{"__name__", "family", "kpi", "organisation", "rag", "receive_replica", "tenant_id", "title"}
)

// kpiParts gives each ratio KPI an exporter serves, built in or
// configured, its numerator and denominator summed over the sites, from a
// scrape of the exporter: apart from the recording rules that send them to
// the group and the remote write that carries them.
func kpiParts(samples map[string]float64) map[string][2]float64 {
	out := map[string][2]float64{}
	kpiLabel := regexp.MustCompile(`kpi="([^"]+)"`)
	for key, v := range samples {
		name, labels, _ := strings.Cut(key, "{")
		m := kpiLabel.FindStringSubmatch(labels)
		if m == nil {
			continue
		}
		parts := out[m[1]]
		switch name {
		case "sems_kpi_numerator":
			parts[0] += v
		case "sems_kpi_denominator":
			parts[1] += v
		default:
			continue
		}
		out[m[1]] = parts
	}
	return out
}

// The group deployment as docs/group.md describes it: two organisations'
// exporters, each scraped by its own Prometheus with
// deploy/prometheus/prometheus.yml and deploy/group/remote-write.yml,
// write to the two Thanos receivers of deploy/group/compose.yml, and Thanos
// Query answers across them. Checked: the network-wide KPI is the sum of
// the numerators over the sum of the denominators; nothing outside the
// allow-list reaches Thanos; a receiver restart loses no sample; history
// uploaded to the bucket is compacted, downsampled and served by the store
// gateway.
func TestGroup(t *testing.T) {
	began := time.Now()
	step := func(what string) { t.Logf("%5.1fs %s", time.Since(began).Seconds(), what) }
	t.Cleanup(func() { step("done") })
	dir := t.TempDir()
	g := newGroup(t, dir)
	g.start(t, "receive-1")
	g.start(t, "receive-2")
	query := g.start(t, "query")
	step("receivers and query ready")

	exporters := map[string]*stacktest.Exporter{}
	edges := map[string]*stacktest.Prometheus{}
	for _, o := range organisations {
		exporters[o.name] = stacktest.StartExporter(t, exporterBinary, "--demo", "--demo.seed="+strconv.FormatUint(o.seed, 10))
		edges[o.name] = startEdge(t, filepath.Join(dir, o.name), o.name, exporters[o.name].Addr, g.receiveURLs())
	}
	for _, o := range organisations {
		exporters[o.name].WaitCollections(t, 1, 60*time.Second)
		query.WaitVector(t, fmt.Sprintf(`count(kpi:sems_kpi_denominator:sum{organisation=%q}) == %d`, o.name, len(kpiParts(scrape(t, exporters[o.name])))), 60*time.Second)
	}
	step("both organisations' KPIs in Thanos")

	t.Run("network-wide figures", func(t *testing.T) {
		// The figures the exporters serve, summed here; Thanos must give
		// the same sums (each receiver's copy counted once) and their
		// ratio. A collection in between may change them, so the
		// comparison is repeated until both sides read the same
		// collections.
		deadline := time.Now().Add(60 * time.Second)
		for {
			diffs := networkDiffs(t, query, exporters)
			if len(diffs) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Thanos and the exporters disagree:\n%s", strings.Join(diffs, "\n"))
			}
			time.Sleep(time.Second)
		}
	})

	t.Run("privacy boundary", func(t *testing.T) {
		// Present at the edge, where they must stay: a site's KPI and the
		// collection health.
		for _, o := range organisations {
			for _, expr := range []string{`sems_kpi_ratio{site="harbour"}`, `sems_collection_success`, `up{job="sems_exporter"}`} {
				edges[o.name].WaitVector(t, expr, 10*time.Second)
			}
		}
		var names []string
		if err := query.Get("/api/v1/label/__name__/values", url.Values{}, &names); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, allowedNames) {
			t.Errorf("metric names in Thanos:\n%v\nwant exactly the allow-list:\n%v", names, allowedNames)
		}
		var labels []string
		if err := query.Get("/api/v1/labels", url.Values{}, &labels); err != nil {
			t.Fatal(err)
		}
		if extra := slices.DeleteFunc(labels, func(l string) bool { return slices.Contains(allowedLabels, l) }); len(extra) > 0 {
			t.Errorf("labels in Thanos outside the allow-list: %v", extra)
		}
	})

	t.Run("dashboards", func(t *testing.T) {
		// Every query of the group's dashboards returns data from Thanos,
		// with the peers' distribution shown from one other organisation,
		// a panel repeated per KPI for each KPI the organisations send; the
		// peers dashboard names no organisation but the viewer's.
		const viewer = "estuary-airports"
		sent, err := query.Query(`count by (kpi) (kpi:sems_kpi_denominator:sum)`, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var kpis []string
		for _, s := range sent.(model.Vector) {
			kpis = append(kpis, string(s.Metric["kpi"]))
		}
		if len(kpis) == 0 {
			t.Fatal("no KPI in Thanos")
		}
		for _, path := range []string{"dashboards/group/group.json", "dashboards/peers/peers.json"} {
			var d struct {
				Panels []struct {
					Title   string
					Targets []struct{ Expr string }
				}
			}
			if err := json.Unmarshal([]byte(readFile(t, path)), &d); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, p := range d.Panels {
				for _, q := range p.Targets {
					for _, kpi := range kpis {
						expr := strings.NewReplacer("$organisation", viewer, "$min_peers", "1", "$kpi", kpi).Replace(q.Expr)
						v, err := query.Query(expr, time.Now())
						vec, _ := v.(model.Vector)
						if err != nil || len(vec) == 0 {
							t.Errorf("%s: %s: %s returned nothing (%v)", path, p.Title, expr, err)
						}
						for _, s := range vec {
							if o, ok := s.Metric["organisation"]; ok && o != viewer && strings.Contains(path, "peers") {
								t.Errorf("%s: %s: %s names %s", path, p.Title, expr, o)
							}
						}
						if !strings.Contains(q.Expr, "$kpi") {
							break // one KPI or all: the same query
						}
					}
				}
			}
		}
	})

	// A receiver restart: the samples of one series over a window that
	// spans receive-1's outage. The edge Prometheus keeps them in its WAL
	// and retries, so receive-1's own copy (deduplication off, or
	// receive-2's copy would hide a gap) must end up with as many as the
	// edge has.
	const series = `kpi:sems_kpi_numerator:sum{kpi="training_current"}`
	from := time.Now()
	time.Sleep(3 * time.Second)
	g.stop("receive-1")
	step("receive-1 stopped")
	time.Sleep(5 * time.Second)
	g.start(t, "receive-1")
	step("receive-1 restarted")
	time.Sleep(3 * time.Second)
	to := time.Now()
	window := fmt.Sprintf("[%dms]", to.Sub(from).Milliseconds())
	// A rule evaluation stamped just before "to" may not be stored yet:
	// the edge is asked once it is.
	time.Sleep(2 * time.Second)
	for _, o := range organisations {
		edge := countAt(t, edges[o.name], nil, "count_over_time("+series+window+")", to)
		// Rules run every second, so a window of 11 s or more holds
		// about 11 samples, 5 of them while receive-1 was down; a loaded
		// machine may skip a few evaluations.
		if edge < 8 {
			t.Fatalf("%s: the edge has %v samples in %s, want about 11", o.name, edge, window)
		}
		thanosSeries := strings.Replace(series, "}", fmt.Sprintf(`, organisation=%q, receive_replica="receive-1"}`, o.name), 1)
		deadline := time.Now().Add(60 * time.Second)
		for {
			got := countAt(t, query, url.Values{"dedup": {"false"}}, "count_over_time("+thanosSeries+window+")", to)
			if got == edge {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: receive-1 holds %v samples of %s, the edge %v", o.name, got, window, edge)
			}
			time.Sleep(time.Second)
		}
	}
	step("receive-1 caught up")

	// Five days of an organisation's history, ending a day ago, in 2-hour
	// blocks as a Prometheus or a receiver uploads them, at one sample
	// a minute: organisation i has numerator 40 + (minute mod 5) - 10i
	// over denominator 50 - 20i for incident resolution.
	end := time.Now().Add(-24 * time.Hour).Truncate(time.Hour)
	start := end.Add(-5 * 24 * time.Hour)
	for i, o := range organisations {
		blocks := filepath.Join(dir, "history", o.name)
		var om strings.Builder
		for _, metric := range []string{"numerator", "denominator"} {
			fmt.Fprintf(&om, "# TYPE kpi:sems_kpi_%s:sum gauge\n", metric)
			for ts := start; ts.Before(end); ts = ts.Add(time.Minute) {
				fmt.Fprintf(&om, "kpi:sems_kpi_%s:sum{kpi=\"incident_resolution\"} %v %d\n", metric, historic(metric, i, ts), ts.Unix())
			}
		}
		om.WriteString("# EOF\n")
		stacktest.CreateBlocksOf(t, 2*time.Hour, blocks, []byte(om.String()))
		stacktest.RunThanos(t, "tools", "bucket", "upload-blocks", "--path="+blocks,
			fmt.Sprintf("--label=organisation=%q", o.name), "--objstore.config-file="+g.bucketConfig)
	}
	step("history uploaded")
	g.compact(t)
	step("history compacted")
	levels, downsampled := g.bucketBlocks(t)
	if slices.Max(levels) < 3 {
		t.Errorf("compaction levels in the bucket %v, want a 2-day block (level 3) from the 2-hour ones", levels)
	}
	if !downsampled {
		t.Error("no block downsampled to 5 minutes in the bucket")
	}

	g.start(t, "store")
	// Cleanups run last first: the organisations' Prometheus servers stop
	// before the receivers they flush their last samples to.
	t.Cleanup(func() {
		for _, e := range edges {
			e.Stop()
		}
	})
	at := start.Add(50*time.Hour + 7*time.Minute)
	// (40 + 7 mod 5) + (30 + 7 mod 5) = 74 of 50 + 30 = 80.
	want := (historic("numerator", 0, at) + historic("numerator", 1, at)) / (historic("denominator", 0, at) + historic("denominator", 1, at))
	if want != 74.0/80 {
		t.Fatalf("history generator: %v, want 74/80", want)
	}
	const network = `sum(kpi:sems_kpi_numerator:sum{kpi="incident_resolution"}) / sum(kpi:sems_kpi_denominator:sum{kpi="incident_resolution"})`
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := countAt(t, query, nil, network, at)
		if got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s at %s through the store gateway: %v, want %v", network, at, got, want)
		}
		time.Sleep(time.Second)
	}
	step("history queried")
}

// historic is organisation i's history of incident resolution at ts.
func historic(metric string, i int, ts time.Time) float64 {
	if metric == "denominator" {
		return float64(50 - 20*i)
	}
	return float64(40 - 10*i + int(ts.Unix()/60%5))
}

// networkDiffs compares Thanos's network-wide sums and ratios, and each
// organisation's ratio, with the exporters' figures.
func networkDiffs(t *testing.T, query *stacktest.Prometheus, exporters map[string]*stacktest.Exporter) []string {
	t.Helper()
	now := time.Now()
	var diffs []string
	compare := func(expr string, want float64) {
		got := countAt(t, query, nil, expr, now)
		if math.IsNaN(got) || math.Abs(got-want) > 1e-9 {
			diffs = append(diffs, fmt.Sprintf("  %s = %v, want %v", expr, got, want))
		}
	}
	scrapes := map[string]map[string]float64{}
	for _, o := range organisations {
		scrapes[o.name] = scrape(t, exporters[o.name])
	}
	for kpi := range kpiParts(scrapes[organisations[0].name]) {
		var num, den float64
		for _, o := range organisations {
			samples := scrapes[o.name]
			parts := kpiParts(samples)[kpi]
			num, den = num+parts[0], den+parts[1]
			// The rules' ratio for one organisation is the exporter's own
			// organisation-wide KPI.
			compare(fmt.Sprintf(`kpi:sems_kpi_numerator:sum{kpi=%[1]q, organisation=%[2]q} / kpi:sems_kpi_denominator:sum{kpi=%[1]q, organisation=%[2]q}`, kpi, o.name),
				samples[fmt.Sprintf(`sems_kpi_organisation_ratio{kpi=%q}`, kpi)])
		}
		compare(fmt.Sprintf(`sum(kpi:sems_kpi_numerator:sum{kpi=%q})`, kpi), num)
		compare(fmt.Sprintf(`sum(kpi:sems_kpi_denominator:sum{kpi=%q})`, kpi), den)
		compare(fmt.Sprintf(`sum(kpi:sems_kpi_numerator:sum{kpi=%[1]q}) / sum(kpi:sems_kpi_denominator:sum{kpi=%[1]q})`, kpi), num/den)
	}
	return diffs
}

// countAt evaluates expr, which must give one sample, at time at; NaN if it
// gives none.
func countAt(t *testing.T, p *stacktest.Prometheus, params url.Values, expr string, at time.Time) float64 {
	t.Helper()
	v, err := p.QueryWith(expr, at, params)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	vec, _ := v.(model.Vector)
	switch len(vec) {
	case 0:
		return math.NaN()
	case 1:
		return float64(vec[0].Value)
	}
	t.Fatalf("%s: %d samples, want one: %v", expr, len(vec), vec)
	return 0
}

// startEdge starts an organisation's Prometheus: the repository's
// configuration with its remote write to the group appended, once per
// receiver, scraping exporter every second and evaluating rules/.
func startEdge(t *testing.T, dir, organisation, exporter string, receivers []string) *stacktest.Prometheus {
	t.Helper()
	rulesDir, err := filepath.Abs(filepath.Join(repo, "rules"))
	if err != nil {
		t.Fatal(err)
	}
	addr := stacktest.FreeAddr(t)
	pc := readFile(t, "deploy/prometheus/prometheus.yml")
	pc = replace(t, pc, `sems-exporter:10127`, exporter, 1)
	// No Alertmanager: the alerts are the stack test's.
	pc = replace(t, pc, `alertmanager:9093`, stacktest.FreeAddr(t), 2)
	pc = replace(t, pc, `localhost:9090`, addr, 1)
	pc = replace(t, pc, `(?m)^(\s+(scrape|evaluation)_interval: )\S+$`, "${1}1s", 2)
	pc = replace(t, pc, `(?m)^(\s+scrape_timeout: )\S+$`, "${1}1s", 1)
	pc = replace(t, pc, `/etc/prometheus/rules/`, rulesDir+"/", 1)
	pc = replace(t, pc, `(?m)^(\s+organisation: )\S+$`, "${1}"+organisation, 1)

	var rw struct {
		RemoteWrite []map[string]any `yaml:"remote_write"`
	}
	unmarshal(t, "deploy/group/remote-write.yml", &rw)
	if len(rw.RemoteWrite) != 1 {
		t.Fatalf("deploy/group/remote-write.yml: %d remote_write entries, want the one to copy per receiver", len(rw.RemoteWrite))
	}
	var entries []map[string]any
	for i, u := range receivers {
		e := map[string]any{}
		for k, v := range rw.RemoteWrite[0] {
			e[k] = v
		}
		e["url"], e["name"] = u, fmt.Sprintf("group-%d", i+1)
		entries = append(entries, e)
	}
	out, err := yaml.Marshal(map[string]any{"remote_write": entries})
	if err != nil {
		t.Fatal(err)
	}
	return stacktest.StartPrometheusFile(t, writeFile(t, dir, "prometheus.yml", pc+"\n"+string(out)), addr)
}

// group runs the services of deploy/group/compose.yml natively: each
// service's command, its addresses on free loopback ports, its /data in a
// directory of its own, and the bucket in a temporary directory.
type group struct {
	commands     map[string][]string
	replacer     map[string]*strings.Replacer
	bucketConfig string
	bucketDir    string
	running      map[string]*stacktest.Prometheus
}

// Thanos's ports in deploy/group/compose.yml: gRPC, HTTP, remote write,
// replication.
var thanosPorts = []string{"10901", "10902", "19291", "19391"}

func newGroup(t *testing.T, dir string) *group {
	t.Helper()
	project := loadGroupCompose(t)
	g := &group{
		commands:  map[string][]string{},
		replacer:  map[string]*strings.Replacer{},
		bucketDir: filepath.Join(dir, "bucket"),
		running:   map[string]*stacktest.Prometheus{},
	}
	bucket := replace(t, readFile(t, "deploy/group/bucket.yml"), `(?m)^(\s+directory: )/bucket$`, "${1}"+g.bucketDir, 1)
	g.bucketConfig = writeFile(t, dir, "bucket.yml", bucket)

	addrs := map[string]string{} // "service:port" -> loopback address
	for name := range project.Services {
		for _, port := range thanosPorts {
			addrs[name+":"+port] = stacktest.FreeAddr(t)
		}
	}
	for name, s := range project.Services {
		g.commands[name] = s.Command
		pairs := []string{"=/data", "=" + filepath.Join(dir, name), "=/etc/thanos/bucket.yml", "=" + g.bucketConfig}
		for _, port := range thanosPorts {
			pairs = append(pairs, "0.0.0.0:"+port, addrs[name+":"+port])
		}
		for key, addr := range addrs {
			pairs = append(pairs, "="+key, "="+addr)
		}
		g.replacer[name] = strings.NewReplacer(pairs...)
	}
	return g
}

// loadGroupCompose loads deploy/group/compose.yml as docker compose would,
// with Grafana's password set.
func loadGroupCompose(t *testing.T) *types.Project {
	t.Helper()
	dir := filepath.Join(repo, "deploy/group")
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yml")},
		cli.WithWorkingDirectory(dir), cli.WithEnv([]string{"GRAFANA_ADMIN_PASSWORD=change-me"}))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading deploy/group/compose.yml: %v", err)
	}
	return project
}

// args is a service's command with the test's addresses and paths.
func (g *group) args(t *testing.T, service string) []string {
	t.Helper()
	cmd, ok := g.commands[service]
	if !ok || len(cmd) == 0 {
		t.Fatalf("deploy/group/compose.yml has no command for %s", service)
	}
	var args []string
	for _, a := range cmd {
		args = append(args, g.replacer[service].Replace(a))
	}
	return args
}

func (g *group) start(t *testing.T, service string) *stacktest.Prometheus {
	t.Helper()
	// Without the default 2-minute grace for open connections, a stop
	// takes a moment instead of the 10 s before the process is killed.
	args := append(g.args(t, service), "--http-grace-period=0s", "--grpc-grace-period=0s")
	p := stacktest.StartThanos(t, flagValue(t, args, "--http-address"), args[0], args[1:]...)
	g.running[service] = p
	return p
}

func (g *group) stop(service string) { g.running[service].Stop() }

// receiveURLs are the receivers' remote-write endpoints.
func (g *group) receiveURLs() []string {
	var urls []string
	for _, name := range []string{"receive-1", "receive-2"} {
		addr := g.replacer[name].Replace("0.0.0.0:19291")
		urls = append(urls, "http://"+addr+"/api/v1/receive")
	}
	return urls
}

// compact runs the compactor once over the bucket, without waiting for
// blocks to age: the test's blocks are new, but complete.
func (g *group) compact(t *testing.T) {
	t.Helper()
	args := slices.DeleteFunc(g.args(t, "compact"), func(a string) bool { return a == "--wait" })
	stacktest.RunThanos(t, append(args, "--consistency-delay=0s", "--delete-delay=0s")...)
}

// bucketBlocks reads the meta.json of every block in the bucket: their
// compaction levels, and whether one is downsampled to 5 minutes.
func (g *group) bucketBlocks(t *testing.T) (levels []int, downsampled bool) {
	t.Helper()
	metas, err := filepath.Glob(filepath.Join(g.bucketDir, "*", "meta.json"))
	if err != nil || len(metas) == 0 {
		t.Fatalf("no blocks in the bucket (%v)", err)
	}
	for _, path := range metas {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Compaction struct {
				Level int `json:"level"`
			} `json:"compaction"`
			Thanos struct {
				Downsample struct {
					Resolution int64 `json:"resolution"`
				} `json:"downsample"`
			} `json:"thanos"`
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		levels = append(levels, meta.Compaction.Level)
		downsampled = downsampled || meta.Thanos.Downsample.Resolution == (5*time.Minute).Milliseconds()
	}
	return levels, downsampled
}

// The group's compose file agrees with itself: Query reads every receiver
// and the store gateway, each receiver labels its copy with a replica
// label of its own, which Query and Compact deduplicate on, every
// component with a bucket reads bucket.yml, and the group's Grafana reads
// Query.
func TestGroupCompose(t *testing.T) {
	p := loadGroupCompose(t)
	query := p.Services["query"].Command
	replicaLabel := flagValue(t, query, "--query.replica-label")
	if got := flagValue(t, p.Services["compact"].Command, "--deduplication.replica-label"); got != replicaLabel {
		t.Errorf("compact deduplicates on %q, query on %q", got, replicaLabel)
	}
	var endpoints, stores []string
	for _, a := range query {
		if e, ok := strings.CutPrefix(a, "--endpoint="); ok {
			endpoints = append(endpoints, e)
		}
	}
	replicas := map[string]bool{}
	for _, name := range p.ServiceNames() {
		cmd := p.Services[name].Command
		if len(cmd) == 0 || (cmd[0] != "receive" && cmd[0] != "store" && cmd[0] != "compact") {
			continue
		}
		if got := flagValue(t, cmd, "--objstore.config-file"); mountedFile(t, p.Services[name], got) != "deploy/group/bucket.yml" {
			t.Errorf("%s reads the bucket configuration %s, not deploy/group/bucket.yml", name, got)
		}
		if cmd[0] == "compact" {
			continue
		}
		_, port, _ := strings.Cut(flagValue(t, cmd, "--grpc-address"), ":")
		stores = append(stores, name+":"+port)
		if cmd[0] == "receive" {
			label := flagValue(t, cmd, "--label")
			if !strings.HasPrefix(label, replicaLabel+"=") || replicas[label] {
				t.Errorf("%s: --label=%s, want a %s of its own", name, label, replicaLabel)
			}
			replicas[label] = true
		}
	}
	if !slices.Equal(sorted(endpoints), sorted(stores)) {
		t.Errorf("query reads %v, want every receiver and store %v", endpoints, stores)
	}
	var ds struct {
		Datasources []struct{ URL string }
	}
	unmarshal(t, "deploy/group/grafana/provisioning/datasources/thanos.yml", &ds)
	_, port, _ := strings.Cut(flagValue(t, query, "--http-address"), ":")
	if len(ds.Datasources) != 1 || ds.Datasources[0].URL != "http://query:"+port {
		t.Errorf("the group's Grafana reads %+v, want http://query:%s", ds.Datasources, port)
	}
	if got := mountedFile(t, p.Services["grafana"], "/etc/grafana/provisioning"); got != "deploy/group/grafana/provisioning" {
		t.Errorf("the group's Grafana provisioning is %s", got)
	}
}
