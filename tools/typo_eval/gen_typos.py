#!/usr/bin/env python3
"""Generate the evaluation sets for domain typo suggestions (stdlib only, deterministic).

Writes two CSV files (with a header row) into OUT_DIR:

  typos.csv    address,intended,kind
               `local@typo_domain`, the domain the writer meant, and how the typo was made
               (sub, del, dup, swap, ins, dot, tld, name+tld).
  correct.csv  address,group
               addresses at real or plausible domains that must get no suggestion; group is
               popular (the big providers), lookalike (real mail domains that look like typos of
               others), known (the "common" list from the email-providers npm package, shipped as
               data/free_mail_domains_common.txt), company (invented company domains) or
               company-near (invented company domains containing a provider name).

A generated typo is dropped when it is itself a real domain we know of: on data/typo_targets.txt,
in mailcheck's default list (data/mailcheck_domains.txt), on data/free_mail_domains_common.txt or
in the look-alike list below. Invented company domains within one edit of one of those are dropped
too (a company called "gmial" would be a typo to anyone).

Usage: gen_typos.py [--seed N] [--typos N] [--companies N] [OUT_DIR]
       (defaults: seed 20240601, 3000 typos, 1000 companies, target/typo_eval)
"""

import argparse
import csv
import os
import random
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# The big providers with rough relative popularity (share of consumer addresses in a typical
# international list; US-heavy, then UK, DE, FR, RU, IT). Only the order of magnitude matters.
POPULAR = [
    ("gmail.com", 30.0),
    ("yahoo.com", 12.0),
    ("hotmail.com", 10.0),
    ("outlook.com", 5.0),
    ("aol.com", 4.0),
    ("icloud.com", 4.0),
    ("live.com", 2.0),
    ("comcast.net", 2.0),
    ("gmx.de", 2.0),
    ("web.de", 2.0),
    ("mail.ru", 2.0),
    ("msn.com", 1.2),
    ("yahoo.co.uk", 1.5),
    ("hotmail.co.uk", 1.5),
    ("yandex.ru", 1.5),
    ("orange.fr", 1.2),
    ("googlemail.com", 1.0),
    ("hotmail.fr", 1.0),
    ("yahoo.fr", 1.0),
    ("t-online.de", 1.0),
    ("att.net", 1.0),
    ("sbcglobal.net", 0.8),
    ("verizon.net", 0.8),
    ("me.com", 0.8),
    ("btinternet.com", 0.8),
    ("libero.it", 0.8),
    ("qq.com", 0.8),
    ("ymail.com", 0.6),
    ("protonmail.com", 0.6),
    ("wanadoo.fr", 0.6),
    ("free.fr", 0.6),
    ("cox.net", 0.4),
    ("charter.net", 0.4),
    ("bellsouth.net", 0.4),
    ("naver.com", 0.4),
    ("mailbox.org", 0.2),
]

