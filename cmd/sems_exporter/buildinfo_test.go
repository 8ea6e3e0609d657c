package main

import (
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/common/version"
)

// TestStampVersion: a build without the release ldflags printed an empty
// version ("version  (branch: ...").
func TestStampVersion(t *testing.T) {
	defer func(v string) { version.Version = v }(version.Version)
	for _, tc := range []struct {
		set, module string
		ok          bool
		want        string
	}{
		{"", "v0.0.0-20261130011222-52948379b47a+dirty", true, "0.0.0-20261130011222-52948379b47a+dirty"},
		{"", "v1.2.0", true, "1.2.0"},
		{"", "(devel)", true, "devel"},
		{"", "", false, "devel"},
		{"1.0.0", "v1.2.0", true, "1.0.0"}, // the ldflags win
	} {
		version.Version = tc.set
		stampVersion(&debug.BuildInfo{Main: debug.Module{Version: tc.module}}, tc.ok)
		if version.Version != tc.want {
			t.Errorf("ldflags %q, module version %q: version %q, want %q", tc.set, tc.module, version.Version, tc.want)
		}
	}

	// The test's own build, made without the ldflags, says what it is.
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); strings.Contains(first, "version  (") {
		t.Errorf("--version: %q has an empty version", first)
	}
}
