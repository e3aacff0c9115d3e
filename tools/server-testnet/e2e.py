#!/usr/bin/env python3
"""tools/server-testnet/e2e.py MAILSIFT [--only CASE] [--compare]

Runs `mailsift server` against every case of expected.tsv (the real servers `up` started on
127.0.80.x, and the shared testnet's when it is up) and compares the finding ids with the
expected ones: a table, then exit 1 on any mismatch. With --compare, also runs swaks and
testssl.sh (Debian packages) on the same servers and prints what each reports beside mailsift.
"""
import json
import os
import shlex
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STATE = os.path.join(os.environ.get("SERVER_TESTNET_DIR", "/work/server-testnet"), "state")
PASSWORD = os.environ.get("SERVER_TESTNET_PASSWORD", "testnet-password")


def listening(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def cases():
    with open(os.path.join(HERE, "expected.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, target, args, want, what = line.rstrip("\n").split("\t")
            yield name, target, args, want, what


def run_mailsift(binary, target, args):
    env = dict(os.environ, MAILSIFT_AUTH_PASSWORD=PASSWORD)
    argv = [binary, "server", target, "--helo", "client.servernet.test", "--timeout", "10",
            "--json", "-"]
    shared = "@SHARED@" in args
    if "@WRONG_PASSWORD@" in args:
        env["MAILSIFT_AUTH_PASSWORD"] = "not-the-password"
    args = args.replace("@SHARED@", "").replace("@WRONG_PASSWORD@", "").replace("@STATE@", STATE)
    if shared:
        argv += ["--dns", "127.0.0.1:5353"]
    else:
        argv += ["--offline", "--zone", os.path.join(STATE, "servernet.zone"),
                 "--tls-ca", os.path.join(STATE, "certs", "ca.pem")]
    if args.strip() != "-":
        argv += shlex.split(args)
    t0 = time.time()
    p = subprocess.run(argv, capture_output=True, env=env, timeout=300)
    secs = time.time() - t0
    out = p.stdout.decode() + p.stderr.decode()
    if PASSWORD in out or "not-the-password" in out:
        raise SystemExit(f"the password appeared in mailsift's output: {argv}")
    report = json.loads(p.stdout)
    ids = set()
    for h in report["hosts"]:
        ids.update(f["id"] for f in h["findings"])
        for port in h["ports"]:
            ids.update(f["id"] for f in port["findings"])
            for c in port["commands"]:
                if c.upper() == "DATA":
                    raise SystemExit(f"DATA sent: {argv}")
    return ids, p.returncode, secs, report


def main():
    argv = sys.argv[1:]
    if not argv:
        print(__doc__)
        return 2
    binary = argv[0]
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    compare = "--compare" in argv
    shared_up = listening("127.0.0.16", 25)
    failures = 0
    passed = 0
    rows = []
    for name, target, args, want, what in cases():
        if only and name != only:
            continue
        if "@SHARED@" in args and not shared_up:
            rows.append((name, target, want, "skipped (shared testnet down)", "", ""))
            continue
        wanted = set() if want == "-" else set(want.split(","))
        ids, code, secs, report = run_mailsift(binary, target, args)
        ok = ids == wanted
        if "--auth-user" in args:
            # The login itself must have worked (or failed when the password is wrong).
            want_auth = "refused" if "auth_failed" in wanted else "ok"
            auths = [p["auth"] for h in report["hosts"] for p in h["ports"]]
            got = ",".join(f'{a["mechanism"]} {a["result"]}' for a in auths if a)
            ok = ok and all(a and a["result"] == want_auth for a in auths)
            secs_note = f" auth {got}"
        else:
            secs_note = ""
        passed += ok
        failures += not ok
        rows.append((name, target, want, ",".join(sorted(ids)) or "-",
                     "ok" if ok else "MISMATCH", f"{secs:.1f}s exit {code}{secs_note}"))
        if compare:
            compare_tools(name, target, args, report)
    w = [max(len(r[i]) for r in rows + [("case", "target", "expected", "mailsift", "", "")])
         for i in range(4)]
    print(f"{'case':<{w[0]}}  {'target':<{w[1]}}  {'expected':<{w[2]}}  {'mailsift':<{w[3]}}")
    for r in rows:
        print(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]:<{w[3]}}  {r[4]} {r[5]}")
    print(f"server-testnet e2e: {passed} passed, {failures} failed, "
          f"{sum(1 for r in rows if r[3].startswith('skipped'))} skipped")
    return 1 if failures else 0


def first_port(report):
    for h in report["hosts"]:
        for p in h["ports"]:
            return h["address"], p["port"]
    return None, None


def compare_tools(name, target, args, report):
    """swaks (one transaction up to RCPT) and testssl.sh (certificate and protocols)."""
    addr, port = first_port(report)
    if not addr:
        return
    print(f"\n### {name} ({addr}:{port})", flush=True)
    swaks = ["swaks", "--server", addr, "--port", str(port), "--helo", "client.servernet.test",
             "--quit-after", "RCPT", "--timeout", "30"]
    if "--relay-test" in args:
        swaks += ["--from", "relay-test@example.com", "--to", "relay-test@example.net"]
    else:
        swaks += ["--from", "", "--to", f"postmaster@{target}"]
    ca = os.path.join(STATE, "certs", "ca.pem")
    swaks += ["--tlsc"] if port == 465 else ["--tls-optional"]
    swaks += ["--tls-verify", "--tls-ca-path", ca]
    if "--auth-user" in args:
        swaks += ["--auth-user", "alice", "--auth-password",
                  "not-the-password" if "WRONG" in args else PASSWORD]
    p = subprocess.run(swaks, capture_output=True, timeout=120)
    lines = [l for l in p.stdout.decode(errors="replace").splitlines()
             if l.startswith(("<-", "<~", "<**", "***", "=== TLS"))]
    shown = ["<password>" if a in (PASSWORD, "not-the-password") else a for a in swaks]
    print("swaks (exit %d): %s" % (p.returncode, " ".join(shlex.quote(a) for a in shown)))
    for l in lines[:40]:
        if "AUTH" in l and ("PLAIN" in l or "LOGIN" in l) and len(l) > 20:
            l = l[:20] + " <redacted by e2e.py>"
        print("   ", l)
    if port in (25, 465, 587) and any(k in name for k in ("clean-25", "expired", "wrongname",
                                                            "selfsigned", "oldtls", "exim-clean")):
        ts = ["testssl", "--quiet", "--color", "0", "--warnings", "off", "-p", "-S",
              "--add-ca", os.path.join(STATE, "certs", "ca.pem"), "--ip", addr]
        ts += ["--starttls", "smtp", f"{target}:{port}"] if port != 465 else [f"{target}:{port}"]
        p = subprocess.run(ts, capture_output=True, timeout=600)
        print("testssl.sh (exit %d):" % p.returncode)
        for l in p.stdout.decode(errors="replace").splitlines():
            s = l.strip()
            if any(k in s for k in ("SSLv", "TLS 1", "Chain of trust", "Certificate Validity",
                                     "Common Name", "subjectAltName", "Trust (hostname)",
                                     "Server key size", "expired", "self signed")):
                print("   ", s[:150])


if __name__ == "__main__":
    sys.exit(main())
