#!/usr/bin/env bash
# Lint benchmark: generates a 10,000-policy file and measures `agate lint`
# (release build) wall time and peak memory with /usr/bin/time -v, median of 3.
# Target: < 1 s and < 200 MB.
#
# Usage: Benchmarks/lint/run.sh [POLICIES]   (from the repository root)
set -euo pipefail

count="${1:-10000}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

swift build -c release --product agate --package-path "$root" >/dev/null
agate="$root/.build/release/agate"

python3 - "$count" > "$work/large.agate" <<'PY'
import sys
n = int(sys.argv[1])
print('policyset "bench"')
print('let corp = [10.0.0.0/8, 192.168.0.0/16, 2001:db8::/32]')
print('let hours = schedule mon..fri 08:00..18:00 "Europe/London"')
kinds = ["allow", "deny", "limit"]
for i in range(n):
    kind = kinds[i % 3]
    print(f'policy p{i} {{')
    print(f'  description "generated policy {i}"')
    print(f'  target subject.blueprint == "blueprint-{i % 97}"')
    print(f'  target audience in ["https://app{i % 13}.contoso.com", "https://graph.contoso.com"]')
    print(f'  when location.ip in corp and time in hours and risk.level <= medium')
    print(f'   and (subject has sponsor and subject.sponsor like "*@contoso.com")')
    print(f'   and not (any s in scopes: s matches /\\.Write(All)?$/i)')
    if kind == "allow":
        print('  allow { token_lifetime 30m scopes ["Reports.Read", "Files.Read"] }')
    elif kind == "deny":
        print(f'  deny "generated deny {i}"')
    else:
        print('  limit { require "human_approval" }')
    print('}')
PY

echo "file: $(wc -l < "$work/large.agate") lines, $(du -h "$work/large.agate" | cut -f1), $count policies"
for run in 1 2 3; do
    /usr/bin/time -v "$agate" lint --strict "$work/large.agate" > "$work/out.txt" 2> "$work/time.$run" || {
        echo "lint failed:"; tail -20 "$work/out.txt"; exit 1; }
done
python3 - "$work" <<'PY'
import re, statistics, sys
walls, rss = [], []
for run in (1, 2, 3):
    text = open(f"{sys.argv[1]}/time.{run}").read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    walls.append(int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3)))
    rss.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024)
print(f"wall: median {statistics.median(walls):.3f} s (runs {', '.join(f'{w:.3f}' for w in walls)})")
print(f"peak RSS: median {statistics.median(rss):.1f} MB (runs {', '.join(f'{r:.1f}' for r in rss)})")
PY
