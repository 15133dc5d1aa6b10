#!/usr/bin/env bash
# Replay throughput (parse + decide + compare) and peak memory on the shared workload.
#
#   Benchmarks/replay/run.sh [RUNS]        (default 5 runs; prints medians)
#
# For N = 100 and 1000: the workload's 100,000 requests are decided once with
# `agate eval` and zipped into decision-log lines (make_log.py), the log is
# repeated to REPEAT × 100,000 lines, and `agate replay` (release build, every
# core) replays it against the same policies. Replay time = whole process time
# minus the time of the same command on a one-line log (start-up and policy
# compilation), so the figure is lines per second of replay proper.
# Memory: peak RSS (/usr/bin/time -v) for 1 million and 10 million lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
REPEAT=${REPEAT:-10}
DATA=${WORKLOAD:-/work/shared/workload/data}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/agate-replay-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

swift build -c release --product agate >&2
AGATE=.build/release/agate
NOW=2026-11-20T14:03:00Z

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
replay() { "$AGATE" replay --quiet --policies "$1" "$2" "${@:3}"; }

make_log() {  # N -> $TMP/log_N.jsonl (100,000 lines)
    local n=$1 policies=Tests/Workload/policies_N$1.agate
    gzip -dc "$DATA/requests_N$n.jsonl.gz" > "$TMP/requests_$n.jsonl"
    "$AGATE" eval --policies "$policies" --now "$NOW" --request "$TMP/requests_$n.jsonl" > "$TMP/answers_$n.jsonl"
    python3 Benchmarks/replay/make_log.py "$TMP/requests_$n.jsonl" "$TMP/answers_$n.jsonl" "$TMP/log_$n.jsonl"
    rm "$TMP/answers_$n.jsonl"
}

repeat_file() {  # SRC TIMES DST
    : > "$3"
    for _ in $(seq "$2"); do cat "$1" >> "$3"; done
}

echo "| N | mode | lines | replay s (median of $RUNS) | requests/s | changes |"
echo "|---:|---|---:|---:|---:|---:|"
for n in 100 1000; do
    policies=Tests/Workload/policies_N$n.agate
    make_log "$n"
    repeat_file "$TMP/log_$n.jsonl" "$REPEAT" "$TMP/big_$n.jsonl"
    head -1 "$TMP/log_$n.jsonl" > "$TMP/one_$n.jsonl"
    lines=$((REPEAT * 100000))
    changes=$(replay "$policies" "$TMP/big_$n.jsonl" --format json | python3 -c \
        'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["allow_to_deny"]+t["deny_to_allow"]+t["controls"]+t["unreadable"])')
    startup=$(for _ in $(seq "$RUNS"); do seconds replay "$policies" "$TMP/one_$n.jsonl"; done | median)
    total=$(for _ in $(seq "$RUNS"); do seconds replay "$policies" "$TMP/big_$n.jsonl"; done | median)
    net=$(echo "$total - $startup" | bc -l)
    printf '| %s | recorded log | %d | %.3f | %.0f | %s |\n' "$n" "$lines" "$net" "$(echo "$lines / $net" | bc -l)" "$changes"
    # Baseline mode: plain requests, both sets decide each one (two decisions per request).
    repeat_file "$TMP/requests_$n.jsonl" "$REPEAT" "$TMP/plain_$n.jsonl"
    total=$(for _ in $(seq "$RUNS"); do seconds replay "$policies" "$TMP/plain_$n.jsonl" --baseline "$policies" --now "$NOW"; done | median)
    net=$(echo "$total - $startup" | bc -l)
    printf '| %s | --baseline, plain requests | %d | %.3f | %.0f | — |\n' "$n" "$lines" "$net" "$(echo "$lines / $net" | bc -l)"
    rm -f "$TMP/plain_$n.jsonl" "$TMP/big_$n.jsonl"
done

echo
echo "| log lines | peak RSS MB | wall s |"
echo "|---:|---:|---:|"
# The log is streamed through a pipe (10 million lines would be ~6 GB on disk).
for times in 10 100; do
    for _ in $(seq "$times"); do cat "$TMP/log_100.jsonl"; done \
        | /usr/bin/time -v "$AGATE" replay --quiet --policies Tests/Workload/policies_N100.agate - \
        > /dev/null 2> "$TMP/time.txt"
    rss=$(awk -F: '/Maximum resident set size/ {print $2/1024}' "$TMP/time.txt")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$TMP/time.txt")
    printf '| %d | %.1f | %s |\n' "$((times * 100000))" "$rss" "$wall"
done
