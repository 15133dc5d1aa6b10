#!/usr/bin/env python3
"""Zips requests and `agate eval` answers into decision-log lines, as the server writes them.

usage: make_log.py REQUESTS.jsonl ANSWERS.jsonl OUT.jsonl
Each log line: {"time":…,"id":i,"request":<request>,<answer fields>}. The time is fixed, so
requests without their own time replay exactly as they were decided (`agate eval --now`).
"""
import sys

TIME = "2026-11-20T14:03:00Z"

def main():
    requests, answers, out = sys.argv[1:4]
    with open(requests, "rb") as rq, open(answers, "rb") as an, open(out, "wb") as w:
        for i, (request, answer) in enumerate(zip(rq, an)):
            request = request.strip()
            answer = answer.strip()
            assert answer.startswith(b"{") and answer.endswith(b"}"), answer[:80]
            w.write(b'{"time":"%s","id":%d,"request":%s,%s}\n' % (TIME.encode(), i, request, answer[1:-1]))

if __name__ == "__main__":
    main()
