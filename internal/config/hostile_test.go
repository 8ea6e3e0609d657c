package config

// The hostile-input suite of the configuration: secret files that never
// end or block, connection strings written where a name belongs, schedules
// and timeouts that passed validation and failed, or were quietly changed,
// at run time.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// loadWithin loads a configuration, failing the test if that hangs.
func loadWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("loading %s did not end within 5 s", path)
		return nil
	}
}

func postgresSource(dsnKey, dsnValue string) string {
	return strings.Replace(base, "dsn_env: SEMS_VALIDATION_DSN", dsnKey+": "+dsnValue, 1)
}

// TestHostileSecretFiles points dsn_file at /dev/zero (read for ever), a
// named pipe (blocked --config.check and reload) and a 1 MiB file; and the
// configuration file itself at a named pipe.
func TestHostileSecretFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"/dev/zero": "/dev/zero is not a regular file (a device)",
		fifo:        fifo + " is not a regular file (a named pipe)",
		big:         big + " is larger than 65536 bytes",
	} {
		err := loadWithin(t, write(t, postgresSource("dsn_file", file)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("dsn_file %s: error %v, want %q", file, err, want)
		}
	}
	if err := loadWithin(t, fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a configuration file that is a named pipe: error %v", err)
	}
}

// TestHostileDSNInPlaceOfName writes connection strings where the name of
// the variable or file belongs: the error used to quote them, password and
// all, in --config.check, the log and the reload's answer.
func TestHostileDSNInPlaceOfName(t *testing.T) {
	const password = "Hunter2"
	for key, value := range map[string]string{
		"dsn_env":  "postgres://reader:" + password + "@db/sems",
		"dsn_file": "'host=db user=reader password=" + password + "'",
	} {
		err := loadWithin(t, write(t, postgresSource(key, value)))
		if err == nil {
			t.Errorf("%s holding a connection string was accepted", key)
			continue
		}
		if strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "not shown") {
			t.Errorf("%s: error %q, want it refused without the value", key, err)
		}
	}
	for _, path := range []string{"postgres://reader:" + password + "@db/sems", "postgresql://db/sems?password=" + password} {
		if !looksLikeDSN.MatchString(path) {
			t.Errorf("%q is not taken for a connection string", path)
		}
	}
	if looksLikeDSN.MatchString("/run/secrets/sems_dsn") {
		t.Error("a secret's path is taken for a connection string")
	}
}

// TestHostileSchedulesAndTimeouts: a 30-day timeout passed and failed
// every PostgreSQL collection; "@every 1ms", "0s" and "-1s" quietly became
// 1 s; a cron that never fires was accepted with an interval of 0; a query
// of ";" was accepted.
func TestHostileSchedulesAndTimeouts(t *testing.T) {
	t.Setenv("SEMS_VALIDATION_DSN", "postgres://reader@db/sems")
	family := "  incidents:\n    source: db\n    query: SELECT * FROM incident_log\n"
	for name, tc := range map[string]struct{ old, new, want string }{
		"30-day timeout":     {family, family + "    timeout: 30d\n", "timeout must be positive and at most 1d, got 30d"},
		"@every 1ms":         {family, family + "    schedule: \"@every 1ms\"\n", `schedule "@every 1ms" runs more often than min_interval 1s allows`},
		"@every 0s":          {family, family + "    schedule: \"@every 0s\"\n", `runs more often than min_interval 1s allows`},
		"@every -1s":         {family, family + "    schedule: \"@every -1s\"\n", `runs more often than min_interval 1s allows`},
		"min_interval":       {family, family + "    schedule: \"*/5 * * * *\"\n", `runs more often than min_interval 10m0s allows`},
		"never fires":        {family, family + "    schedule: \"0 0 30 2 *\"\n", `schedule "0 0 30 2 *" never fires`},
		"semicolon query":    {"query: SELECT * FROM incident_log", `query: ";"`, "the record query is empty"},
		"rejected ratio > 1": {family, family + "    max_rejected_ratio: 1.5\n", "max_rejected_ratio must be between 0 and 1, got 1.5"},
		"min_interval < 1 s": {"sites:", "min_interval: 500ms\nsites:", "min_interval must be at least 1s"},
	} {
		text := strings.Replace(base, tc.old, tc.new, 1)
		if name == "min_interval" {
			text = "min_interval: 10m\n" + text
		}
		_, err := Load(write(t, text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
	for query, want := range map[string]string{
		"SELECT 1; ;":                  "SELECT 1",
		"SELECT 1; -- c":               "SELECT 1",
		"SELECT 1;\n-- a\n  -- b\n;":   "SELECT 1",
		"SELECT ';' AS s -- c":         "SELECT ';' AS s -- c",
		"SELECT 'a;b' AS s; -- note\n": "SELECT 'a;b' AS s",
	} {
		if got := records.TrimQuery(query); got != want {
			t.Errorf("TrimQuery(%q) = %q, want %q", query, got, want)
		}
	}
}

// TestHostileHugeMapping: a file with 6,000 sources is refused before it
// is decoded, whose check for repeated keys is quadratic.
func TestHostileHugeMapping(t *testing.T) {
	var b strings.Builder
	b.WriteString("sites: [north]\nsources:\n")
	for i := range 6000 {
		fmt.Fprintf(&b, "  s%d: {type: csv, directory: csv}\n", i)
	}
	_, err := Parse(filepath.Join(t.TempDir(), "sems.yml"), []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "sems.yml:3: a mapping of 6000 entries: at most 5000 are read") {
		t.Errorf("error %v", err)
	}
}

// BenchmarkParseSources validates configurations of many csv sources, up
// to the most a mapping may hold: the time per source should not grow
// with their number.
//
//	go test -run='^$' -bench=ParseSources ./internal/config
func BenchmarkParseSources(b *testing.B) {
	dir := b.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{500, 5000} {
		var text strings.Builder
		text.WriteString("sites: [north]\nsources:\n")
		for i := range n {
			fmt.Fprintf(&text, "  s%d: {type: csv, directory: csv}\n", i)
		}
		text.WriteString("families:\n  incidents: {source: s0, file: incidents.csv}\n")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(filepath.Join(dir, "sems.yml"), []byte(text.String())); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/source")
		})
	}
}
