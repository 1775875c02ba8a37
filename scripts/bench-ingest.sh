#!/usr/bin/env bash
# Measures `ingest --local` on the 1,000,000-line gzipped benchmark log
# against decompressing the file alone and against DuckDB 1.4 converting
# the same file to Parquet (read_csv → COPY … (FORMAT parquet, COMPRESSION
# zstd)), all in one run; the peak resident memory of ingest and DuckDB; and
# the Lambda binary's cold start to its first poll for work.
#
# Usage: scripts/bench-ingest.sh
#   RUNS=10        timed runs of each command (hyperfine if installed:
#                  apt-get install hyperfine; else a loop with /usr/bin/time)
#   RSS_RUNS=3     runs under /usr/bin/time for peak memory
#   COLD_RUNS=20   cold starts of the Lambda binary
#   LINES=1000000  records in the benchmark file (internal/benchdata's file,
#                  cached in ~/.cache/cfwatch-bench; made if missing)
# Needs a C compiler for DuckDB (cgo); measure on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-1000000}
RUNS=${RUNS:-10}
RSS_RUNS=${RSS_RUNS:-3}
COLD_RUNS=${COLD_RUNS:-20}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cfwatch-bench
THREADS=$(nproc)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BIN=$WORK/bin OUT=$WORK/out
mkdir -p "$BIN" "$OUT"

echo "building…" >&2
go build -o "$BIN/ingest" ./cmd/ingest
go build -o "$BIN/kgunzip" ./scripts/kgunzip
go build -o "$BIN/coldstart" ./scripts/coldstart
CGO_ENABLED=1 go build -o "$BIN/duckconvert" ./internal/duckdbtest/cmd/duckconvert
# The Lambda binary as the Makefile builds it (INGEST_BUILD).
CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o "$BIN/bootstrap" ./cmd/ingest

# internal/benchdata's cached file, the one `make bench` measures; a
# benchmark that reads it makes it when it is missing.
find_file() { ls -t "$CACHE"/E2QWRUHEXAMPLE.2026-11-19-00.bench"$LINES".*.gz 2> /dev/null | head -1 || true; }
FILE=$(find_file)
if [ -z "$FILE" ]; then
  echo "generating the $LINES-line benchmark file in $CACHE…" >&2
  CFWATCH_BENCH_LINES=$LINES go test ./logparse -run '^$' -bench '^BenchmarkDecompress$' -benchtime 1x > /dev/null
  FILE=$(find_file)
fi
[ -n "$FILE" ] || { echo "no benchmark file in $CACHE" >&2; exit 1; }

# The benchmark file spans a day (25 hour partitions). A CloudFront log file
# holds one hour: the same number of lines within one hour is measured too.
HOUR_FILE=$WORK/E2QWRUHEXAMPLE.2026-11-20-14.onehour.gz
echo "generating a one-hour $LINES-line file…" >&2
go run ./cmd/loggen --single "$HOUR_FILE" --lines "$LINES" --duration 1h --rate "$LINES" --start 2026-11-20T14:00:00Z > /dev/null

INGEST=("$BIN/ingest" --local "$FILE" --out "$OUT/ingest")
INGEST_HOUR=("$BIN/ingest" --local "$HOUR_FILE" --out "$OUT/ingest")
DUCK=("$BIN/duckconvert" --threads "$THREADS" --log "$WORK/copy.log" "$FILE" "$OUT/duckdb.parquet")
CLEAN="rm -rf $OUT/ingest $OUT/duckdb.parquet"

# Check both converters before timing them: every record, one way or the other.
$CLEAN
ingest_out=$("${INGEST[@]}")
duck_out=$("${DUCK[@]}")
tr -d , <<<"$ingest_out" | grep -q " $LINES records (0 lines skipped)" ||
  { echo "ingest did not read $LINES records:"; echo "$ingest_out"; exit 1; } >&2
grep -q "rows=$LINES " <<<"$duck_out" || { echo "duckconvert did not write $LINES rows: $duck_out" >&2; exit 1; }
DUCKDB_VERSION=$(sed -n 's/.*duckdb=\([^ ]*\).*/\1/p' <<<"$duck_out")

