#!/usr/bin/env bash
# Measures `report` against decompression alone and against GoAccess, on a
# 1,000,000-line gzipped CloudFront log and on the same volume in 24 hourly
# files, and reports peak resident memory. Usage: scripts/bench-report.sh
# (needs goaccess for the comparison: apt-get install goaccess).
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-1000000}
DATA=${DATA:-$HOME/.cache/cfwatch-bench/report}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
mkdir -p "$DATA"

go build -o "$BIN/report" ./cmd/report
go build -o "$BIN/loggen" ./cmd/loggen
go build -o "$BIN/kgunzip" ./scripts/kgunzip

START=2026-11-19T00:00:00Z
ONE="$DATA/E2QWRUHEXAMPLE.2026-11-19-00.single$LINES.gz"
[ -f "$ONE" ] || "$BIN/loggen" --single "$ONE" --lines "$LINES" --start "$START" --duration 24h --rate $((LINES / 24)) 2>/dev/null
HOURLY="$DATA/hourly$LINES"
[ -d "$HOURLY" ] || "$BIN/loggen" --out "$HOURLY" --start "$START" --duration 24h --rate $((LINES / 24)) --files-per-hour 1 2>/dev/null
PLAIN="$DATA/single$LINES.log"
[ -f "$PLAIN" ] || "$BIN/kgunzip" < "$ONE" > "$PLAIN"

WINDOW=(--from 2026-11-18T00:00:00Z --until 2026-11-21T00:00:00Z)

# best of 3 wall-clock seconds, and the peak RSS of that run in MB
measure() {
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -o "$BIN/time" -f '%e %M' "$@" > /dev/null 2>&1
    local out t m
    out=$(tail -1 "$BIN/time")
    t=${out% *} m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $((rss / 1024))"
}

read -r t_dec m_dec < <(measure sh -c "\"$BIN/kgunzip\" < \"$ONE\"")
read -r t_rep m_rep < <(measure "$BIN/report" --source "$ONE" "${WINDOW[@]}" --format json --fail-on none)
read -r t_hr m_hr < <(measure "$BIN/report" --source "$HOURLY" "${WINDOW[@]}" --format json --fail-on none)
# The plain file GoAccess reads (it cannot read gzip): the same data for both.
read -r t_pl m_pl < <(measure "$BIN/report" --source "$PLAIN" "${WINDOW[@]}" --format json --fail-on none)

printf 'input: %s lines, %s MB gzipped, %s MB plain\n' "$LINES" \
  "$(( $(stat -c %s "$ONE") / 1000000 ))" "$(( $(stat -c %s "$PLAIN") / 1000000 ))"
printf '%-44s %8s s  %6s MB peak RSS\n' "decompress alone (klauspost)" "$t_dec" "$m_dec"
printf '%-44s %8s s  %6s MB peak RSS  (%.2fx decompression)\n' "report, one file" "$t_rep" "$m_rep" "$(awk "BEGIN{print $t_rep/$t_dec}")"
printf '%-44s %8s s  %6s MB peak RSS  (%.2fx decompression)\n' "report, 24 hourly files" "$t_hr" "$m_hr" "$(awk "BEGIN{print $t_hr/$t_dec}")"
printf '%-44s %8s s  %6s MB peak RSS\n' "report, the plain file" "$t_pl" "$m_pl"
if command -v goaccess >/dev/null; then
  read -r t_ga m_ga < <(measure goaccess "$PLAIN" --log-format=CLOUDFRONT -o "$BIN/ga.json")
  printf '%-44s %8s s  %6s MB peak RSS\n' "goaccess $(goaccess --version | head -1 | awk '{print $3}' | sed 's/\.$//') on the plain file" "$t_ga" "$m_ga"
  printf 'report is %.1fx faster than goaccess on the same (plain) file; %.1fx reading the gzipped file instead\n' \
    "$(awk "BEGIN{print $t_ga/$t_pl}")" "$(awk "BEGIN{print $t_ga/$t_rep}")"
else
  echo "goaccess not installed: apt-get install goaccess for the comparison"
fi
