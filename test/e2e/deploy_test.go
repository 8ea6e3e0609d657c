package e2e

import (
	"context"
	"debug/elf"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// exactImage is an image pinned to an exact version (x.y.z; PostgreSQL's
// have two parts), optionally with a digest: never "latest" or a floating
// major or minor tag.
var exactImage = regexp.MustCompile(`^([a-z0-9./-]+:v?\d+\.\d+\.\d+|postgres:\d+\.\d+)[a-z0-9.-]*(@sha256:[0-9a-f]{64})?$`)

func TestDockerfile(t *testing.T) {
	ins := dockerfileInstructions(readFile(t, "Dockerfile"))
	var froms []string
	user, expose, health := "", "", ""
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, strings.Fields(in.args)[0])
			user = "" // USER applies to its own stage only
		case "USER":
			user = in.args
		case "EXPOSE":
			expose = in.args
		case "HEALTHCHECK":
			health = in.args
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build, got FROM %v", froms)
	}
	for _, f := range froms {
		if !exactImage.MatchString(f) {
			t.Errorf("base image %s is not pinned to an exact version", f)
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" {
		t.Errorf("the final stage runs as %q, want a non-root user", user)
	}
	if expose != "10127" || !strings.Contains(health, "http://127.0.0.1:10127/-/healthy") {
		t.Errorf("EXPOSE %q and HEALTHCHECK %q should both use the exporter's default port 10127", expose, health)
	}
	build, err := dockerfileGoBuild()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Errorf("the build step does not set CGO_ENABLED=0: %s", build)
	}

	// The linker ignores an -X flag naming a variable that does not exist,
	// so only the built binary shows that the version variables were set.
	out, err := exec.Command(exporterBinary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("sems_exporter --version: %v\n%s", err, out)
	}
	for _, want := range []string{"version " + buildVersion, "revision: " + buildRevision, "branch: " + buildBranch} {
		if !strings.Contains(string(out), want) {
			t.Errorf("sems_exporter --version does not show %q:\n%s", want, out)
		}
	}
	f, err := elf.Open(exporterBinary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked; the image's base has no C library to offer it")
		}
	}
}

// loadCompose loads docker-compose.yml as docker compose would, with
// .env.example as the .env file.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(repo, "docker-compose.yml")},
		cli.WithWorkingDirectory(repo),
		cli.WithEnvFiles(filepath.Join(repo, ".env.example")),
		cli.WithDotEnv,
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading docker-compose.yml with .env.example: %v", err)
	}
	return p
}

