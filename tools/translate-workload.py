#!/usr/bin/env python3
"""Translate the shared workload's neutral policy IR into Agate source.

    tools/translate-workload.py IR.json [--name NAME] > policies.agate
    tools/translate-workload.py --all WORKLOAD_DATA_DIR OUT_DIR

One Agate policy per IR policy, named by the IR id (`pol-0042` -> `pol_0042`),
in IR order. Sets that several policies share become `let`s. The meaning of
each IR kind follows peers/common.py (the Python oracle, Cedar and Rego
translations agree on it):

  permit -> allow, forbid -> deny "<reason>", default deny.
  Time windows are [start_s, end_s) on the UTC second of the day, on ISO
  weekdays: `time in schedule DAYS HH:MM..HH:MM "UTC"`; a window covering
  every day and the whole day is left out, as the other translations do.
  "Every requested scope in S" is `all s in scopes: s in S` (true when no
  scope is requested, like Python's all()).
  A scope regex is matched anywhere in the scope (Python re.search); the IR
  regexes are anchored, so `matches` (PCRE2, unanchored) is the same.

Only the Python standard library is used. The output is deterministic.
"""
import argparse
import json
import os
import sys

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")   # ISO 1..7
ALL_DAYS = (1, 2, 3, 4, 5, 6, 7)
GLOBAL_ALLOWED_COUNTRIES = (
    "GB", "US", "IE", "DE", "FR", "NL", "BE", "ES", "IT", "PT", "SE", "NO",
    "DK", "FI", "PL", "CH", "AT", "CA", "AU", "NZ", "JP", "SG", "IN", "BR",
    "MX", "ZA", "AE", "IL", "KR", "CZ")


