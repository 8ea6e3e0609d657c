#!/usr/bin/env bash
# Runs every test. Installs what the tests need and is missing (PostgreSQL
# server binaries; Debian's Prometheus and Alertmanager, the oldest
# versions supported; Node with npm, Chromium and poppler-utils, and
# Grafana's data code from npm, pinned) and builds today's Prometheus,
# Alertmanager and Thanos (scripts/tools.sh, cached between runs); the
# tests start their own servers on loopback and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/promtool ] || missing+=(prometheus)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
command -v npm >/dev/null || missing+=(nodejs npm)
# The pack is printed and the status page screenshotted in a real browser.
command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# @grafana/data, which the dashboards' live test renders panels with, at
# the versions package-lock.json pins; again only when the lock changed.
check=test/grafana-check
if [ ! "$check/node_modules/.package-lock.json" -nt "$check/package-lock.json" ]; then
  echo "npm ci in $check"
  npm ci --prefix "$check" --no-audit --no-fund --loglevel=error
fi

echo "building Prometheus, Alertmanager and Thanos (scripts/tools.sh)"
began=$SECONDS
tools=$(bash scripts/tools.sh)
echo "servers ready in $((SECONDS - began))s: $tools"
debian_path=$PATH
export PATH="$tools:$PATH"

echo "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
echo "go vet"
go vet ./...
# The hostile-input suite (TestHostile* in each package's hostile_test.go:
# sources that stop answering, files that never end, malformed exports,
# idle clients, secrets in the wrong place) runs here with the rest.
echo "go test -race"
go test -race -count=1 "$@" ./...

# The oldest supported versions, Debian's Prometheus 2.42 and Alertmanager
# 0.25: the rules, the routing and the configuration files, which are what
# an organisation runs on them, are checked with their promtool, amtool and
# Alertmanager too.
echo "go test on Debian's Prometheus and Alertmanager"
PATH=$debian_path go test -count=1 "$@" ./rules ./deploy/alertmanager
PATH=$debian_path go test -count=1 -run '^(TestPromtoolCheckConfig|TestAmtoolCheckConfig)$' "$@" ./test/e2e

# A bounded fuzzing run of the configuration loader and the CSV reader, so
# the fuzz targets cannot rot; their committed corpora already ran above.
# Minimising each new input is bounded too: by default it may take a minute
# per input, and the run would spend its time minimising, not fuzzing. The
# instrumented test binary is built first, untimed (on a loaded machine the
# build alone can take minutes); the timeout then bounds only the fuzzing,
# stopping a run that hangs instead of holding CI. The run is bounded by a
# count of inputs, not a duration: Go 1.26's fuzzing coordinator can report
# "context deadline exceeded" as a failure when a duration ends while a
# worker is busy (go.dev/issue/75804), with no failing input. 50,000
# inputs took 9 s (configuration) and 28 s (CSV) on two cores.
echo "fuzz (bounded)"
fuzz() { # package dir, fuzz target
  local bin
  bin="$(mktemp -d)/fuzz.test"
  go test -c -fuzz="^$2\$" -o "$bin" "./$1"
  (cd "$1" && timeout 120 "$bin" -test.run='^$' -test.fuzz="^$2\$" -test.fuzztime=50000x \
    -test.fuzzminimizetime=2s -test.fuzzcachedir="$(go env GOCACHE)/fuzz/$(go list "./")")
  rm -r "$(dirname "$bin")"
}
fuzz internal/config FuzzParse
fuzz internal/source FuzzReadCSV