# Real mail domains that look like typos of popular ones (provider country variants, sister
# brands, small providers), plus two company domains that are one swap away from a short provider
# name (amc.com / mac.com, ami.com / aim.com). Expected: no suggestion.
LOOKALIKES = """
email.com mail.com mail.de mail.ee mail.bg mail.dk gmx.com gmx.net gmx.at gmx.ch gmx.fr gmx.us
gmx.co.uk gmx.es ymail.com me.com mac.com live.com msn.com aim.com love.com inbox.com inbox.lv
post.com usa.com myself.com consultant.com aol.de aol.fr aol.co.uk
hotmail.fr hotmail.de hotmail.it hotmail.es hotmail.be hotmail.nl hotmail.se hotmail.no
hotmail.dk hotmail.ca hotmail.ch hotmail.gr hotmail.com.au hotmail.com.br hotmail.com.ar
hotmail.co.jp hotmail.ru
outlook.de outlook.fr outlook.es outlook.it outlook.be outlook.jp outlook.com.au outlook.com.br
outlook.ie outlook.at outlook.dk outlook.pt outlook.sa outlook.kr outlook.cl outlook.cz
live.ca live.be live.nl live.it live.se live.no live.dk live.at live.ie live.fr live.de
live.co.uk live.com.au live.com.mx live.cn
yahoo.ca yahoo.de yahoo.es yahoo.it yahoo.ie yahoo.se yahoo.gr yahoo.dk yahoo.no yahoo.pl
yahoo.in yahoo.co.in yahoo.co.jp yahoo.com.au yahoo.com.br yahoo.com.ar yahoo.com.mx
yahoo.com.sg yahoo.com.ph yahoo.com.tw yahoo.co.nz yahoo.co.id
googlemail.com google.com icloud.com aol.com att.net sky.com bt.com ntlworld.com
orange.net orange.es wanadoo.es web.id online.de free.fr sfr.fr neuf.fr laposte.net
yandex.com yandex.ua yandex.by yandex.kz ya.ru bk.ru list.ru inbox.ru
foxmail.com fastmail.fm fastmail.com pm.me proton.me protonmail.ch tutanota.de tuta.io
qq.com 163.com 126.com yeah.net sina.cn sina.com naver.com nate.com daum.net hanmail.net
cox.net rcn.com ptd.net frontier.com windstream.net juno.com netzero.net earthlink.net
amc.com ami.com
""".split()

# Suffix slips for the common top-level parts: (slip, relative weight). The first ones are the
# classic slips (mailcheck's README and support threads); the rest adjacent-key and doubled keys.
TLD_SLIPS = {
    "com": [("con", 6), ("cmo", 3), ("ocm", 3), ("co", 5), ("cm", 3), ("om", 2), ("cpm", 2),
            ("vom", 2), ("xom", 2), ("comm", 2), ("cim", 1), ("coom", 1), ("clm", 1), ("ckm", 1)],
    "net": [("nte", 4), ("ner", 2), ("nt", 2), ("met", 2), ("ney", 1), ("bet", 1), ("nett", 1),
            ("ne", 1)],
    "org": [("ogr", 4), ("or", 2), ("orh", 1), ("prg", 1), ("rog", 1)],
}

# Top-level parts that are real (a slip that produces one of these is not a "typo" we can count
# on being one, except the classic .com slips .co/.cm/.om above). IANA country codes plus the
# common generic ones.
REAL_TLDS = set("""
ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br
bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec
ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk
hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb
lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz
na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru
rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm
tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
com net org edu gov mil int biz info name pro app dev xyz top online site shop store mobi
""".split())

