#!/usr/bin/env python3
"""`mailsift explain` on every distinct diagnostic of the shared bounce corpus.

Reads ../shared/corpus/bounces/labels.jsonl (beside the repository) when it is there; the
project never needs it. For each distinct (diagnosticcode, deliverystatus, replycode) with a
status of class 4 or 5, it explains one input and compares the class (temporary/permanent)
with the first digit of the labelled status.

The input: the diagnostic text as it is when it carries a reply code or an enhanced status
code of its own; otherwise "REPLYCODE DELIVERYSTATUS TEXT" (the labelled codes before the
text, as a DSN's Status and Diagnostic-Code fields give them to a reader). `--text-only`
feeds the text alone in every case (then a text without codes is mostly `unknown`).

Usage: tools/explain_corpus/measure.py [BINARY] [--text-only] [--show N]
"""

import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# ../shared beside the repository (a worktree under wt/ looks one level higher too)
LABELS = next(
    (
        p
        for p in (
            os.path.join(REPO, up, "shared", "corpus", "bounces", "labels.jsonl")
            for up in ("..", os.path.join("..", ".."))
        )
        if os.path.exists(p)
    ),
    os.path.join(REPO, "..", "shared", "corpus", "bounces", "labels.jsonl"),
)

REPLY = re.compile(r"(?<![\w.\-:/#=+])[245][0-5]\d(?=[ \-\t]|$)")
STATUS = re.compile(r"(?<![\w.])[245]\.\d{1,3}\.\d{1,3}(?![\w.])")


def has_code(text):
    return bool(REPLY.search(text) or STATUS.search(text))


def main():
    args = [a for a in sys.argv[1:]]
    text_only = "--text-only" in args
    show = 0
    if "--show" in args:
        i = args.index("--show")
        show = int(args[i + 1])
        del args[i : i + 2]
    args = [a for a in args if a != "--text-only"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    binary = args[0] if args else os.path.join(target, "debug", "mailsift")
    if not os.path.exists(LABELS):
        print(f"no corpus at {LABELS}: nothing to measure")
        return 0
    seen = set()
    cases = []
    skipped = collections.Counter()
    with open(LABELS) as f:
        for line in f:
            r = json.loads(line)
            if r.get("norecord"):
                continue
            diag = " ".join((r.get("diagnosticcode") or "").split())
            status = r.get("deliverystatus") or ""
            reply = r.get("replycode") or ""
            key = (diag, status, reply)
            if key in seen:
                continue
            seen.add(key)
            if status[:1] not in ("4", "5"):
                skipped["status not 4.x.x or 5.x.x (" + (status or "none") + ")"] += 1
                continue
            if not diag:
                skipped["empty diagnostic"] += 1
                continue
            if text_only or has_code(diag):
                inp = diag
            else:
                inp = " ".join(x for x in (reply, status, diag) if x)
            cases.append((key, inp))
    agree = 0
    classes = collections.Counter()
    knowledge = collections.Counter()
    providers = collections.Counter()
    disagreements = []
    for (diag, status, reply), inp in cases:
        out = subprocess.run(
            [binary, "explain", "--json", "--", inp], capture_output=True, text=True
        )
        if out.returncode != 0:
            print("exit", out.returncode, inp, out.stderr, file=sys.stderr)
            return 1
        e = json.loads(out.stdout)
        want = "temporary" if status[0] == "4" else "permanent"
        classes[e["class"]] += 1
        knowledge[e["knowledge"]] += 1
        providers[e["provider"]] += 1
        if e["class"] == want:
            agree += 1
        else:
            disagreements.append((status, e["class"], inp))
    n = len(cases)
    print(f"distinct (diagnostic, status, reply) keys: {len(seen)}")
    for k, v in sorted(skipped.items()):
        print(f"  skipped: {k}: {v}")
    print(f"explained: {n} ({'text only' if text_only else 'text, or codes + text when the text has none'})")
    print(f"class agrees with the status class: {agree}/{n} = {100 * agree / n:.2f}%")
    print("classes:", dict(classes))
    spec = knowledge["specific"]
    print(f"cause and fix from a specific entry (codes or words): {spec}/{n} = {100 * spec / n:.2f}%")
    print(f"  by bounce reason (generic fallback): {knowledge['reason']}; by class only: {knowledge['class']}")
    print("entries by provider:", dict(providers.most_common()))
    for status, got, inp in disagreements[: show or len(disagreements)]:
        print(f"  DISAGREE status {status} -> {got}: {inp[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
