package main

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sems-exporter/sems_exporter/examples"
	"github.com/sems-exporter/sems_exporter/internal/demo"
)

// defaultDemoSeed is the --demo.seed default: the committed examples' seed.
var defaultDemoSeed = strconv.FormatUint(demo.DefaultSeed, 10)

// writeDemo writes the embedded demo configuration and a freshly generated
// demo dataset from seed, dated relative to now, into a new temporary
// directory.
func writeDemo(seed uint64) (string, error) {
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
	if err := demo.GenerateSeed(seed).WriteCSV(csvDir, time.Now().UTC()); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
