#!/usr/bin/env python3
"""Compare mailsift's domain typo suggestions with mailcheck.js on the same address sets.

Usage: compare.py [MAILSIFT_BIN] [MAILCHECK_PREFIX] [--data DIR] [--seed N] [--no-gen]
                  [--examples N]

  MAILSIFT_BIN      the mailsift binary (default target/release/mailsift)
  MAILCHECK_PREFIX  npm prefix holding node_modules/mailcheck (default /tmp/mc), passed to
                    mailcheck_run.js
  --data DIR        where gen_typos.py writes typos.csv and correct.csv (default target/typo_eval)
  --seed N          generator seed (default: gen_typos.py's)
  --no-gen          use the CSV files already in DIR

Both tools see exactly the same addresses. mailsift runs as `mailsift check --offline -`; its
`suggestion` (a full address) is reduced to the domain. mailcheck runs with its default lists.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def run_mailsift(binary, addresses):
    p = subprocess.run([binary, "check", "--offline", "-"], input="\n".join(addresses) + "\n",
                       capture_output=True, text=True, check=True)
    out = []
    for line in p.stdout.splitlines():
        rec = json.loads(line)
        s = rec.get("suggestion")
        out.append((rec["input"], s.rsplit("@", 1)[1].lower() if s else None))
    return out


def run_mailcheck(prefix, addresses):
    p = subprocess.run(["node", os.path.join(HERE, "mailcheck_run.js"), prefix],
                       input="\n".join(addresses) + "\n", capture_output=True, text=True,
                       check=True)
    return [(r["input"], r["suggestion"]) for r in map(json.loads, p.stdout.splitlines())]


def mailcheck_defaults(prefix):
    p = subprocess.run(["node", os.path.join(HERE, "mailcheck_run.js"), prefix, "--defaults"],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def suggestions(tool, runner, arg, addresses):
    res = runner(arg, addresses)
    if len(res) != len(addresses) or any(i != a for (i, _), a in zip(res, addresses)):
        sys.exit(f"{tool}: output does not line up with the input ({len(res)} vs {len(addresses)})")
    return [s for _, s in res]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def pct(n, d):
    return f"{n} ({100.0 * n / d:.1f}%)" if d else "0"


def domain(addr):
    return addr.rsplit("@", 1)[1]


def mailcheck_can_reach(d, defaults):
    """Whether mailcheck's default lists can produce `d` at all."""
    if d in defaults["domains"]:
        return True
    sld, _, tld = d.partition(".")
    return sld in defaults["secondLevelDomains"] and tld in defaults["topLevelDomains"]


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    cells = (f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    fmt = "| " + " | ".join(cells) + " |"
    lines = [fmt.format(*header),
             "|" + "|".join(("-" * (w + 1) + ":") if i else ("-" * (w + 2))
                            for i, w in enumerate(widths)) + "|"]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


def examples(items, n):
    """Up to n examples, most frequent first, ties alphabetical."""
    c = Counter(items)
    top = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [f"{k} (x{v})" if v > 1 else k for k, v in top]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mailsift", nargs="?", default=os.path.join(REPO, "target/release/mailsift"))
    ap.add_argument("mailcheck", nargs="?", default="/tmp/mc")
    ap.add_argument("--data", default=os.path.join(REPO, "target", "typo_eval"))
    ap.add_argument("--seed", type=int)
    ap.add_argument("--no-gen", action="store_true")
    ap.add_argument("--examples", type=int, default=8)
    args = ap.parse_args()

    if not args.no_gen:
        cmd = [sys.executable, os.path.join(HERE, "gen_typos.py"), args.data]
        if args.seed is not None:
            cmd += ["--seed", str(args.seed)]
        subprocess.run(cmd, check=True)
    typos = read_csv(os.path.join(args.data, "typos.csv"))
    correct = read_csv(os.path.join(args.data, "correct.csv"))
    addrs = [r["address"] for r in typos] + [r["address"] for r in correct]

    tools = {
        "mailsift": suggestions("mailsift", run_mailsift, args.mailsift, addrs),
        "mailcheck": suggestions("mailcheck", run_mailcheck, args.mailcheck, addrs),
    }
    defaults = mailcheck_defaults(args.mailcheck)
    names = list(tools)
    nt = len(typos)

    stats = {}
    for name, sugg in tools.items():
        ts, cs = sugg[:nt], sugg[nt:]
        st = defaultdict(list)
        for r, s in zip(typos, ts):
            d = domain(r["address"])
            if s == r["intended"]:
                st["recovered"].append(r)
            elif s:
                st["wrong"].append((r, s))
                st["wrong_ex"].append(f"{d} -> {s} (meant {r['intended']})")
            else:
                st["none"].append(r)
                st["none_ex"].append(f"{d} (meant {r['intended']})")
            st[f"kind:{r['kind']}"].append(s == r["intended"])
            reach = "reach" if mailcheck_can_reach(r["intended"], defaults) else "noreach"
            st[f"{reach}"].append(s == r["intended"])
        for r, s in zip(correct, cs):
            st[f"group:{r['group']}"].append(bool(s))
            if s:
                st["false"].append(r)
                st["false_ex"].append(f"{domain(r['address'])} -> {s}")
        stats[name] = st

    print(f"Typo set: {nt} addresses ({len({domain(r['address']) for r in typos})} distinct "
          f"domains) at typos of {len({r['intended'] for r in typos})} popular domains; "
          f"correct set: {len(correct)} addresses.\n")
    rows = []
    for label, key, denom in (("typo set: recovered intended domain", "recovered", nt),
                              ("typo set: wrong suggestion", "wrong", nt),
                              ("typo set: no suggestion", "none", nt),
                              ("correct set: false suggestions", "false", len(correct))):
        rows.append([label] + [pct(len(stats[n][key]), denom) for n in names])
    print(table(rows, [""] + names))

    print("\nRecovered by typo kind:\n")
    kinds = sorted({r["kind"] for r in typos}, key=lambda k: -sum(r["kind"] == k for r in typos))
    rows = []
    for k in kinds:
        rows.append([f"{k} (n={sum(r['kind'] == k for r in typos)})"] +
                    [f"{100.0 * sum(stats[n][f'kind:{k}']) / len(stats[n][f'kind:{k}']):.1f}%"
                     for n in names])
    for key, label in (("reach", "intended domain reachable with mailcheck's defaults"),
                       ("noreach", "intended domain not in mailcheck's defaults")):
        v = stats[names[0]][key]
        rows.append([f"{label} (n={len(v)})"] +
                    [f"{100.0 * sum(stats[n][key]) / len(v):.1f}%" if v else "-" for n in names])
    print(table(rows, ["typo kind"] + names))

    print("\nFalse suggestions by correct-set group:\n")
    groups = list(dict.fromkeys(r["group"] for r in correct))
    rows = [[f"{g} (n={len(stats[names[0]][f'group:{g}'])})"] +
            [pct(sum(stats[n][f"group:{g}"]), len(stats[n][f"group:{g}"])) for n in names]
            for g in groups]
    print(table(rows, ["group"] + names))

    for n in names:
        print(f"\n{n} failures (most frequent first):")
        for key, label in (("wrong_ex", "wrong suggestion"), ("none_ex", "no suggestion"),
                           ("false_ex", "false suggestion on a correct domain")):
            ex = examples(stats[n][key], args.examples)
            print(f"  {label}: " + ("; ".join(ex) if ex else "none"))


if __name__ == "__main__":
    main()