# busy: the share of CPU time other processes used over 3 seconds, in %.
busy() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 3
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," "); split(b,y," "); printf "%.0f", 100*(y[1]-x[1])/((y[1]-x[1])+(y[2]-x[2]))}'
}
busy_before=$(busy)
if ((busy_before > 10)); then
  echo "warning: the CPUs were ${busy_before}% busy before the run: timings will be high" >&2
fi

# timed NAME PREPARE CMD…: prints "median min" wall-clock seconds over RUNS
# runs. On a shared machine the best run is the steadier figure: another
# process's burst lengthens some runs, nothing shortens one.
timed() {
  local name=$1 prepare=$2
  shift 2
  if command -v hyperfine > /dev/null; then
    local args=() a
    for a in "$@"; do args+=("$(printf '%q' "$a")"); done
    hyperfine --style none --runs "$RUNS" --warmup 1 --prepare "$prepare" \
      --export-csv "$WORK/$name.csv" "${args[*]}" > /dev/null 2>&1 ||
      { echo "$name failed under hyperfine" >&2; return 1; }
    # command,mean,stddev,median,user,system,min,max
    awk -F, 'NR==2{printf "%.3f %.3f\n", $4, $7}' "$WORK/$name.csv"
  else
    local ts=() i
    for ((i = 0; i < RUNS; i++)); do
      sh -c "$prepare"
      /usr/bin/time -o "$WORK/time" -f '%e' "$@" > /dev/null 2>&1
      ts+=("$(tail -1 "$WORK/time")")
    done
    printf '%s\n' "${ts[@]}" | sort -n | awk '{t[NR]=$1} END{m=(NR%2)?t[(NR+1)/2]:(t[NR/2]+t[NR/2+1])/2; printf "%.3f %.3f\n", m, t[1]}'
  fi
}

# peak PREPARE CMD…: prints the largest "Maximum resident set size" in MB
# over RSS_RUNS runs.
peak() {
  local prepare=$1 max=0 i kb
  shift
  for ((i = 0; i < RSS_RUNS; i++)); do
    sh -c "$prepare"
    /usr/bin/time -v -o "$WORK/timev" "$@" > /dev/null 2>&1
    kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$WORK/timev")
    ((kb > max)) && max=$kb
  done
  echo "$((max / 1024))"
}

echo "timing ($RUNS runs each)…" >&2
read -r t_dec min_dec < <(timed kgunzip true sh -c "\"$BIN/kgunzip\" < \"$FILE\"")
read -r t_gz min_gz < <(timed gzip true sh -c "gzip -dc \"$FILE\"")
read -r t_ing min_ing < <(timed ingest "$CLEAN" "${INGEST[@]}")
read -r t_hdec min_hdec < <(timed kgunzip-hour true sh -c "\"$BIN/kgunzip\" < \"$HOUR_FILE\"")
read -r t_hing min_hing < <(timed ingest-hour "$CLEAN" "${INGEST_HOUR[@]}")
: > "$WORK/copy.log"
read -r t_duck min_duck < <(timed duckdb "$CLEAN" "${DUCK[@]}")
# COPY alone, in the same runs (the warm-up's line included).
t_copy=$(sed -n 's/.*copy_seconds=\([0-9.]*\).*/\1/p' "$WORK/copy.log" | sort -n |
  awk '{t[NR]=$1} END{m=(NR%2)?t[(NR+1)/2]:(t[NR/2]+t[NR/2+1])/2; printf "%.3f %.3f", m, t[1]}')
read -r t_copy min_copy <<<"$t_copy"

echo "peak memory ($RSS_RUNS runs each)…" >&2
m_dec=$(peak true sh -c "\"$BIN/kgunzip\" < \"$FILE\" > /dev/null")
m_ing=$(peak "$CLEAN" "${INGEST[@]}")
m_hing=$(peak "$CLEAN" "${INGEST_HOUR[@]}")
m_duck=$(peak "$CLEAN" "${DUCK[@]}")

