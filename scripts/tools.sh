#!/usr/bin/env bash
# Builds the servers the tests run against, at the versions below, from the
# Go module proxy, and prints the directory that holds the binaries, for
# PATH. Each build is kept in a cache directory of this project, keyed by
# tool, version, build tags and Go version, so a later run finds it and
# builds nothing; Go's own build and module caches make a rebuild after a
# version change cheap. SEMS_TOOLS_CACHE overrides the cache directory.
#
# Each tool is built inside its own module at the released version, with
# its own go.mod and go.sum: the dependency versions its maintainers
# release with, its replace directives included (which `go install
# module@version` refuses), and nothing added to this repository's go.mod.
set -euo pipefail

cache=${SEMS_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sems_exporter-tools}
bin="$cache/bin"
mkdir -p "$bin"
# One build at a time: test runs from several checkouts share the cache.
exec 9>"$cache/.lock"
flock 9
goversion=$(go env GOVERSION)

# build NAME MODULE VERSION RELEASE TAGS PACKAGE...: builds the packages
# (paths inside the module) into $cache/NAME-VERSION-TAGS-GOVERSION, stamped
# with the release's version as its own release process does, and links
# the binaries from $bin.
build() {
  local name=$1 module=$2 version=$3 release=$4 tags=$5
  shift 5
  local key="$name-$version-${tags//,/+}-$goversion"
  local out="$cache/$key"
  if [ ! -f "$out/.complete" ]; then
    echo "building $name $version (tags: ${tags:-none}) into $out" >&2
    local began=$SECONDS
    local src
    src=$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -n "$src" ] || { echo "go mod download $module@$version gave no directory" >&2; exit 1; }
    # A writable copy: the module cache is read-only, and Alertmanager needs
    # files added before it compiles.
    local work="$cache/src/$name-$version"
    rm -rf "$work" "$out"
    mkdir -p "$cache/src" "$out"
    cp -r "$src" "$work"
    chmod -R u+w "$work"
    prepare "$name" "$work"
    local pkgs=()
    for p in "$@"; do pkgs+=("./$p"); done
    # GOWORK=off: Prometheus's go.work names modules its release leaves out.
    (cd "$work" && GOWORK=off go build -tags "$tags" -o "$out/" \
      -ldflags "-X github.com/prometheus/common/version.Version=$release" "${pkgs[@]}")
    rm -rf "$work"
    touch "$out/.complete"
    echo "built $name $version in $((SECONDS - began))s" >&2
  fi
  for p in "$@"; do
    ln -sfn "$out/$(basename "$p")" "$bin/$(basename "$p")"
  done
}

# prepare NAME DIR makes a module's source buildable where the released
# module is not. Alertmanager embeds its web UI from ui/app/dist, which the
# release builds with npm and Elm and the module leaves out; the tests use
# only its API, so a page saying so stands in for the UI.
prepare() {
  case $1 in
  alertmanager)
    local page='<!doctype html><title>Alertmanager</title><p>This Alertmanager was built without its web UI; its API is complete.</p>'
    local ui
    for ui in elm mantine; do
      mkdir -p "$2/ui/app/dist/$ui"
      printf '%s\n' "$page" >"$2/ui/app/dist/$ui/index.html"
    done
    ;;
  esac
}

# Prometheus 3.16.0 is module version v0.316.0. The tests use static
# targets only, so the service discovery plugins are left out
# (remove_all_sd), and with them most of the dependencies.
build prometheus github.com/prometheus/prometheus v0.316.0 3.16.0 remove_all_sd cmd/prometheus cmd/promtool
build alertmanager github.com/prometheus/alertmanager v0.35.0 0.35.0 "" cmd/alertmanager cmd/amtool
# Without netgo and slicelabels, Thanos's receive, sidecar, store and query
# panic at start-up.
build thanos github.com/thanos-io/thanos v0.42.4 0.42.4 netgo,slicelabels cmd/thanos

echo "$bin"
