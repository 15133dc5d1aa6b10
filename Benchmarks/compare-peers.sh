#!/usr/bin/env bash
# Whole-process comparison on the shared workload: `agate eval` (release) vs the
# Cedar and Rego runners of ../shared/workload/peers, same request files, same
# run, each timed under /usr/bin/time -v; medians of RUNS runs. Also builds and
# runs the hand-written C lower bound (peers/limit.c, N=100, decide only).
#
#   Benchmarks/compare-peers.sh                 # RUNS=3, every engine, N = 10 100 1000
#   RUNS=1 SIZES="100" ENGINES="agate cedar" Benchmarks/compare-peers.sh
#   PEER_RUNS=1 (default: RUNS) times Cedar and Rego fewer times than Agate
#   (they take minutes per run; Agate is run RUNS times between them).
#   REGO_N1000_REQUESTS=10000 (default) times Rego at N=1000 on the first 10,000
#   requests, as the workload README did (it needs ~16 ms per request);
#   REGO_N1000_REQUESTS=0 skips it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKLOAD=${AGATE_WORKLOAD:-$ROOT/../shared/workload}
RUNS=${RUNS:-3}
PEER_RUNS=${PEER_RUNS:-$RUNS}
SIZES=${SIZES:-"10 100 1000"}
ENGINES=${ENGINES:-"agate cedar rego"}
REGO_N1000_REQUESTS=${REGO_N1000_REQUESTS:-10000}
WORK=$ROOT/Benchmarks/.peers-work
VENV=$ROOT/Benchmarks/.venv-peers

[ -d "$WORKLOAD/data" ] || { echo "no workload at $WORKLOAD (set AGATE_WORKLOAD)" >&2; exit 2; }
mkdir -p "$WORK"

if [[ " $ENGINES " == *" cedar "* || " $ENGINES " == *" rego "* ]] && [ ! -x "$VENV/bin/python" ]; then
    echo "setting up the peers in $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$WORKLOAD/peers/requirements.txt"
fi

echo "building agate (release)" >&2
(cd "$ROOT" && swift build -c release --product agate >&2)
AGATE=$(cd "$ROOT" && swift build -c release --show-bin-path)/agate

for n in $SIZES; do
    [ -f "$WORK/requests_N$n.jsonl" ] || gzip -dc "$WORKLOAD/data/requests_N$n.jsonl.gz" > "$WORK/requests_N$n.jsonl"
    [ -f "$WORK/expected_N$n.jsonl" ] || gzip -dc "$WORKLOAD/data/expected_N$n.jsonl.gz" > "$WORK/expected_N$n.jsonl"
    head -n 10000 "$WORK/requests_N$n.jsonl" > "$WORK/requests_N${n}_10k.jsonl"
    head -n 10000 "$WORK/expected_N$n.jsonl" > "$WORK/expected_N${n}_10k.jsonl"
done

# run ENGINE N REQUESTS_FILE OUT_FILE -> appends "wall_s rss_kb" of one run to stdout
time_one() {
    local engine=$1 n=$2 requests=$3 out=$4 log
    log=$(mktemp)
    case $engine in
        agate) /usr/bin/time -v "$AGATE" eval --policies "$ROOT/Tests/Workload/policies_N$n.agate" \
                   --request "$requests" > "$out" 2> "$log" ;;
        cedar) /usr/bin/time -v "$VENV/bin/python" "$WORKLOAD/peers/run_cedar.py" "$n" \
                   --requests "$requests" --out "$out" > /dev/null 2> "$log" ;;
        rego)  /usr/bin/time -v "$VENV/bin/python" "$WORKLOAD/peers/run_rego.py" "$n" \
                   --requests "$requests" --out "$out" > /dev/null 2> "$log" ;;
    esac
    python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
wall = (int(m.group(1) or 0) * 60 + int(m.group(2))) * 60 + float(m.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{wall} {rss}")
PY
    rm -f "$log"
}

RESULTS=$WORK/results.tsv
: > "$RESULTS"
for n in $SIZES; do
    for engine in $ENGINES; do
        requests=$WORK/requests_N$n.jsonl expected=$WORK/expected_N$n.jsonl
        if [ "$engine" = rego ] && [ "$n" = 1000 ]; then
            [ "$REGO_N1000_REQUESTS" = 0 ] && { echo "skipping rego at N=1000" >&2; continue; }
            head -n "$REGO_N1000_REQUESTS" "$WORK/requests_N$n.jsonl" > "$WORK/requests_N${n}_rego.jsonl"
            head -n "$REGO_N1000_REQUESTS" "$WORK/expected_N$n.jsonl" > "$WORK/expected_N${n}_rego.jsonl"
            requests=$WORK/requests_N${n}_rego.jsonl expected=$WORK/expected_N${n}_rego.jsonl
        fi
        count=$(wc -l < "$requests")
        runs=$RUNS
        [ "$engine" = agate ] || runs=$PEER_RUNS
        for run in $(seq "$runs"); do
            echo "N=$n $engine run $run/$runs ($count requests)" >&2
            read -r wall rss < <(time_one "$engine" "$n" "$requests" "$WORK/out_${engine}_N$n.jsonl")
            printf '%s\t%s\t%s\t%s\t%s\n' "$engine" "$n" "$count" "$wall" "$rss" >> "$RESULTS"
        done
        agree=$(python3 "$WORKLOAD/peers/compare.py" "$expected" "$WORK/out_${engine}_N$n.jsonl" \
                | python3 -c 'import json,sys; f=list(json.load(sys.stdin)["files"].values())[0]; print("%d/%d" % (f["agree"], f["n"]))')
        printf 'agree\t%s\t%s\t%s\n' "$engine" "$n" "$agree" >> "$RESULTS"
    done
done

# The C lower bound: regenerate its pre-parsed request file with gen.py's own
# writer (into our work folder; the shared folder is read-only), then build and run.
if [[ " $SIZES " == *" 100 "* ]]; then
    echo "building the C bound (peers/limit.c)" >&2
    mkdir -p "$WORK/limit"
    (cd "$WORK/limit" && python3 - "$WORKLOAD" <<'PY'
import gzip, json, os, sys
workload = sys.argv[1]
sys.path.insert(0, os.path.join(workload, "peers"))
import gen
gen.DATA = gen.HERE = os.getcwd()
class World:
    policies = json.load(open(os.path.join(workload, "data", "policies_N100.ir.json")))
reqs = [json.loads(l) for l in gzip.open(os.path.join(workload, "data", "requests_N100.jsonl.gz"), "rt")]
decisions = [json.loads(l)["decision"] for l in gzip.open(os.path.join(workload, "data", "expected_N100.jsonl.gz"), "rt")]
gen.write_c_artifacts(World(), reqs, decisions)
PY
    )
    cmp -s "$WORK/limit/limit_n100_policies.h" "$WORKLOAD/peers/limit_n100_policies.h" \
        || { echo "regenerated limit_n100_policies.h differs from the shared one" >&2; exit 1; }
    cp "$WORKLOAD/peers/limit.c" "$WORK/limit/"
    cc -O2 -march=native -o "$WORK/limit/limit" "$WORK/limit/limit.c"
    "$WORK/limit/limit" "$WORK/limit/limit_n100.bin" 7 > "$WORK/limit/result.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("climit\t100\t%s\t%s\t%s" % (r["requests"], r["ns_per_decision_median"], r["agreement"]))' \
        "$WORK/limit/result.json" >> "$RESULTS"
fi

python3 "$ROOT/Benchmarks/peers-table.py" "$RESULTS"
