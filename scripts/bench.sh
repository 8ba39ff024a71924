#!/usr/bin/env bash
# Measures meterd against what the machine allows, in one run: the standard
# scenarios of issue 9 against the bare floor (SigV4, decoding, an answer),
# the fsync floor (the same plus a group-committed, fsync'd append), meterd
# (`meterd serve` with the bench fixture, a fresh data directory per
# scenario) and moto (BatchMeterUsage only; skipped without moto_server).
# Prints one table with the ratios the targets are stated in, the cold start
# and meterd's peak RSS. Absolute figures vary from run to run; the ratios
# of one run are what compares.
#
# Environment: BENCH_DURATION (5s), BENCH_WARMUP (1s), BENCH_BUYERS (2000),
# BENCH_REPEAT (1: each figure is the median of this many runs, each of
# meterd's on a fresh data directory), BENCH_COLD_RUNS (5), BENCH_OUT (a
# directory to keep every report in; default: a temporary one, removed),
# BENCH_SOAK (unset: no soak; e.g. 10m: meterd under MeterUsage c=16 for
# that long, its resident set sampled every 10 s, to show it stays flat).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-5s}
warmup=${BENCH_WARMUP:-1s}
buyers=${BENCH_BUYERS:-2000}
cold_runs=${BENCH_COLD_RUNS:-5}
repeat=${BENCH_REPEAT:-1}
command -v jq >/dev/null || { echo "bench.sh: needs jq" >&2; exit 1; }

work=$(mktemp -d)
out=${BENCH_OUT:-$work/reports}
mkdir -p "$out"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The standard scenarios: name, scenario, concurrency.
scenarios=(
  "MeterUsage c=1|meter-usage|1"
  "MeterUsage c=16|meter-usage|16"
  "MeterUsage c=64|meter-usage|64"
  "Batch25 c=1|batch25|1"
  "Batch25 c=16|batch25|16"
  "GetEntitlements JSON c=16|entitlements-json|16"
  "GetEntitlements CBOR c=16|entitlements-cbor|16"
  "Idempotent resends c=16|idempotent|16"
)

echo "building meterd" >&2
go build -o "$work/meterd" ./cmd/meterd
meterd=$work/meterd
"$meterd" bench fixture --buyers "$buyers" "$work/seed.yaml" >/dev/null

# start NAME CMD...: runs CMD in the background, waits for the first line
# of its --json output and sets url and pid.
start() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1200); do
    # The line may be half-written: wait until it parses and holds a url
    # (jq 1.6 -e succeeds on empty input, hence the test of url).
    url=$(head -1 "$work/$name.out" | jq -r '.url // empty' 2>/dev/null || true)
    [ -n "$url" ] && return
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench.sh: $name did not start:" >&2
  cat "$work/$name.err" >&2
  exit 1
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# load TARGET URL SCENARIO CONCURRENCY RUN: one measured run, kept as JSON.
load() {
  echo "  $1: $3 c=$4 (run $5)" >&2
  "$meterd" bench --json --url "$2" --token bench --buyers "$buyers" --scenario "$3" \
    --concurrency "$4" --duration "$duration" --warmup "$warmup" >"$out/$1-$3-c$4-r$5.json"
}

# peak_rss_kb PID: the process's peak resident set (VmHWM), in kB.
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "floors" >&2
start floor "$meterd" bench floor --json --addr 127.0.0.1:0 --buyers "$buyers"
floor_url=$url floor_pid=$pid
start fsync "$meterd" bench floor --json --fsync --file "$work/floor-records.tsv" --addr 127.0.0.1:0 --buyers "$buyers"
fsync_url=$url fsync_pid=$pid
for row in "${scenarios[@]}"; do
  IFS='|' read -r _ scenario c <<<"$row"
  for r in $(seq "$repeat"); do
    load floor "$floor_url" "$scenario" "$c" "$r"
    load fsync "$fsync_url" "$scenario" "$c" "$r"
  done
done
stop "$floor_pid"
stop "$fsync_pid"

echo "meterd (fresh data directory per scenario)" >&2
rss_kb=0
for row in "${scenarios[@]}"; do
  IFS='|' read -r _ scenario c <<<"$row"
  for r in $(seq "$repeat"); do
    data=$work/data
    start meterd env METERD_ADMIN_TOKEN=bench "$meterd" serve --json --addr 127.0.0.1:0 --data "$data" \
      --seed "$work/seed.yaml" --throttle=false --log-level error
    load meterd "$url" "$scenario" "$c" "$r"
    rss=$(peak_rss_kb "$pid")
    [ "$rss" -gt "$rss_kb" ] && rss_kb=$rss
    stop "$pid"
    rm -rf "$data"
  done
done

