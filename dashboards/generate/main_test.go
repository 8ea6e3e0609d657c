package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed dashboards are exactly what the generator writes, so the
// JSON can be reviewed and provisioned as it is and still never drifts
// from its source.
func TestCommittedDashboardsAreGenerated(t *testing.T) {
	fs, err := files()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range fs {
		got, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Errorf("%v: run go run ./dashboards/generate", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("dashboards/%s differs from what the generator writes: run go run ./dashboards/generate", path)
		}
	}
	// No stale dashboard left behind by a rename.
	committed, err := filepath.Glob("../*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range committed {
		if _, ok := fs[strings.TrimPrefix(filepath.ToSlash(c), "../")]; !ok {
			t.Errorf("%s is not written by the generator", c)
		}
	}
}

// The dashboards are written for the Grafana release the deployment runs.
func TestGrafanaVersionIsPinned(t *testing.T) {
	data, err := os.ReadFile("../../deploy/grafana/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	image := strings.TrimSpace(string(data))
	if want := "grafana/grafana:" + grafanaVersion; image != want {
		t.Errorf("deploy/grafana/VERSION is %q, the dashboards are written for %q", image, want)
	}
}
