#!/usr/bin/env bash
# Runs every test. Installs what the tests need and is missing (PostgreSQL
# server binaries; Debian's Prometheus and Alertmanager, the oldest
# versions supported) and builds today's Prometheus, Alertmanager and
# Thanos (scripts/tools.sh, cached between runs); the tests start their own
# servers on loopback and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/promtool ] || missing+=(prometheus)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
# timeout stops a run that hangs past its -fuzztime instead of holding CI.
echo "fuzz (bounded)"
timeout 120 go test -run='^$' -fuzz='^FuzzParse$' -fuzztime=20s -fuzzminimizetime=2s ./internal/config
timeout 120 go test -run='^$' -fuzz='^FuzzReadCSV$' -fuzztime=20s -fuzzminimizetime=2s ./internal/source
