package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/sems-exporter/sems_exporter/examples"
	"github.com/sems-exporter/sems_exporter/internal/demo"
)

// writeDemo writes the embedded demo configuration and the demo dataset,
// dated relative to at, into a new temporary directory.
func writeDemo(at time.Time) (string, error) {
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
	if err := demo.Generate().WriteCSV(csvDir, at.UTC()); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// removeDemo removes the directory writeDemo made, given its configuration.
func removeDemo(config string) { os.RemoveAll(filepath.Dir(config)) }