def q(s):
    """An Agate string literal."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def regex(pattern):
    return "/" + pattern.replace("/", "\\/") + "/"


def time_of_day(seconds):
    seconds = min(seconds, 86400)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def days_text(days):
    """[1,2,3,5,6] -> 'mon..wed, fri..sat' (runs of two or more become ranges)."""
    days = sorted(set(days))
    runs, start, prev = [], None, None
    for d in days + [None]:
        if start is not None and d == prev + 1:
            prev = d
            continue
        if start is not None:
            runs.append(WEEKDAYS[start - 1] if start == prev
                        else f"{WEEKDAYS[start - 1]}..{WEEKDAYS[prev - 1]}")
        start = prev = d
    return ", ".join(runs)


def window_is_trivial(days, start_s, end_s):
    return tuple(sorted(set(days))) == ALL_DAYS and start_s == 0 and end_s >= 86400


def schedule(days, start_s, end_s):
    return f'schedule {days_text(days)} {time_of_day(start_s)}..{time_of_day(end_s)} "UTC"'


class Lets:
    """Names for sets that more than one policy uses, in first-use order."""

    FIELDS = (("audiences", "audiences"), ("scopes", "scopes"), ("countries", "countries"),
              ("allowed", "countries"), ("cidrs", "networks"))

    def __init__(self, policies):
        counts, order = {}, []
        for p in policies:
            for field, family in self.FIELDS:
                value = p.get(field)
                if isinstance(value, list) and len(value) > 1:
                    key = (family, tuple(value))
                    if key not in counts:
                        order.append(key)
                    counts[key] = counts.get(key, 0) + 1
        self.names, numbers = {}, {}
        for key in order:
            if counts[key] < 2:
                continue
            family, value = key
            if family == "countries" and sorted(value) == sorted(GLOBAL_ALLOWED_COUNTRIES):
                name = "global_allowed_countries"
            else:
                numbers[family] = numbers.get(family, 0) + 1
                name = f"{family}_{numbers[family]}"
            self.names[key] = name

    def declarations(self):
        out = []
        for (family, value), name in self.names.items():
            out.append(f"let {name} = {literal_set(family, value)}")
        return out

    def ref(self, family, value):
        name = self.names.get((family, tuple(value)))
        return name if name else literal_set(family, value)


def literal_set(family, values):
    if family == "networks":
        return "[" + ", ".join(values) + "]"
    return "[" + ", ".join(q(v) for v in values) + "]"


def risk_set(levels):
    return "[" + ", ".join(levels) + "]"


def ip_in(lets, cidrs):
    if len(cidrs) == 1:
        return f"location.ip in {cidrs[0]}"
    return f"location.ip in {lets.ref('networks', cidrs)}"


def every_scope_in(lets, scopes):
    return f"(all s in scopes: s in {lets.ref('scopes', scopes)})"


def audience_target(lets, audiences):
    if len(audiences) == 1:
        return f"audience == {q(audiences[0])}"
    return f"audience in {lets.ref('audiences', audiences)}"


def translate_policy(p, lets):
    """-> (targets, conditions, effect line, summary) of one IR policy."""
    k = p["kind"]
    targets, conds = [], []
    if k == "blueprint_access":
        targets = [f"subject.blueprint == {q(p['blueprint'])}",
                   audience_target(lets, p["audiences"]),
                   "subject.kind == agent"]
        conds = [f"risk.level in {risk_set(p['risk_levels'])}", every_scope_in(lets, p["scopes"])]
        if not window_is_trivial(p["days"], p["start_s"], p["end_s"]):
            conds.append(f"time in {schedule(p['days'], p['start_s'], p['end_s'])}")
        conds.append(ip_in(lets, p["cidrs"]))
        summary = f"blueprint `{p['blueprint']}` reaches its audiences within its limits"
    elif k == "group_access":
        targets = [audience_target(lets, [p["audience"]]), f"{q(p['group'])} in subject.groups"]
        conds = [f"location.country in {lets.ref('countries', p['countries'])}",
                 f"risk.level in {risk_set(p['risk_levels'])}",
                 every_scope_in(lets, p["scopes"])]
        summary = f"members of `{p['group']}` reach {p['audience']} within their limits"
    elif k == "risk_high":
        targets = ["subject.kind == agent"]
        conds = ["risk.level == high"]
        summary = "agents at high sign-in risk are blocked"
    elif k == "risk_score":
        targets = [audience_target(lets, [p["audience"]])]
        conds = [f"risk.score >= {p['min_score']}"]
        summary = f"a risk score of {p['min_score']} or more is blocked for {p['audience']}"
    elif k == "scope_regex":
        if p.get("audience"):
            targets.append(audience_target(lets, [p["audience"]]))
        targets.append(f"subject.blueprint like {q(p['prefix'] + '*')}")
        conds = [f"any s in scopes: s matches {regex(p['regex'])}"]
        summary = f"`{p['prefix']}*` blueprints may not ask for scopes matching `{p['regex']}`"
    elif k == "country":
        if p.get("audience"):
            targets.append(audience_target(lets, [p["audience"]]))
        conds = [f"location.country not in {lets.ref('countries', p['allowed'])}"]
        summary = "the caller's country is not allowed"
    elif k == "blocked_cidr":
        conds = [ip_in(lets, p["cidrs"])]
        summary = "the caller's network is blocked"
    elif k == "off_hours":
        assert not window_is_trivial(p["days"], p["start_s"], p["end_s"]), p["id"]
        targets = [audience_target(lets, [p["audience"]])]
        conds = [f"not (time in {schedule(p['days'], p['start_s'], p['end_s'])})"]
        summary = f"{p['audience']} is reachable only in its hours"
    elif k == "sponsor_domain":
        targets = [audience_target(lets, [p["audience"]])]
        conds = [f"not (subject.sponsor like {q('*' + p['domain'])})"]
        summary = f"agents reaching {p['audience']} need a sponsor at `{p['domain']}`"
    else:
        raise ValueError(f"unknown IR kind {k!r} in {p['id']}")
    effect = "allow" if p["effect"] == "permit" else f"deny {q(summary)}"
    return targets, conds, effect, summary


def policy_name(ir_id):
    name = "".join(ch if ch.isalnum() else "_" for ch in ir_id)
    return name if name[0].isalpha() else "p_" + name


def translate(policies, set_name, source_name):
    lets = Lets(policies)
    permits = sum(1 for p in policies if p["effect"] == "permit")
    out = [f"# Generated by tools/translate-workload.py from {source_name}; do not edit.",
           f"# {len(policies)} policies ({permits} allow, {len(policies) - permits} deny):"
           " deny overrides allow, default deny.",
           f"policyset {q(set_name)}",
           "default deny",
           ""]
    declarations = lets.declarations()
    if declarations:
        out += declarations + [""]
    for p in policies:
        targets, conds, effect, summary = translate_policy(p, lets)
        out.append(f"policy {policy_name(p['id'])} {{")
        detail = f"{p['id']} ({p['kind']})" + (f": {summary}" if p["effect"] == "permit" else "")
        out.append(f"  description {q(detail)}")
        out += [f"  target {t}" for t in targets]
        for i, c in enumerate(conds):
            out.append(("  when " if i == 0 else "   and ") + c)
        out.append(f"  {effect}")
        out.append("}")
        out.append("")
    return "\n".join(out)


def translate_file(ir_path):
    with open(ir_path) as f:
        policies = json.load(f)
    base = os.path.basename(ir_path)
    stem = base.split(".")[0]                       # policies_N100
    set_name = "workload-" + stem.split("_")[-1].lower()
    return translate(policies, set_name, base)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ir", nargs="?", help="an IR file (policies_N*.ir.json)")
    ap.add_argument("--all", nargs=2, metavar=("DATA_DIR", "OUT_DIR"),
                    help="translate policies_N{10,100,1000}.ir.json into OUT_DIR/policies_N*.agate")
    args = ap.parse_args()
    if args.all:
        data, out_dir = args.all
        os.makedirs(out_dir, exist_ok=True)
        for n in (10, 100, 1000):
            text = translate_file(os.path.join(data, f"policies_N{n}.ir.json"))
            with open(os.path.join(out_dir, f"policies_N{n}.agate"), "w") as f:
                f.write(text)
    elif args.ir:
        sys.stdout.write(translate_file(args.ir))
    else:
        ap.error("give an IR file or --all DATA_DIR OUT_DIR")


if __name__ == "__main__":
    main()