# soak: meterd's resident set under steady load, sampled every 10 s.
soak=${BENCH_SOAK:-}
soak_row="meterd RSS over a soak|MB|-|-|-|-|-|-|flat (set BENCH_SOAK=10m)"
if [ -n "$soak" ]; then
  echo "soak: meterd under MeterUsage c=16 for $soak" >&2
  data=$work/soak-data
  start meterd env METERD_ADMIN_TOKEN=bench "$meterd" serve --json --addr 127.0.0.1:0 --data "$data" \
    --seed "$work/seed.yaml" --throttle=false --log-level error
  soak_pid=$pid
  "$meterd" bench --json --url "$url" --token bench --buyers "$buyers" --scenario meter-usage \
    --concurrency 16 --duration "$soak" --warmup 0s >"$out/soak.json" &
  load_pid=$!
  samples=()
  while kill -0 "$load_pid" 2>/dev/null; do
    samples+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/$soak_pid/status")")
    sleep 10
  done
  wait "$load_pid"
  stop "$soak_pid"
  n=${#samples[@]}
  # After one minute (the caches are warm) against the end, and the largest.
  first=${samples[$((n > 6 ? 6 : 0))]}
  last=${samples[$((n - 1))]}
  max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
  soak_row="meterd RSS over a $soak soak|MB at 1 min / end / max|-|-|$((first / 1024)) / $((last / 1024)) / $((max / 1024))|-|-|-|flat, < 100"
fi

moto=no
if command -v moto_server >/dev/null; then
  echo "moto" >&2
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  moto_server -p "$port" >"$work/moto.err" 2>&1 &
  moto_pid=$!
  pids+=("$moto_pid")
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  for c in 1 16; do
    for r in $(seq "$repeat"); do load moto "http://127.0.0.1:$port" batch25 "$c" "$r"; done
  done
  stop "$moto_pid"
  moto=yes
else
  echo "moto_server not found: moto skipped" >&2
fi

echo "cold start" >&2
cold=$("$meterd" bench cold-start --json --runs "$cold_runs" | jq .medianMs)

median='sort | .[(length - 1) / 2 | floor]'
# field TARGET SCENARIO C JQ AGGREGATE: a figure of the reports of a target
# and scenario, aggregated over its runs by the jq AGGREGATE ($median: the
# lower middle one); "-" when there are none.
field() {
  local files=("$out/$1-$2-c$3"-r*.json)
  if [ -s "${files[0]}" ]; then
    jq -s -r "map($4) | $5" "${files[@]}"
  else
    echo -
  fi
}
# ratio A B: A/B with two decimals, "-" when either is missing or B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# One line per figure; the last columns are the ratios the targets use.
{
  echo "scenario|figure|floor|fsync floor|meterd|moto|meterd/fsync|meterd/moto|target"
  for row in "${scenarios[@]}"; do
    IFS='|' read -r name scenario c <<<"$row"
    # label;jq expression per report;aggregate over runs (errors add up)
    figures=("req/s;.requestsPerSecond | floor;$median" "p99 ms;.latencyMs.p99;$median"
      "errors;[.errors[]] | add // 0;add")
    [ "$scenario" = batch25 ] && figures=("records/s;.recordsPerSecond | floor;$median" "${figures[@]}")
    for fig in "${figures[@]}"; do
      IFS=';' read -r label expr agg <<<"$fig"
      fl=$(field floor "$scenario" "$c" "$expr" "$agg")
      fs=$(field fsync "$scenario" "$c" "$expr" "$agg")
      me=$(field meterd "$scenario" "$c" "$expr" "$agg")
      mo=$(field moto "$scenario" "$c" "$expr" "$agg")
      target=
      case "$name|$label" in
        "MeterUsage c=64|req/s") target=">= 0.75 of fsync" ;;
        "MeterUsage c=64|p99 ms") target="<= 2.00 x fsync" ;;
        "Batch25 c=16|records/s") target=">= 0.70 of fsync, >= 10 x moto" ;;
      esac
      vs_moto=-
      [ "$label" = "records/s" ] && vs_moto=$(ratio "$me" "$mo")
      vs_fsync=-
      [ "$label" != errors ] && vs_fsync=$(ratio "$me" "$fs")
      echo "$name|$label|$fl|$fs|$me|$mo|$vs_fsync|$vs_moto|$target"
    done
  done
  echo "cold start (median of $cold_runs)|ms to first MeterUsage|-|-|$cold|-|-|-|< 100"
  echo "meterd peak RSS (all scenarios)|MB|-|-|$((rss_kb / 1024))|-|-|-|< 100"
  echo "$soak_row"
} | column -t -s '|'
echo
echo "duration $duration per run after $warmup warm-up; median of $repeat run(s); $buyers buyers; $(nproc) cores; moto: $moto"
