package main

import (
	"runtime/debug"
	"strings"

	"github.com/prometheus/common/version"
)

// stampVersion fills the version that release builds set with -ldflags
// (Dockerfile, docs/deployment.md) from what Go records in every build:
// the module's version, a tag or, since Go 1.24, a pseudo-version made of
// the commit's time and hash ("+dirty" when the tree had changes). A build
// without either, such as go run's, says "devel". The revision needs no
// help: the version package reads it from the same record.
func stampVersion(info *debug.BuildInfo, ok bool) {
	if version.Version != "" {
		return
	}
	version.Version = "devel"
	if ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version.Version = strings.TrimPrefix(info.Main.Version, "v")
	}
}