func TestComposeRequiresSecrets(t *testing.T) {
	// Without a .env file the passwords are unset, and compose must refuse
	// to start rather than run with empty passwords.
	opts, err := cli.NewProjectOptions([]string{filepath.Join(repo, "docker-compose.yml")},
		cli.WithWorkingDirectory(repo), cli.WithEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opts.LoadProject(context.Background()); err == nil || !strings.Contains(err.Error(), "in .env") {
		t.Errorf("loading docker-compose.yml without .env: got %v, want an error asking for a variable in .env", err)
	}
	if !slices.Contains(strings.Fields(readFile(t, ".gitignore")), ".env") {
		t.Error(".gitignore does not ignore .env")
	}
}

func TestCompose(t *testing.T) {
	p := loadCompose(t)
	want := []string{"alertmanager", "grafana", "postgres", "prometheus", "sems-exporter"}
	if got := p.ServiceNames(); !slices.Equal(sorted(got), want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	abs, err := filepath.Abs(repo)
	if err != nil {
		t.Fatal(err)
	}
	// Only the web UIs and /metrics are published, on loopback only.
	published := map[string]uint32{"grafana": 3000, "prometheus": 9090, "alertmanager": 9093, "sems-exporter": 10127}
	for name, s := range p.Services {
		if s.Build == nil && !exactImage.MatchString(s.Image) {
			t.Errorf("%s: image %s is not pinned to an exact version", name, s.Image)
		}
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s: no health check", name)
		}
		if s.Restart == "" {
			t.Errorf("%s: no restart policy", name)
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" || port.Target != published[name] || port.Published != strconv.Itoa(int(port.Target)) {
				t.Errorf("%s: publishes %s:%s->%d, want only 127.0.0.1:%d", name, port.HostIP, port.Published, port.Target, published[name])
			}
		}
		if _, ok := published[name]; ok && len(s.Ports) != 1 {
			t.Errorf("%s: publishes %d ports, want 1", name, len(s.Ports))
		}
		for _, v := range s.Volumes {
			switch v.Type {
			case types.VolumeTypeBind:
				// Every file mounted from the repository exists, read-only.
				rel, err := filepath.Rel(abs, v.Source)
				if err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("%s: mounts %s from outside the repository", name, v.Source)
				} else if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s: mounts %s, which does not exist", name, rel)
				}
				if !v.ReadOnly {
					t.Errorf("%s: mounts %s read-write", name, v.Source)
				}
			case types.VolumeTypeVolume:
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: volume %s is not a named volume", name, v.Source)
				}
			default:
				t.Errorf("%s: unexpected %s mount at %s", name, v.Type, v.Target)
			}
		}
	}

	exporter, prom, am, grafana, pg := p.Services["sems-exporter"], p.Services["prometheus"], p.Services["alertmanager"], p.Services["grafana"], p.Services["postgres"]

	// The exporter: built from this repository, started after PostgreSQL
	// is healthy, reading examples/postgres.yml with the DSN of the
	// read-only role.
	if exporter.Build == nil || filepath.Clean(exporter.Build.Context) != abs {
		t.Errorf("sems-exporter is not built from the repository: %+v", exporter.Build)
	}
	if d := exporter.DependsOn["postgres"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("sems-exporter does not wait for a healthy postgres: %+v", exporter.DependsOn)
	}
	cfg := mountedFile(t, exporter, flagValue(t, exporter.Command, "--config.file"))
	if cfg != "examples/postgres.yml" {
		t.Errorf("sems-exporter reads %s, want examples/postgres.yml", cfg)
	}
	var exporterCfg struct {
		Sources map[string]struct {
			DSNEnv string `yaml:"dsn_env"`
		}
	}
	unmarshal(t, cfg, &exporterCfg)
	dsnEnv := exporterCfg.Sources["security_db"].DSNEnv
	dsn := exporter.Environment[dsnEnv]
	if dsn == nil {
		t.Fatalf("sems-exporter: %s (dsn_env of %s) is not set", dsnEnv, cfg)
	}
	u, err := url.Parse(*dsn)
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "postgres" || u.Port() != "5432" || u.Path != "/"+*pg.Environment["POSTGRES_DB"] {
		t.Errorf("%s=%s does not name the postgres service's database %s", dsnEnv, *dsn, *pg.Environment["POSTGRES_DB"])
	}
	if !strings.Contains(readFile(t, "deploy/postgres/30-reader.sql"), "CREATE ROLE "+u.User.Username()+" ") {
		t.Errorf("%s connects as %s, which deploy/postgres/30-reader.sql does not create", dsnEnv, u.User.Username())
	}
	// The init scripts run in name order: schema, seed, then the role.
	var inits []string
	for _, v := range pg.Volumes {
		if strings.HasPrefix(v.Target, "/docker-entrypoint-initdb.d/") {
			inits = append(inits, filepath.Base(v.Target)+"="+mountedFile(t, pg, v.Target))
		}
	}
	slices.Sort(inits)
	wantInits := []string{"10-schema.sql=examples/postgres/schema.sql", "20-seed.sql=examples/postgres/seed.sql", "30-reader.sql=deploy/postgres/30-reader.sql"}
	if !slices.Equal(inits, wantInits) {
		t.Errorf("postgres init scripts %v, want %v", inits, wantInits)
	}

	// Prometheus: deploy/prometheus/prometheus.yml, whose targets are the
	// compose services, its rule files the repository's rules/.
	promFile := mountedFile(t, prom, flagValue(t, prom.Command, "--config.file"))
	if promFile != "deploy/prometheus/prometheus.yml" {
		t.Errorf("prometheus reads %s, want deploy/prometheus/prometheus.yml", promFile)
	}
	if r := flagValue(t, prom.Command, "--storage.tsdb.retention.time"); r != "3y" {
		t.Errorf("prometheus retention %s, want 3y", r)
	}
	pc := loadPrometheusConfig(t)
	checkTarget(t, p, pc.job(t, "sems_exporter"), "sems-exporter", 10127)
	checkTarget(t, p, pc.job(t, "alertmanager"), "alertmanager", 9093)
	checkTarget(t, p, pc.alertmanagers(), "alertmanager", 9093)
	var rules []string
	for _, rf := range pc.RuleFiles {
		matches, err := filepath.Glob(filepath.Join(repo, mountedFile(t, prom, rf)))
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, matches...)
	}
	if len(rules) == 0 {
		t.Errorf("prometheus rule_files %v match no file of rules/", pc.RuleFiles)
	}

	// Alertmanager: deploy/alertmanager/alertmanager.yml, and every file it
	// names (credentials, relative to its directory) given to the
	// container as a secret from .env.
	amPath := flagValue(t, am.Command, "--config.file")
	if f := mountedFile(t, am, amPath); f != "deploy/alertmanager/alertmanager.yml" {
		t.Errorf("alertmanager reads %s, want deploy/alertmanager/alertmanager.yml", f)
	}
	var amCfg any
	unmarshal(t, "deploy/alertmanager/alertmanager.yml", &amCfg)
	secrets := map[string]string{} // target -> variable
	for _, s := range am.Secrets {
		if d, ok := p.Secrets[s.Source]; ok && d.Environment != "" {
			secrets[s.Target] = d.Environment
		}
	}
	for _, f := range fileReferences(amCfg) {
		if !filepath.IsAbs(f) {
			f = filepath.Join(filepath.Dir(amPath), f)
		}
		if v, ok := secrets[f]; !ok {
			t.Errorf("alertmanager.yml needs %s, which no secret provides", f)
		} else if p.Environment[v] == "" {
			t.Errorf("secret %s comes from %s, which .env.example does not set", f, v)
		}
	}

	// Grafana: the image of deploy/grafana/VERSION, the admin password from
	// .env, the provisioned Prometheus data source pointing at the
	// prometheus service, and the repository's dashboards.
	version := strings.TrimSpace(readFile(t, "deploy/grafana/VERSION"))
	if !strings.Contains(version, ":") {
		version = "grafana/grafana:" + version
	}
	if grafana.Image != version {
		t.Errorf("grafana image %s, want %s (deploy/grafana/VERSION)", grafana.Image, version)
	}
	if pw := grafana.Environment["GF_SECURITY_ADMIN_PASSWORD"]; pw == nil || *pw != "change-me" {
		t.Errorf("grafana admin password is not GRAFANA_ADMIN_PASSWORD of the .env file")
	}
	provisioning := mountedFile(t, grafana, "/etc/grafana/provisioning")
	var datasources []string
	for _, f := range yamlFiles(t, filepath.Join(provisioning, "datasources")) {
		var ds struct {
			Datasources []struct {
				Type, URL string
				JSONData  struct {
					TimeInterval string `yaml:"timeInterval"`
				} `yaml:"jsonData"`
			}
		}
		unmarshal(t, f, &ds)
		for _, d := range ds.Datasources {
			if d.Type == "prometheus" {
				datasources = append(datasources, d.URL)
				// Grafana's smallest step is the scrape interval.
				if d.JSONData.TimeInterval != pc.Global.ScrapeInterval {
					t.Errorf("data source %s: timeInterval %q, want the scrape interval %q", d.URL, d.JSONData.TimeInterval, pc.Global.ScrapeInterval)
				}
			}
		}
	}
	if len(datasources) != 1 || datasources[0] != "http://prometheus:9090" {
		t.Errorf("Grafana's Prometheus data sources %v, want [http://prometheus:9090]", datasources)
	}
	checkTarget(t, p, []string{"prometheus:9090"}, "prometheus", 9090)
	// Every dashboard of the repository is in a directory that this
	// Grafana or the group's (deploy/group/compose.yml) provisions.
	provided := providedDashboards(t, grafana)
	for f := range providedDashboards(t, loadGroupCompose(t).Services["grafana"]) {
		provided[f] = true
	}
	dashboards, err := filepath.Glob(filepath.Join(repo, "dashboards", "*", "*.json"))
	if err != nil || len(dashboards) == 0 {
		t.Fatalf("no dashboards/*/*.json: %v", err)
	}
	for _, d := range dashboards {
		if !provided[d] {
			t.Errorf("%s is in no Grafana dashboard provider's directory", d)
		}
	}
}

