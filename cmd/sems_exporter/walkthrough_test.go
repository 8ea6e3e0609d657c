package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/pgtest"
)

// walkthroughBlocks returns the sh code blocks of a section of a Markdown
// file, in order.
func walkthroughBlocks(t *testing.T, file, section string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "\n"+section+"\n")
	if i < 0 {
		t.Fatalf("%s has no section %q", file, section)
	}
	text = text[i+len(section)+2:]
	if j := strings.Index(text, "\n## "); j >= 0 {
		text = text[:j]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// replaceOnce replaces old, which must be there, in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("the walkthrough no longer says %q:\n%s", old, s)
	}
	return strings.Replace(s, old, new, 1)
}

// TestPostgresWalkthrough runs the commands of examples/README.md's
// PostgreSQL demo as a reader would, from the repository root, against a
// server that asks the exporter's role for its password. The one change is
// the exporter's port: 10127 may be taken where the tests run.
func TestPostgresWalkthrough(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) != "" {
		t.Skipf("the walkthrough creates a role, which a shared server may hold already; unset %s", pgtest.EnvDSN)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	blocks := walkthroughBlocks(t, filepath.Join(root, "examples/README.md"), "## The PostgreSQL demo")
	if len(blocks) != 4 {
		t.Fatalf("want 4 command blocks (load, role, exporter, curl), got %d", len(blocks))
	}
	server := startPostgres(t)
	env, err := server.Env()
	if err != nil {
		t.Fatal(err)
	}
	adminDSN, err := server.NewDatabase("walkthrough_admin")
	if err != nil {
		t.Fatal(err)
	}
	requirePasswords(t, openDB(t, adminDSN, "SELECT 1"))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()

	// Everything up to the exporter runs in one shell, as typed in one
	// terminal; the exporter keeps it running.
	serve := strings.Join(blocks[:3], "")
	serve = replaceOnce(t, serve, "--config.file=examples/postgres.yml", "--config.file=examples/postgres.yml --web.listen-address=127.0.0.1:"+port)
	var out bytes.Buffer
	cmd := exec.Command("bash", "-e", "-c", serve)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		<-exited
		os.Remove(filepath.Join(root, "sems_exporter"))
	})

	// The other terminal: every site of every family graded, once the
	// first collections are in.
	look := replaceOnce(t, blocks[3], "localhost:10127", "127.0.0.1:"+port)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			t.Fatalf("the walkthrough's commands ended (%v):\n%s", err, out.String())
		default:
		}
		got, _ := exec.Command("bash", "-c", look).Output()
		lines := strings.Split(strings.TrimSpace(string(got)), "\n")
		// 5 built-in families' and 3 configured indicators' headline KPIs
		// at 4 sites: at least 8 × 4 = 32 lines, more than 20 whatever
		// indicator the demo drops.
		if len(lines) >= 20 && collectedWithoutFailure(t, port) {
			for _, site := range []string{"north", "south", "harbour", "valley"} {
				if !strings.Contains(string(got), fmt.Sprintf("site=%q", site)) {
					t.Errorf("no RAG status for site %s:\n%s", site, got)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no RAG status within 3 minutes; curl printed:\n%s\nthe commands printed:\n%s", got, out.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// collectedWithoutFailure says whether every family has collected, and
// the last collection of each succeeded.
func collectedWithoutFailure(t *testing.T, port string) bool {
	t.Helper()
	out, err := exec.Command("curl", "-s", "127.0.0.1:"+port+"/metrics").Output()
	if err != nil {
		return false
	}
	var total, ok int
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "sems_collection_success{") {
			total++
			if strings.HasSuffix(line, " 1") {
				ok++
			}
		}
	}
	return total > 0 && ok == total
}
