#!/usr/bin/env python3
"""Prints the table of Benchmarks/compare-peers.sh from its results.tsv:
medians of the runs, µs per request, and how many times slower each peer is
than Agate on the same N (per request, so a Rego run on fewer requests compares
fairly)."""
import collections
import statistics
import sys

runs = collections.defaultdict(list)
agree, climit = {}, None
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "agree":
        agree[(f[1], f[2])] = f[3]
    elif f[0] == "climit":
        climit = (int(f[2]), float(f[3]), f[4])
    else:
        runs[(f[0], f[1])].append((int(f[2]), float(f[3]), int(f[4])))

rows, agate_us = [], {}
for (engine, n), values in runs.items():
    count = values[0][0]
    wall = statistics.median(v[1] for v in values)
    rss = statistics.median(v[2] for v in values) / 1024
    us = wall / count * 1e6
    if engine == "agate":
        agate_us[n] = us
    rows.append((engine, n, count, len(values), wall, us, rss))

print(f"| engine | N | requests | runs | whole process s (median) | µs/request | peak RSS MB | × Agate | agreement |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
order = {"agate": 0, "cedar": 1, "rego": 2}
for engine, n, count, k, wall, us, rss in sorted(rows, key=lambda r: (int(r[1]), order.get(r[0], 9))):
    ratio = f"{us / agate_us[n]:.0f}×" if engine != "agate" and n in agate_us else "1×" if engine == "agate" else "—"
    print(f"| {engine} | {n} | {count:,} | {k} | {wall:.2f} | {us:.2f} | {rss:.0f} | {ratio} | {agree.get((engine, n), '—')} |")
if climit:
    print(f"| C bound (decide only, pre-parsed) | 100 | {climit[0]:,} | 7 passes | — | {climit[1] / 1000:.4f} | — | — | {climit[2]} |")