// providedDashboards are the dashboard files that grafana's provisioning
// loads.
func providedDashboards(t *testing.T, grafana types.ServiceConfig) map[string]bool {
	t.Helper()
	provisioning := mountedFile(t, grafana, "/etc/grafana/provisioning")
	provided := map[string]bool{}
	for _, f := range yamlFiles(t, filepath.Join(provisioning, "dashboards")) {
		var dp struct {
			Providers []struct {
				Options struct{ Path string }
			}
		}
		unmarshal(t, f, &dp)
		for _, pr := range dp.Providers {
			dir := mountedFile(t, grafana, pr.Options.Path)
			files, err := filepath.Glob(filepath.Join(repo, dir, "*.json"))
			if err != nil || len(files) == 0 {
				t.Errorf("dashboard provider path %s (%s) has no dashboard: %v", pr.Options.Path, dir, err)
			}
			for _, f := range files {
				provided[f] = true
			}
		}
	}
	return provided
}

// fileReferences returns the values of every "*_file" key in a YAML
// document: the files a configuration reads.
func fileReferences(node any) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if s, ok := v.(string); ok && strings.HasSuffix(k, "_file") {
				out = append(out, s)
			} else {
				out = append(out, fileReferences(v)...)
			}
		}
	case []any:
		for _, v := range n {
			out = append(out, fileReferences(v)...)
		}
	}
	return out
}

