#!/usr/bin/env bash
# Measures `cfwatch report` against decompression alone and against
# GoAccess, on a 1,000,000-line gzipped CloudFront log and on the same
# volume in 24 hourly files (the way CloudFront delivers a day), and
# reports peak resident memory. The 24 files are also read with GOMAXPROCS
# 1, 2 and every core of the machine (report reads that many files at
# once), and with --parallel 1 (one file at a time). Usage:
# scripts/bench-report.sh (needs goaccess for the comparison: apt-get
# install goaccess). Take figures on an otherwise idle machine: the script
# prints the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-1000000}
DATA=${DATA:-$HOME/.cache/cfwatch-bench/report}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
mkdir -p "$DATA"

go build -o "$BIN/cfwatch" ./cmd/cfwatch
go build -o "$BIN/kgunzip" ./scripts/kgunzip

START=2026-11-19T00:00:00Z
ONE="$DATA/E2QWRUHEXAMPLE.2026-11-19-00.single$LINES.gz"
[ -f "$ONE" ] || "$BIN/cfwatch" loggen --single "$ONE" --lines "$LINES" --start "$START" --duration 24h --rate $((LINES / 24)) 2>/dev/null
HOURLY="$DATA/hourly$LINES"
[ -d "$HOURLY" ] || "$BIN/cfwatch" loggen --out "$HOURLY" --start "$START" --duration 24h --rate $((LINES / 24)) --files-per-hour 1 2>/dev/null
PLAIN="$DATA/single$LINES.log"
[ -f "$PLAIN" ] || "$BIN/kgunzip" < "$ONE" > "$PLAIN"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
WINDOW=(--from 2026-11-18T00:00:00Z --until 2026-11-21T00:00:00Z)

# best of 3 wall-clock seconds (RUNS to change), and the peak RSS of that run in MB
measure() {
  local best="" rss=""
  for _ in $(seq "${RUNS:-3}"); do
    /usr/bin/time -o "$BIN/time" -f '%e %M' "$@" > /dev/null 2>&1
    local out t m
    out=$(tail -1 "$BIN/time")
    t=${out% *} m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $((rss / 1024))"
}

read -r t_dec m_dec < <(measure sh -c "\"$BIN/kgunzip\" < \"$ONE\"")
read -r t_rep m_rep < <(measure "$BIN/cfwatch" report --source "$ONE" "${WINDOW[@]}" --format json --fail-on none)
read -r t_hr m_hr < <(measure "$BIN/cfwatch" report --source "$HOURLY" "${WINDOW[@]}" --format json --fail-on none)
read -r t_h1 m_h1 < <(measure "$BIN/cfwatch" report --source "$HOURLY" "${WINDOW[@]}" --format json --fail-on none --parallel 1)
CORES=$(nproc)
declare -A t_mp m_mp
for p in $(printf '%s\n' 1 2 "$CORES" | sort -nu); do
  read -r "t_mp[$p]" "m_mp[$p]" < <(GOMAXPROCS=$p measure "$BIN/cfwatch" report --source "$HOURLY" "${WINDOW[@]}" --format json --fail-on none)
done
# The plain file GoAccess reads (it cannot read gzip): the same data for both.
read -r t_pl m_pl < <(measure "$BIN/cfwatch" report --source "$PLAIN" "${WINDOW[@]}" --format json --fail-on none)

printf 'input: %s lines, %s MB gzipped, %s MB plain\n' "$LINES" \
  "$(( $(stat -c %s "$ONE") / 1000000 ))" "$(( $(stat -c %s "$PLAIN") / 1000000 ))"
printf '%-44s %8s s  %6s MB peak RSS\n' "decompress alone (klauspost)" "$t_dec" "$m_dec"
printf '%-44s %8s s  %6s MB peak RSS  (%.2fx decompression)\n' "report, one file" "$t_rep" "$m_rep" "$(awk "BEGIN{print $t_rep/$t_dec}")"
printf '%-44s %8s s  %6s MB peak RSS  (%.2fx decompression)\n' "report, 24 hourly files" "$t_hr" "$m_hr" "$(awk "BEGIN{print $t_hr/$t_dec}")"
printf '%-44s %8s s  %6s MB peak RSS  (%.2fx decompression)\n' "report, 24 hourly files, --parallel 1" "$t_h1" "$m_h1" "$(awk "BEGIN{print $t_h1/$t_dec}")"
for p in $(printf '%s\n' 1 2 "$CORES" | sort -nu); do
  printf '%-44s %8s s  %6s MB peak RSS  (%.2fx decompression)\n' "report, 24 hourly files, GOMAXPROCS=$p" "${t_mp[$p]}" "${m_mp[$p]}" "$(awk "BEGIN{print ${t_mp[$p]}/$t_dec}")"
done
printf '%-44s %8s s  %6s MB peak RSS\n' "report, the plain file" "$t_pl" "$m_pl"
if command -v goaccess >/dev/null; then
  read -r t_ga m_ga < <(measure goaccess "$PLAIN" --log-format=CLOUDFRONT -o "$BIN/ga.json")
  printf '%-44s %8s s  %6s MB peak RSS\n' "goaccess $(goaccess --version | head -1 | awk '{print $3}' | sed 's/\.$//') on the plain file" "$t_ga" "$m_ga"
  printf 'report is %.1fx faster than goaccess on the same (plain) file; %.1fx reading the gzipped file instead\n' \
    "$(awk "BEGIN{print $t_ga/$t_pl}")" "$(awk "BEGIN{print $t_ga/$t_rep}")"
else
  echo "goaccess not installed: apt-get install goaccess for the comparison"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