ROWS = ["1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
ROW_OFFSET = [0.0, 0.5, 0.75, 1.25]


def qwerty_neighbours():
    pos = {}
    for r, row in enumerate(ROWS):
        for i, ch in enumerate(row):
            pos[ch] = (r, i + ROW_OFFSET[r])
    nb = {}
    for a, (ra, xa) in pos.items():
        nb[a] = sorted(
            b
            for b, (rb, xb) in pos.items()
            if b != a
            and abs(ra - rb) <= 1
            and abs(xa - xb) < 1.0 + (0.01 if ra == rb else 0.0)
            and (a.isalpha() == b.isalpha())
        )
    return nb


NEIGHBOURS = qwerty_neighbours()


def osa(a, b):
    """Optimal-string-alignment distance."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[-1]


def read_list(name):
    path = os.path.join(REPO, "data", name)
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def split(domain):
    name, _, suffix = domain.partition(".")
    return name, suffix


# ---- typo operators on a string (letters/digits only; dots and hyphens are left alone) ----

def typo_positions(s):
    return [i for i, c in enumerate(s) if c.isalnum()]


def op_sub(rng, s):
    i = rng.choice(typo_positions(s))
    return s[:i] + rng.choice(NEIGHBOURS[s[i]]) + s[i + 1:]


def op_del(rng, s):
    if len(s) < 2:
        return None
    i = rng.choice(typo_positions(s))
    return s[:i] + s[i + 1:]


def op_dup(rng, s):
    i = rng.choice(typo_positions(s))
    return s[:i] + s[i] + s[i:]


def op_swap(rng, s):
    cand = [i for i in range(len(s) - 1)
            if s[i] != s[i + 1] and s[i].isalnum() and s[i + 1].isalnum()]
    if not cand:
        return None
    i = rng.choice(cand)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def op_ins(rng, s):
    """Fat finger: a neighbour of a key typed just before or after it."""
    i = rng.choice(typo_positions(s))
    extra = rng.choice(NEIGHBOURS[s[i]])
    j = i if rng.random() < 0.5 else i + 1
    return s[:j] + extra + s[j:]


NAME_OPS = {"sub": op_sub, "del": op_del, "dup": op_dup, "swap": op_swap, "ins": op_ins}


def weighted(rng, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights=weights, k=1)[0]


def tld_slip(rng, suffix):
    """A slip in the top-level part: from the table for com/net/org, else a single-key error in
    the last label that does not produce another real top-level domain."""
    if suffix in TLD_SLIPS:
        return weighted(rng, TLD_SLIPS[suffix])
    head, dot, last = suffix.rpartition(".")
    for _ in range(50):
        op = weighted(rng, [(op_sub, 4), (op_del, 2), (op_dup, 2), (op_swap, 2)])
        t = op(rng, last)
        if t and t != last and t not in REAL_TLDS:
            return head + dot + t
    return None


def make_typo(rng, domain, kind):
    name, suffix = split(domain)
    if kind in NAME_OPS:
        t = NAME_OPS[kind](rng, name)
        return t and f"{t}.{suffix}"
    if kind == "dot":
        return name + suffix
    if kind == "tld":
        t = tld_slip(rng, suffix)
        return t and f"{name}.{t}"
    if kind == "name+tld":
        n = NAME_OPS[weighted(rng, [("sub", 3), ("del", 3), ("dup", 2), ("swap", 3)])](rng, name)
        t = tld_slip(rng, suffix)
        return n and t and f"{n}.{t}"
    raise ValueError(kind)


KINDS = [("sub", 18), ("del", 14), ("dup", 10), ("swap", 12), ("ins", 6), ("dot", 3),
         ("tld", 22), ("name+tld", 15)]

FIRST = ("james mary john patricia robert jennifer michael linda david elizabeth william susan "
         "maria anna lena lukas sophie pierre camille marco giulia ivan olga yuki wei priya "
         "ahmed fatima carlos lucia sven ingrid tom kate").split()
LAST = ("smith johnson brown miller davis garcia wilson taylor thomas moore martin lee walker "
        "hall young king wright mueller schmidt schneider fischer dubois moreau rossi russo "
        "ivanov petrov kim nguyen singh kowalski novak jansen").split()


def local_part(rng):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    style = rng.randrange(6)
    if style == 0:
        return f"{f}.{l}"
    if style == 1:
        return f"{f[0]}{l}"
    if style == 2:
        return f"{f}{rng.randrange(1, 99)}"
    if style == 3:
        return f"{f}_{l}{rng.randrange(60, 100)}"
    if style == 4:
        return f"{l}.{f[0]}"
    return f"{f}{l}"


# ---- invented company domains ----

ONSETS = "b c d f g h j k l m n p r s t v w z br cl dr fl gr kr pl st tr sh ch th".split()
VOWELS = "a e i o u a e o ai ea io".split()
CODAS = ["", "", "", "n", "r", "l", "s", "x", "m", "t", "ck", "nd", "rt"]
WORDS = ("labs tech group media consulting studio solutions shop systems digital partners "
         "works hq app cloud data design legal health energy foods logistics capital ventures "
         "software analytics network marketing travel").split()
COMPANY_TLDS = [("com", 45), ("de", 9), ("co.uk", 8), ("net", 6), ("io", 6), ("org", 5),
                ("fr", 3), ("nl", 3), ("ch", 2), ("at", 2), ("it", 2), ("es", 2), ("ca", 2),
                ("com.au", 2), ("co", 1), ("ai", 1), ("dev", 1), ("eu", 1), ("se", 1), ("be", 1)]
PROVIDER_WORDS = ["gmail", "yahoo", "hotmail", "outlook", "aol", "icloud", "live", "gmx", "mail",
                  "msn", "orange", "yandex", "proton", "comcast", "verizon", "web", "free"]


def pronounceable(rng):
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                   for _ in range(rng.choice([1, 2, 2, 2, 3])))


def company_domain(rng):
    name = pronounceable(rng)
    r = rng.random()
    if r < 0.25:
        name += rng.choice(["", "-"]) + rng.choice(WORDS)
    elif r < 0.3:
        name = rng.choice(WORDS) + rng.choice(["", "-"]) + name
    return f"{name}.{weighted(rng, COMPANY_TLDS)}"


def company_near_domain(rng):
    p = rng.choice(PROVIDER_WORDS)
    w = rng.choice(WORDS + ["er", "ers", "fans", "tools", "expert", "pro", "plus", "box", "hub"])
    sep = rng.choice(["", "", "-"])
    forms = [f"{p}{sep}{w}", f"{w}{sep}{p}", f"my{p}{sep}{w}", f"{pronounceable(rng)}{p}"]
    return f"{rng.choice(forms)}.{weighted(rng, COMPANY_TLDS)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--typos", type=int, default=3000)
    ap.add_argument("--companies", type=int, default=1000)
    ap.add_argument("out_dir", nargs="?", default=os.path.join(REPO, "target", "typo_eval"))
    args = ap.parse_args()
    rng = random.Random(args.seed)

    targets = read_list("typo_targets.txt")
    mailcheck = read_list("mailcheck_domains.txt")
    common = read_list("free_mail_domains_common.txt")
    popular = [d for d, _ in POPULAR]
    real = set(targets) | set(mailcheck) | set(common) | set(LOOKALIKES) | set(popular)

    os.makedirs(args.out_dir, exist_ok=True)

    # (a) typos
    typos, dropped_real = [], 0
    while len(typos) < args.typos:
        intended = weighted(rng, POPULAR)
        kind = weighted(rng, KINDS)
        t = make_typo(rng, intended, kind)
        if not t or t == intended:
            continue
        # Also drop double typos whose name part alone is another real domain's name
        # (gmail.com -> mail.clm is a slip of mail.com).
        if t in real or (kind == "name+tld" and f"{split(t)[0]}.{split(intended)[1]}" in real):
            dropped_real += 1
            continue
        typos.append((f"{local_part(rng)}@{t}", intended, kind))
    with open(os.path.join(args.out_dir, "typos.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["address", "intended", "kind"])
        w.writerows(typos)

    # (b) correct domains
    correct = [(d, "popular") for d in dict.fromkeys(popular + mailcheck)]
    seen = {d for d, _ in correct}
    for group, domains in (("lookalike", LOOKALIKES), ("known", common)):
        for d in domains:
            if d not in seen:
                seen.add(d)
                correct.append((d, group))
    near_targets = set(targets) | set(mailcheck) | set(popular)
    dropped_near = 0
    n_near = args.companies // 5
    for group, n, gen in (("company-near", n_near, company_near_domain),
                          ("company", args.companies - n_near, company_domain)):
        made = 0
        while made < n:
            d = gen(rng)
            if d in seen:
                continue
            if any(osa(d, t) <= 1 for t in near_targets if abs(len(t) - len(d)) <= 1):
                dropped_near += 1
                continue
            seen.add(d)
            correct.append((d, group))
            made += 1
    with open(os.path.join(args.out_dir, "correct.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["address", "group"])
        w.writerows((f"{local_part(rng)}@{d}", g) for d, g in correct)

    distinct = len({t[0].split("@")[1] for t in typos})
    print(f"{args.out_dir}: {len(typos)} typos ({distinct} distinct "
          f"domains; {dropped_real} candidates dropped as real domains), {len(correct)} correct "
          f"({dropped_near} company names dropped as within one edit of a provider)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
