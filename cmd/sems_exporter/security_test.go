package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sems_exporter test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certFile, string(certPEM))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, pool
}

// TestTLSAndBasicAuth serves the demo through the web configuration the
// README shows, with its placeholders filled in.
func TestTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	const password = "correct horse battery staple"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		t.Fatal(err)
	}
	// htpasswd, which the README suggests, writes $2y$; Go writes $2a$.
	hash = []byte(strings.Replace(string(hash), "$2a$", "$2y$", 1))

	readme := readFile(t, "../../README.md")
	block := regexp.MustCompile("(?s)```yaml\n(tls_server_config:.*?)```").FindStringSubmatch(readme)
	if block == nil {
		t.Fatal("README.md shows no web configuration starting tls_server_config")
	}
	webConfig := strings.NewReplacer(
		"/etc/sems_exporter/tls.crt", certFile,
		"/etc/sems_exporter/tls.key", keyFile,
		"$2y$10$...", string(hash),
	).Replace(block[1])
	if strings.Contains(webConfig, "/etc/sems_exporter") || !strings.Contains(webConfig, string(hash)) {
		t.Fatalf("README.md's web configuration has changed; update this test:\n%s", block[1])
	}
	webFile := filepath.Join(dir, "web.yml")
	writeFile(t, webFile, webConfig)

	p := launch(t, "--demo", "--web.config.file="+webFile)
	secure := "https" + strings.TrimPrefix(p.url, "http")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path, user, pass string) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, secure+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body, err := get("/metrics", "prometheus", password)
		if err == nil && code == http.StatusOK && strings.Contains(body, "sems_collection_success") {
			break
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("no metrics over TLS with the right password within 60 s: %d %v", code, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	for _, tc := range []struct {
		name, path, user, pass string
		want                   int
	}{
		{"wrong password", "/metrics", "prometheus", "Correct Horse Battery Staple", http.StatusUnauthorized},
		{"unknown user", "/metrics", "admin", password, http.StatusUnauthorized},
		{"no credentials", "/metrics", "", "", http.StatusUnauthorized},
		{"landing page without credentials", "/", "", "", http.StatusUnauthorized},
		{"reload without credentials", "/-/reload", "", "", http.StatusUnauthorized},
		{"health without credentials", "/-/healthy", "", "", http.StatusUnauthorized},
		{"governance pack without credentials", "/pack", "", "", http.StatusUnauthorized},
		{"landing page", "/", "prometheus", password, http.StatusOK},
		{"governance pack", "/pack", "prometheus", password, http.StatusOK},
	} {
		code, body, err := get(tc.path, tc.user, tc.pass)
		if err != nil || code != tc.want {
			t.Errorf("%s: status %d, error %v, want %d", tc.name, code, err, tc.want)
		}
		if tc.want == http.StatusUnauthorized && (strings.Contains(body, "sems_") || strings.Contains(body, "Status of every KPI") || strings.Contains(body, "governance pack")) {
			t.Errorf("%s: the refused response holds metrics", tc.name)
		}
	}

	// Plain HTTP gets no metrics: Go's TLS server answers 400 to it.
	resp, err := http.Get(p.url + "/metrics")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "sems_") {
			t.Errorf("plain HTTP: status %d, body %.100q", resp.StatusCode, body)
		}
	}
	// A client that does not trust the certificate refuses the connection.
	if _, err := http.Get(secure + "/metrics"); err == nil {
		t.Error("a client without the certificate connected")
	}
}

// startPostgres starts a PostgreSQL server of the test's own.
func startPostgres(t *testing.T) *pgtest.Server {
	t.Helper()
	server, err := pgtest.Start()
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(server.Close)
	return server
}

func openDB(t *testing.T, dsn, setup string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(setup); err != nil {
		t.Fatal(err)
	}
	return db
}

