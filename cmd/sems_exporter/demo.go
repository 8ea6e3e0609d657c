package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/sems-exporter/sems_exporter/examples"
	"github.com/sems-exporter/sems_exporter/internal/demo"
)

// exitHooks run before the exporter exits on an error: os.Exit skips
// deferred calls, and the demo's temporary directory would stay behind.
var exitHooks []func()

func atExit(f func()) { exitHooks = append(exitHooks, f) }

// exit runs the exit hooks, then exits with code.
func exit(code int) {
	for _, f := range slices.Backward(exitHooks) {
		f()
	}
	os.Exit(code)
}

// defaultDemoSeed is the --demo.seed default: the committed examples' seed.
var defaultDemoSeed = strconv.FormatUint(demo.DefaultSeed, 10)

// writeDemo writes the embedded demo configuration and the demo dataset
// from seed, dated relative to at, into a new temporary directory.
func writeDemo(at time.Time, seed uint64) (string, error) {
	dir, err := os.MkdirTemp("", "sems-demo-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "demo.yml"), examples.DemoConfig, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	csvDir := filepath.Join(dir, "csv")
	if err := os.Mkdir(csvDir, 0o700); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := demo.GenerateSeed(seed).WriteCSV(csvDir, at.UTC()); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