// mountedFile maps a path inside a service's container to the repository
// path mounted there.
func mountedFile(t *testing.T, s types.ServiceConfig, containerPath string) string {
	t.Helper()
	abs, err := filepath.Abs(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if rest, ok := strings.CutPrefix(containerPath, v.Target); ok && (rest == "" || rest[0] == '/') {
			rel, err := filepath.Rel(abs, v.Source+rest)
			if err != nil {
				t.Fatal(err)
			}
			return rel
		}
	}
	t.Errorf("%s: nothing from the repository is mounted at %s", s.Name, containerPath)
	return ""
}

// flagValue returns the value of a --name=value argument.
func flagValue(t *testing.T, args []string, name string) string {
	t.Helper()
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	t.Errorf("no %s= in %v", name, args)
	return ""
}

// checkTarget checks that targets are exactly host:port of a compose service
// whose container listens on that port (the port it publishes).
func checkTarget(t *testing.T, p *types.Project, targets []string, service string, port uint32) {
	t.Helper()
	want := net.JoinHostPort(service, strconv.Itoa(int(port)))
	if !slices.Equal(targets, []string{want}) {
		t.Errorf("targets %v, want [%s]", targets, want)
	}
	s, ok := p.Services[service]
	if !ok {
		t.Errorf("no compose service %s", service)
		return
	}
	if !slices.ContainsFunc(s.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == port }) {
		t.Errorf("service %s does not listen on (publish) port %d", service, port)
	}
}

