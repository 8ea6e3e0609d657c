// Package e2e checks the deployment files (docker-compose.yml, the Dockerfile,
// deploy/) against each other and runs the whole stack natively on loopback:
// PostgreSQL, the exporter, Prometheus and Alertmanager with the repository's
// own configuration files, from a row in the source system to a notification.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repo is the repository root, relative to this package.
const repo = "../.."

// exporterBinary is built by TestMain with the Dockerfile's own build
// command, so the stack runs the binary the image would contain.
var exporterBinary string

// Stamped into the test build through the Dockerfile's build arguments.
const (
	buildVersion  = "9.8.7-e2e"
	buildRevision = "e2e0123456789"
	buildBranch   = "e2e-branch"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sems-e2e-bin-")
	if err != nil {
		panic(err)
	}
	exporterBinary = filepath.Join(dir, "sems_exporter")
	if err := dockerfileBuild(exporterBinary); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var dockerfileArg = regexp.MustCompile(`\$\{([A-Z_]+)\}`)

// dockerfileBuild runs the Dockerfile's `go build` step on this machine, its
// build arguments set to the constants above and its output to out.
func dockerfileBuild(out string) error {
	cmd, err := dockerfileGoBuild()
	if err != nil {
		return err
	}
	args := map[string]string{"VERSION": buildVersion, "REVISION": buildRevision, "BRANCH": buildBranch, "BUILD_DATE": "20260101-00:00:00"}
	var unknown []string
	cmd = dockerfileArg.ReplaceAllStringFunc(cmd, func(m string) string {
		name := dockerfileArg.FindStringSubmatch(m)[1]
		v, ok := args[name]
		if !ok {
			unknown = append(unknown, name)
		}
		return v
	})
	if unknown != nil {
		return fmt.Errorf("Dockerfile build step uses build arguments this test does not set: %v", unknown)
	}
	if !strings.Contains(cmd, "-o /out/sems_exporter ") {
		return fmt.Errorf("Dockerfile build step does not write /out/sems_exporter:\n%s", cmd)
	}
	cmd = strings.Replace(cmd, "-o /out/sems_exporter ", "-o "+out+" ", 1)
	ctx, err := os.MkdirTemp("", "sems-e2e-context-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(ctx)
	if err := dockerContext(ctx); err != nil {
		return err
	}
	c := exec.Command("sh", "-c", cmd)
	c.Dir = ctx
	if b, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("building the exporter with the Dockerfile's command %q: %v\n%s", cmd, err, b)
	}
	return nil
}

// dockerContext copies the repository into dir as docker build sends it,
// without what .dockerignore excludes, so that the build shows the context
// is enough. Only the patterns this repository uses are understood: names
// at the top of the context, with wildcards.
func dockerContext(dir string) error {
	ignore, err := os.ReadFile(filepath.Join(repo, ".dockerignore"))
	if err != nil {
		return err
	}
	var patterns []string
	for _, line := range strings.Split(string(ignore), "\n") {
		p := strings.TrimPrefix(strings.TrimSpace(line), "/")
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		if _, err := filepath.Match(p, ""); err != nil || strings.ContainsAny(p, "/!") {
			return fmt.Errorf(".dockerignore: %q: this test only understands top-level patterns", line)
		}
		patterns = append(patterns, p)
	}
	entries, err := os.ReadDir(repo)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if slices.ContainsFunc(patterns, func(p string) bool { ok, _ := filepath.Match(p, e.Name()); return ok }) {
			continue
		}
		src, dst := filepath.Join(repo, e.Name()), filepath.Join(dir, e.Name())
		if e.IsDir() {
			err = os.CopyFS(dst, os.DirFS(src))
		} else {
			var b []byte
			if b, err = os.ReadFile(src); err == nil {
				err = os.WriteFile(dst, b, 0o644)
			}
		}
		if err != nil {
			return fmt.Errorf("copying the build context: %w", err)
		}
	}
	return nil
}

// dockerfileGoBuild returns the shell command of the Dockerfile's RUN
// instruction that runs `go build`, continuation lines joined.
func dockerfileGoBuild() (string, error) {
	b, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		return "", err
	}
	for _, ins := range dockerfileInstructions(string(b)) {
		if ins.cmd == "RUN" && strings.Contains(ins.args, "go build") {
			return ins.args, nil
		}
	}
	return "", fmt.Errorf("the Dockerfile has no RUN ... go build step")
}

type instruction struct{ cmd, args string }

// dockerfileInstructions splits a Dockerfile into instructions, skipping
// comments and joining lines continued with a backslash.
func dockerfileInstructions(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	return out
}

// readFile reads a file of the repository.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