// requirePasswords makes the server ask every role but the superuser for a
// password over TCP; the test server trusts everyone otherwise.
func requirePasswords(t *testing.T, db *sql.DB) {
	t.Helper()
	var hba string
	if err := db.QueryRow("SHOW hba_file").Scan(&hba); err != nil {
		t.Fatal(err)
	}
	rules := []string{
		"local all all trust",
		"host all postgres 127.0.0.1/32 trust",
		"host all all 127.0.0.1/32 scram-sha-256",
	}
	for i, r := range rules {
		rules[i] = pq.QuoteLiteral(r)
	}
	if _, err := db.Exec(fmt.Sprintf("COPY (SELECT unnest(ARRAY[%s])) TO %s", strings.Join(rules, ", "), pq.QuoteLiteral(hba))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
}

// awaitPasswords waits until the server, reloading its rules, refuses a
// wrong password.
func awaitPasswords(t *testing.T, wrongDSN string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		db, err := sql.Open("postgres", wrongDSN)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Ping()
		db.Close()
		if err != nil && strings.Contains(err.Error(), "password authentication failed") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server does not ask for passwords within 10 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const assetsSQL = `
CREATE TABLE assets (asset_ref text, site text, equipment_type text, status text, status_since timestamptz);
INSERT INTO assets VALUES ('A1', 'north', 'cctv', 'serviceable', now() - interval '1 day');
`

// postgresConfig is one equipment family read from PostgreSQL.
func postgresConfig(t *testing.T, source string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sems.yml")
	writeFile(t, path, `sites: [north]
sources:
  db:
`+source+`
families:
  equipment:
    source: db
    query: SELECT * FROM assets
    schedule: "@every 1s"
    timeout: 5s
`)
	return path
}

// TestDSNPasswordNeverShown runs the exporter with connection strings
// that hold a distinctive password, against an unreachable host, a real
// server with the wrong password and the right one, and in malformed
// forms. The password appears nowhere: not in the log, /metrics, the
// landing page, the served pack, a reload's answer or --config.check's output.
func TestDSNPasswordNeverShown(t *testing.T) {
	const secret = "Kq7vTz3sEcReT"
	server := startPostgres(t)
	admin, err := server.NewDatabase("secrets")
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, admin, assetsSQL+`
CREATE ROLE sems_reader LOGIN PASSWORD '`+secret+`';
GRANT SELECT ON assets TO sems_reader;
`)
	requirePasswords(t, db)
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	awaitPasswords(t, "postgres://sems_reader:wrong@"+u.Host+"/secrets?sslmode=disable")
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := closed.Addr().String()
	closed.Close()

	cases := []struct {
		name, dsn string
		fromFile  bool
		succeeds  bool
		logs      string // what the log must say about the failure
	}{
		{name: "unreachable host", dsn: "postgres://sems_reader:" + secret + "@" + unreachable + "/secrets?sslmode=disable&connect_timeout=2", logs: "connection refused"},
		{name: "wrong password", dsn: "postgres://sems_reader:x" + secret + "@" + u.Host + "/secrets?sslmode=disable", fromFile: true, logs: "password authentication failed"},
		{name: "right password", dsn: "postgres://sems_reader:" + secret + "@" + u.Host + "/secrets?sslmode=disable", succeeds: true},
		{name: "key=value form", dsn: "host=127.0.0.1 port=" + u.Port() + " user=sems_reader password=x" + secret + " dbname=secrets sslmode=disable", fromFile: true, logs: "password authentication failed"},
		{name: "unescaped slash in the password", dsn: "postgres://sems_reader:" + secret + "/x@" + u.Host + "/secrets?sslmode=disable"},
		{name: "unquoted space in the password", dsn: "host=127.0.0.1 port=" + u.Port() + " user=sems_reader password=x " + secret + " dbname=secrets"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			source := "    type: postgres\n    dsn_env: SEMS_TEST_SECRET_DSN"
			t.Setenv("SEMS_TEST_SECRET_DSN", tc.dsn)
			if tc.fromFile {
				file := filepath.Join(t.TempDir(), "dsn")
				writeFile(t, file, tc.dsn+"\n")
				source = "    type: postgres\n    dsn_file: " + file
			}
			path := postgresConfig(t, source)
			var shown strings.Builder
			check, _ := exec.Command(binary, "--config.file="+path, "--config.check").CombinedOutput()
			shown.Write(check)

			p := launch(t, "--config.file="+path, "--web.enable-lifecycle")
			// Wait for the first collection's outcome, or for the
			// exporter to refuse the source at start-up.
			var samples map[string]float64
			deadline := time.Now().Add(60 * time.Second)
			for !p.exited() {
				var ok bool
				if samples, ok = p.samples(); ok && samples[`sems_collections_total{family="equipment",source="db"}`] >= 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no collection within 60 s")
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !p.exited() {
				success := samples[`sems_collection_success{family="equipment",source="db"}`]
				if tc.succeeds != (success == 1) {
					t.Errorf("sems_collection_success = %v, want success %v", success, tc.succeeds)
				}
				// sems_reader may only SELECT assets.
				if w, ok := samples[`sems_collection_source_role_can_write{family="equipment",source="db"}`]; tc.succeeds && (w != 0 || !ok) {
					t.Errorf("sems_collection_source_role_can_write = %v (present %v) for a reader role, want 0", w, ok)
				}
				for _, page := range []string{"/metrics", "/", "/pack"} {
					resp, err := http.Get(p.url + page)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					shown.Write(body)
				}
				if resp, err := http.Post(p.url+"/-/reload", "", nil); err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					shown.Write(body)
				}
				p.stop()
			}
			log := p.output.String()
			shown.WriteString(log)
			for _, l := range strings.Split(shown.String(), "\n") {
				if strings.Contains(l, secret) {
					t.Errorf("the password is shown: %s", l)
				}
			}
			if tc.logs != "" && !strings.Contains(log, tc.logs) {
				t.Errorf("the log does not say %q", tc.logs)
			}
		})
	}

	// A connection string written in the configuration itself is refused,
	// without repeating it.
	path := postgresConfig(t, "    type: postgres\n    dsn: postgres://sems_reader:"+secret+"@"+u.Host+"/secrets")
	out, err := exec.Command(binary, "--config.file="+path, "--config.check").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown key "dsn"`) || strings.Contains(string(out), secret) {
		t.Errorf("a DSN in the configuration: error %v, output:\n%s", err, out)
	}
}

// TestRecordQueryCannotWrite gives each family a record query that tries
// to change the database, through a superuser's connection. Every
// collection fails, visibly, and the database is unchanged.
func TestRecordQueryCannotWrite(t *testing.T) {
	server := startPostgres(t)
	dsn, err := server.NewDatabase("readonly")
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dsn, assetsSQL+`
CREATE TABLE incidents (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz);
INSERT INTO incidents VALUES ('I1', 'north', 'cyber', 'high', now() - interval '2 hours', NULL);
CREATE TABLE capa (action_ref text, site text, kind text, origin text, priority text, raised_at timestamptz, due_at timestamptz);
INSERT INTO capa VALUES ('C1', 'north', 'corrective', 'audit', 'high', now() - interval '2 days', now() + interval '5 days');
CREATE TABLE training (person_ref text, site text, role_level text, course text);
INSERT INTO training VALUES ('P000123', 'north', 'operational', 'security_awareness');
CREATE TABLE covert (test_ref text, site text, test_type text, conducted_by text, conducted_at timestamptz, result text);
INSERT INTO covert VALUES ('T1', 'north', 'vehicle_search', 'internal', now() - interval '3 days', 'pass');
CREATE TABLE reports (report_ref text, site text, channel text, category text, received_at timestamptz);
INSERT INTO reports VALUES ('R1', 'north', 'voluntary', 'procedure', now() - interval '1 day');
CREATE TABLE activities (activity_ref text, site text, kind text, planned_for timestamptz, completed_at timestamptz);
INSERT INTO activities VALUES ('G1', NULL, 'management_review', now() - interval '1 day', NULL);
CREATE TABLE returns (measurement_ref text, provider text, site text, service text, measure text, period timestamptz, contracted_level float8, achieved_level float8);
INSERT INTO returns VALUES ('M1', 'secureco', 'north', 'guarding', 'patrols', now() - interval '10 days', 1, 1);
CREATE TABLE answers (assessment_ref text, assessed_at timestamptz, site text, statement text, answer text);
INSERT INTO answers VALUES ('PSA-1', now() - interval '10 days', 'north', '1', 'yes');
CREATE SEQUENCE audit_seq;
CREATE TABLE audit (note text);
CREATE FUNCTION audit_read() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit VALUES ('read'); RETURN true; END $$;
`)
	t.Setenv("SEMS_TEST_READONLY_DSN", dsn)
	queries := map[string]string{
		"equipment": "SELECT * FROM assets WHERE nextval('audit_seq') > 0",
		"incidents": "SELECT * FROM incidents WHERE audit_read()",
		// Closes the subquery the exporter wraps it in, commits the
		// read-only transaction and deletes in a new one.
		"capa":            "SELECT * FROM capa) AS x; COMMIT; DELETE FROM capa; SELECT * FROM (SELECT * FROM capa",
		"training":        "SELECT * FROM training FOR UPDATE",
		"covert_tests":    "WITH gone AS (DELETE FROM covert RETURNING *) SELECT * FROM gone",
		"reporting":       "WITH moved AS (UPDATE reports SET site = 'south' RETURNING *) SELECT * FROM moved",
		"governance":      "SELECT * FROM activities WHERE setval('audit_seq', 5) > 0",
		"providers":       "SELECT * FROM returns) AS x; TRUNCATE returns; SELECT * FROM (SELECT * FROM returns",
		"self_assessment": "WITH added AS (INSERT INTO answers VALUES ('PSA-2', now(), 'north', '2', 'no') RETURNING *) SELECT * FROM added",
	}
	text := "sites: [north]\nsources:\n  db: {type: postgres, dsn_env: SEMS_TEST_READONLY_DSN}\nfamilies:\n"
	for _, f := range collectors.Names() {
		text += fmt.Sprintf("  %s:\n    source: db\n    timeout: 10s\n    query: %q\n", f, queries[f])
		if f == "providers" { // the providers have no default list
			text += "    vocabulary: {provider: [secureco]}\n"
		}
	}
	path := filepath.Join(t.TempDir(), "sems.yml")
	writeFile(t, path, text)

	p := launch(t, "--config.file="+path)
	samples := p.until(t, "every family's first collection", func(m map[string]float64) bool {
		for _, f := range collectors.Names() {
			if m[fmt.Sprintf(`sems_collections_total{family=%q,source="db"}`, f)] < 1 {
				return false
			}
		}
		return true
	})
	p.stop()
	log := p.output.String()
	for _, f := range collectors.Names() {
		if v := samples[fmt.Sprintf(`sems_collection_success{family=%q,source="db"}`, f)]; v != 0 {
			t.Errorf("%s: a record query that writes gave sems_collection_success %v", f, v)
		}
		if !regexp.MustCompile(`msg="collection failed; no values to serve until one succeeds" family=` + f + ` `).MatchString(log) {
			t.Errorf("%s: the failure is not logged", f)
		}
	}
	for _, what := range []string{"nextval()", "INSERT", "SELECT FOR UPDATE"} {
		if !strings.Contains(log, "cannot execute "+what+" in a read-only transaction") {
			t.Errorf("the log does not show %s refused in the read-only transaction", what)
		}
	}

	for table, want := range map[string]int{"assets": 1, "incidents": 1, "capa": 1, "training": 1, "covert": 1, "reports": 1, "activities": 1, "returns": 1, "answers": 1, "audit": 0} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("table %s has %d rows after the collections, want %d", table, n, want)
		}
	}
	var called bool
	if err := db.QueryRow("SELECT is_called FROM audit_seq").Scan(&called); err != nil || called {
		t.Errorf("the sequence advanced (%v, %v)", called, err)
	}
}

// TestLabelGuard feeds records whose site and enum columns hold what a
// person identifier or free text looks like. Each is rejected and counted
// as unknown_<column>; /metrics carries no label value outside the
// configured sites and the vocabularies, and neither it nor the log holds
// any of those cells; nor do the status page, the served pack, or the
// governance pack's HTML, CSV and manifest.
func TestLabelGuard(t *testing.T) {
	dir := t.TempDir()
	csvDir := filepath.Join(dir, "csv")
	if err := os.Mkdir(csvDir, 0o700); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	writeFile(t, filepath.Join(csvDir, "equipment.csv"), `asset_ref,site,equipment_type,critical,status,status_since
A1,north,cctv,true,serviceable,`+day+`
A2,south,xray,false,unserviceable,`+day+`
A3,John Smith,cctv,false,serviceable,`+day+`
A4,north,P000123,false,serviceable,`+day+`
A5,north,cctv,false,"Broken - see Mr. Jones's note, ext. 4411!",`+day+`
`)
	writeFile(t, filepath.Join(csvDir, "incidents.csv"), `incident_ref,site,category,severity,reported_at,resolved_at
I1,north,cyber,high,`+day+`,
I2,Jane Doe,cyber,high,`+day+`,
I3,north,"Passenger J. Smith (P000124) left a bag; called police",high,`+day+`,
I4,north,cyber,P000125,`+day+`,
`)
	path := filepath.Join(dir, "sems.yml")
	writeFile(t, path, `sites: [north, south]
sources:
  exports: {type: csv, directory: csv}
families:
  equipment: {source: exports, file: equipment.csv}
  incidents: {source: exports, file: incidents.csv}
`)
	p := launch(t, "--config.file="+path)
	samples := p.waitCollected(t)
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposition, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mfs := p.scrape(t)
	pages := map[string]string{"the status page": fetch(t, p.url+"/"), "the served pack": fetch(t, p.url+"/pack")}
	p.stop()
	// The governance pack of the same records, restricted content and all.
	out := t.TempDir()
	if msg, err := runCommand(binary, "report", "--config.file="+path, "--output="+out, "--include-restricted"); err != nil {
		t.Fatalf("report: %v\n%s", err, msg)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 3 {
		t.Errorf("report wrote %v, want the HTML, the CSV and the manifest", files)
	}
	for _, file := range files {
		pages[filepath.Base(file)] = readFile(t, file)
	}

	rejected := func(family, reason string) string {
		return fmt.Sprintf(`sems_collection_records_rejected{family=%q,reason=%q,source="exports"}`, family, reason)
	}
	for key, want := range map[string]float64{
		rejected("equipment", "unknown_site"):           1,
		rejected("equipment", "unknown_equipment_type"): 1,
		rejected("equipment", "unknown_status"):         1,
		rejected("incidents", "unknown_site"):           1,
		rejected("incidents", "unknown_category"):       1,
		rejected("incidents", "unknown_severity"):       1,
		// The good records still count: A1 and A2, and I1.
		`sems_equipment_assets{equipment_type="cctv",site="north",status="serviceable"}`:   1,
		`sems_equipment_assets{equipment_type="xray",site="south",status="unserviceable"}`: 1,
		`sems_incidents_open{severity="high",site="north"}`:                                1,
		`sems_collection_records{family="equipment",source="exports"}`:                     5,
		`sems_collection_records{family="incidents",source="exports"}`:                     4,
	} {
		if samples[key] != want {
			t.Errorf("%s = %v, want %v", key, samples[key], want)
		}
	}

	// Every label value is a configured site, a vocabulary value, a KPI's
	// title or description from its definition, or an identifier the
	// exporter itself names (family, reason, kpi, ...).
	vocab := map[string][]string{"site": {"north", "south"}}
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		for _, c := range f.Columns() {
			if c.Name != "site" && c.Allowed != nil {
				vocab[c.Name] = append(vocab[c.Name], c.Allowed...)
			}
		}
		for _, k := range f.KPIs() {
			vocab["title"] = append(vocab["title"], k.Title)
			vocab["description"] = append(vocab["description"], k.Description)
		}
	}
	identifier := regexp.MustCompile(`^[a-z0-9_-]+$`)
	// A calendar month or quarter of the period indicators.
	period := regexp.MustCompile(`^(FY)?[0-9]{4}-([0-9]{2}|Q[1-4])$`)
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "sems_") || name == "sems_exporter_build_info" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "period" {
					if !period.MatchString(l.GetValue()) {
						t.Errorf("%s exports %s=%q", name, l.GetName(), l.GetValue())
					}
					continue
				}
				allowed, isVocab := vocab[l.GetName()]
				if isVocab && !slices.Contains(allowed, l.GetValue()) || !isVocab && !identifier.MatchString(l.GetValue()) {
					t.Errorf("%s exports %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	for _, cell := range []string{"John", "Jane", "Smith", "P00012", "Jones", "4411", "police"} {
		if strings.Contains(string(exposition), cell) {
			t.Errorf("/metrics holds %q", cell)
		}
		if strings.Contains(p.output.String(), cell) {
			t.Errorf("the log holds %q", cell)
		}
		for name, page := range pages {
			if strings.Contains(page, cell) {
				t.Errorf("%s holds %q", name, cell)
			}
		}
	}
}

// TestSourceErrorsShowNoRecordContent reads a timestamp from a text
// column holding a sentence with a name in it. PostgreSQL refuses the
// cast and quotes the value in its message; the exporter reports the
// failure without it.
func TestSourceErrorsShowNoRecordContent(t *testing.T) {
	server := startPostgres(t)
	dsn, err := server.NewDatabase("content")
	if err != nil {
		t.Fatal(err)
	}
	openDB(t, dsn, `
CREATE TABLE incident_log (ref text, site text, category text, severity text, reported text);
INSERT INTO incident_log VALUES ('I1', 'north', 'cyber', 'high', 'Seen by John Smith at gate 3');
`)
	t.Setenv("SEMS_TEST_CONTENT_DSN", dsn)
	path := filepath.Join(t.TempDir(), "sems.yml")
	writeFile(t, path, `sites: [north]
sources:
  db: {type: postgres, dsn_env: SEMS_TEST_CONTENT_DSN}
families:
  incidents:
    source: db
    query: SELECT ref AS incident_ref, site, category, severity, reported AS reported_at FROM incident_log
`)
	p := launch(t, "--config.file="+path)
	samples := p.until(t, "the first collection", func(m map[string]float64) bool {
		return m[`sems_collections_total{family="incidents",source="db"}`] >= 1
	})
	p.stop()
	if v := samples[`sems_collection_success{family="incidents",source="db"}`]; v != 0 {
		t.Errorf("sems_collection_success = %v, want 0", v)
	}
	log := p.output.String()
	if !strings.Contains(log, "collection failed") {
		t.Error("the failure is not logged")
	}
	for _, content := range []string{"John Smith", "gate 3"} {
		if strings.Contains(log, content) {
			t.Errorf("the log holds the record's %q", content)
		}
	}
}