echo "cold starts ($COLD_RUNS)…" >&2
cold=$("$BIN/coldstart" -n "$COLD_RUNS" -env CFWATCH_OUTPUT_BUCKET=bench-dataset "$BIN/bootstrap" 2> /dev/null)
cs() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$cold"; }
busy_after=$(busy)

ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
verdict() { if awk "BEGIN{exit !($1)}"; then echo "ok"; else echo "MISSED"; fi; }

printf '\n%s, %s cores; CPUs %s%% busy before the run, %s%% after\n' "$(uname -m)" "$THREADS" "$busy_before" "$busy_after"
printf 'input: %s (%s lines, %s MB gzipped)\n' "$(basename "$FILE")" "$LINES" "$(($(stat -c %s "$FILE") / 1000000))"
printf 'wall-clock seconds, median and best of %s runs (%s)\n\n' "$RUNS" "$(command -v hyperfine > /dev/null && hyperfine --version || echo '/usr/bin/time')"
printf '%-58s %8s %8s %10s\n' "" "median" "best" "peak RSS"
printf '%-58s %8s %8s %7s MB\n' "decompress alone (klauspost gzip, scripts/kgunzip)" "$t_dec" "$min_dec" "$m_dec"
printf '%-58s %8s %8s %10s\n' "decompress alone (gzip -dc, for reference)" "$t_gz" "$min_gz" ""
printf '%-58s %8s %8s %7s MB\n' "ingest --local FILE --out DIR" "$t_ing" "$min_ing" "$m_ing"
printf '%-58s %8s %8s %7s MB\n' "DuckDB $DUCKDB_VERSION read_csv -> COPY parquet zstd, $THREADS threads" "$t_duck" "$min_duck" "$m_duck"
printf '%-58s %8s %8s\n' "  of which COPY alone (same runs)" "$t_copy" "$min_copy"
printf '%-58s %8s %8s\n' "one-hour file: decompress alone (kgunzip)" "$t_hdec" "$min_hdec"
printf '%-58s %8s %8s %7s MB\n' "one-hour file: ingest --local (1 hour partition)" "$t_hing" "$min_hing" "$m_hing"
printf '\nLambda bootstrap, exec to first poll: min %s ms, median %s ms, max %s ms (%s runs; the first %s ms)\n' \
  "$(cs min_ms)" "$(cs median_ms)" "$(cs max_ms)" "$COLD_RUNS" "$(cs first_ms)"
echo
r_id=$(ratio "$t_ing" "$t_dec") b_id=$(ratio "$min_ing" "$min_dec")
r_di=$(ratio "$t_duck" "$t_ing") b_di=$(ratio "$min_duck" "$min_ing")
r_ci=$(ratio "$t_copy" "$t_ing")
printf '%-44s %6sx  goal ≤ 2x   %-6s (best runs: %sx %s)\n' "ingest / decompression" "$r_id" "$(verdict "$r_id <= 2")" "$b_id" "$(verdict "$b_id <= 2")"
r_hd=$(ratio "$t_hing" "$t_hdec") b_hd=$(ratio "$min_hing" "$min_hdec")
printf '%-44s %6sx  goal ≤ 2x   %-6s (best runs: %sx %s)\n' "  the one-hour file" "$r_hd" "$(verdict "$r_hd <= 2")" "$b_hd" "$(verdict "$b_hd <= 2")"
printf '%-44s %6sx  goal ≥ 2x   %-6s (best runs: %sx %s)\n' "DuckDB (whole process) / ingest" "$r_di" "$(verdict "$r_di >= 2")" "$b_di" "$(verdict "$b_di >= 2")"
printf '%-44s %6sx  goal ≥ 2x   %s\n' "DuckDB (COPY alone) / ingest" "$r_ci" "$(verdict "$r_ci >= 2")"
printf '%-44s %6s MB goal < 200  %s\n' "ingest peak RSS" "$m_ing" "$(verdict "$m_ing < 200")"
printf '%-44s %6s MB goal < 200  %s\n' "  the one-hour file" "$m_hing" "$(verdict "$m_hing < 200")"
printf '%-44s %6s ms goal < 50   %s\n' "Lambda cold start to first poll (median)" "$(cs median_ms)" "$(verdict "$(cs median_ms) < 50")"