// prometheusConfig is the part of prometheus.yml the tests read.
type prometheusConfig struct {
	Global struct {
		ScrapeInterval string `yaml:"scrape_interval"`
	}
	RuleFiles []string `yaml:"rule_files"`
	Alerting  struct {
		Alertmanagers []struct {
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		}
	}
	ScrapeConfigs []struct {
		JobName       string                       `yaml:"job_name"`
		StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

func loadPrometheusConfig(t *testing.T) prometheusConfig {
	var c prometheusConfig
	unmarshal(t, "deploy/prometheus/prometheus.yml", &c)
	return c
}

func (c prometheusConfig) job(t *testing.T, name string) []string {
	t.Helper()
	for _, sc := range c.ScrapeConfigs {
		if sc.JobName == name {
			var out []string
			for _, s := range sc.StaticConfigs {
				out = append(out, s.Targets...)
			}
			return out
		}
	}
	t.Errorf("prometheus.yml has no job %s", name)
	return nil
}

func (c prometheusConfig) alertmanagers() []string {
	var out []string
	for _, a := range c.Alerting.Alertmanagers {
		for _, s := range a.StaticConfigs {
			out = append(out, s.Targets...)
		}
	}
	return out
}

func TestPromtoolCheckConfig(t *testing.T) {
	promtool := lookPath(t, "promtool")
	// The rule files are named by their path in the container; point them
	// at the repository's rules/ so that promtool checks them too.
	abs, err := filepath.Abs(filepath.Join(repo, "rules"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.ReplaceAll(readFile(t, "deploy/prometheus/prometheus.yml"), "/etc/prometheus/rules/", abs+"/")
	path := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "config", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), filepath.Join(abs, "sems.alerts.yml")) {
		t.Errorf("promtool did not check the rule files:\n%s", out)
	}
}

func TestAmtoolCheckConfig(t *testing.T) {
	amtool := lookPath(t, "amtool")
	out, err := exec.Command(amtool, "check-config", filepath.Join(repo, "deploy/alertmanager/alertmanager.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
}

func TestSystemdUnit(t *testing.T) {
	analyze := lookPath(t, "systemd-analyze")
	unit := readFile(t, "deploy/systemd/sems_exporter.service")
	for _, want := range []string{
		"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
		"CapabilityBoundingSet=\n", "EnvironmentFile=/etc/sems_exporter/sems_exporter.env",
		"ExecReload=/bin/kill -HUP $MAINPID",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit has no %q", strings.TrimSpace(want))
		}
	}

	// systemd-analyze verify needs ExecStart's binary to exist: point it at
	// the test build.
	const installed = "/usr/local/bin/sems_exporter"
	if !strings.Contains(unit, "ExecStart="+installed+" ") {
		t.Fatalf("ExecStart does not run %s", installed)
	}
	path := filepath.Join(t.TempDir(), "sems_exporter.service")
	if err := os.WriteFile(path, []byte(strings.Replace(unit, installed, exporterBinary, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// Exposure runs from 0 (locked down) to 10, the threshold in tenths:
	// 20 is 2.0, well inside "OK".
	if out, err := exec.Command(analyze, "security", "--offline=yes", "--threshold=20", path).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze security: exposure above 2: %v\n%s", err, out)
	}

	// ExecStart's flags exist: the exporter accepts them with --config.check.
	execStart := regexp.MustCompile(`(?m)^ExecStart=((?:.*\\\n)*.*)$`).FindStringSubmatch(unit)[1]
	args := strings.Fields(strings.ReplaceAll(execStart, "\\\n", " "))[1:]
	for i, a := range args {
		if strings.HasPrefix(a, "--config.file=") {
			args[i] = "--config.file=" + filepath.Join(repo, "examples/postgres.yml")
		}
	}
	cmd := exec.Command(exporterBinary, append(args, "--config.check")...)
	cmd.Env = append(os.Environ(), "SEMS_POSTGRES_DSN=postgres://sems_reader@127.0.0.1/sems_demo")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sems_exporter %v --config.check: %v\n%s", args, err, out)
	}
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (scripts/test.sh builds it): %v", name, err)
	}
	return p
}

func unmarshal(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal([]byte(readFile(t, path)), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// yamlFiles lists the YAML files of a repository directory.
func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(repo, dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, err := filepath.Rel(repo, f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rel)
		}
	}
	if out == nil {
		t.Errorf("no YAML file in %s", dir)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
