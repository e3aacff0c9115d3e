#!/usr/bin/env python3
"""Compare `mailsift dmarc --jsonl` output with parsedmarc's output and with the mail-auth
crate's expected JSON, field by field; print every difference and the counts.

Usage:
  compare.py parsedmarc OURS.jsonl PARSEDMARC_OUTPUT_DIR
      PARSEDMARC_OUTPUT_DIR holds one folder per input file (named like the file) with
      aggregate.json, failure.json or smtp_tls.json. OURS.jsonl is our run over the same
      input files (their names as `file`).
  compare.py mail-auth OURS.jsonl RESOURCES_DIR
      RESOURCES_DIR is mail-auth's resources/ (dmarc-feedback/NNN.{xml,eml,json},
      tlsrpt/rptNN.{eml,json}); OURS.jsonl is our run over RESOURCES_DIR/dmarc-feedback and
      RESOURCES_DIR/tlsrpt given as paths `dmarc-feedback` and `tlsrpt` from RESOURCES_DIR.

Exit 0 when there is no difference, 1 otherwise. Standard library only.
"""

import calendar
import json
import os
import re
import sys
import time


def load_ours(path):
    items = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    by_file = {}
    for it in items:
        by_file.setdefault(it["file"], []).append(it)
    return items, by_file


def resolve(items, by_file, name):
    """Our reports for an input file name (members included); duplicates followed to the
    copy that was kept. Returns (reports, problems)."""
    reps, probs = [], []
    for it in items:
        f = it["file"]
        # the input file (before any `:member`), compared without its directory
        if os.path.basename(f.partition(":")[0]) != os.path.basename(name):
            continue
        if "problem" in it:
            if it["problem"] == "duplicate":
                m = re.match(r"same report as (.*?) \(org ", it["detail"])
                kept = [r for r in by_file.get(m.group(1), []) if "kind" in r] if m else []
                if kept:
                    reps.append(kept[0])
                    continue
            probs.append(it)
        else:
            reps.append(it)
    return reps, probs


def utc(s):
    if s is None:
        return None
    s = s.replace("T", " ").replace("Z", "")
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%d %H:%M:%S"))


class Diffs:
    def __init__(self):
        self.fields = 0
        self.diffs = []

    def eq(self, where, field, ours, theirs):
        self.fields += 1
        if ours != theirs:
            self.diffs.append(f"{where}: {field}: ours {ours!r} != theirs {theirs!r}")


# ---------------------------------------------------------------- parsedmarc

def cmp_parsedmarc(ours_path, outdir):
    items, by_file = load_ours(ours_path)
    d = Diffs()
    n_reports = n_inputs = 0
    unmatched = []
    for name in sorted(os.listdir(outdir)):
        folder = os.path.join(outdir, name)
        if not os.path.isdir(folder):
            continue
        n_inputs += 1
        reps, probs = resolve(items, by_file, name)
        for kind, fname in (("aggregate", "aggregate.json"), ("failure", "failure.json"),
                            ("tlsrpt", "smtp_tls.json")):
            p = os.path.join(folder, fname)
            if not os.path.exists(p):
                continue
            theirs = json.load(open(p, encoding="utf-8"))
            mine = [r for r in reps if r["kind"] == kind]
            if len(theirs) != len(mine):
                unmatched.append(f"{name}: {kind}: ours {len(mine)} report(s) "
                                 f"{[x['problem'] + ': ' + x['detail'] for x in probs]} "
                                 f"!= parsedmarc {len(theirs)}")
            for t, m in zip(theirs, mine):
                n_reports += 1
                where = f"{name} [{kind}]"
                if kind == "aggregate":
                    cmp_pd_aggregate(d, where, m, t)
                elif kind == "failure":
                    cmp_pd_failure(d, where, m, t)
                else:
                    cmp_pd_tls(d, where, m, t)
    print(f"parsedmarc: {n_inputs} inputs, {n_reports} reports compared, {d.fields} fields, "
          f"{len(d.diffs)} field differences, {len(unmatched)} inputs with a different "
          f"number of reports")
    for x in unmatched:
        print("  COUNT " + x)
    for x in d.diffs:
        print("  DIFF  " + x)
    return not d.diffs and not unmatched


def cmp_pd_aggregate(d, where, m, t):
    md = t["report_metadata"]
    d.eq(where, "org_name", m["org_name"], md["org_name"])
    d.eq(where, "report_id", m["report_id"], md["report_id"])
    d.eq(where, "policy_domain", m["policy_domain"], t["policy_published"]["domain"])
    d.eq(where, "begin", m["begin"], utc(md["begin_date"]))
    d.eq(where, "end", m["end"], utc(md["end_date"]))
    recs = t["records"]
    # parsedmarc splits a row across days when the report spans more than one
    # (normalized_timespan); counts then add up per original row
    d.eq(where, "records", len(m["records"]), len(recs) if not any(
        r.get("normalized_timespan") for r in recs) else len(m["records"]))
    tot = m["totals"]
    d.eq(where, "messages", tot["messages"], sum(r["count"] for r in recs))
    d.eq(where, "dmarc_pass", tot["dmarc_pass"],
         sum(r["count"] for r in recs if r["alignment"]["dmarc"]))
    d.eq(where, "spf_aligned", tot["spf_aligned"],
         sum(r["count"] for r in recs if r["alignment"]["spf"]))
    d.eq(where, "dkim_aligned", tot["dkim_aligned"],
         sum(r["count"] for r in recs if r["alignment"]["dkim"]))


def cmp_pd_failure(d, where, m, t):
    row = m["records"][0]
    d.eq(where, "source_ip", row["source_ip"], t["source"]["ip_address"])
    d.eq(where, "reported_domain", row["reported_domain"], t["reported_domain"])
    d.eq(where, "begin", m["begin"], utc(t["arrival_date_utc"]))
    d.eq(where, "delivery_result", row.get("delivery_result", ""),
         (t.get("delivery_result") or "").lower())
    d.eq(where, "auth_failure", row["auth_failure"], [a.lower() for a in t["auth_failure"]])
    d.eq(where, "messages", m["totals"]["messages"], 1)


def cmp_pd_tls(d, where, m, t):
    d.eq(where, "org_name", m["org_name"], t["organization_name"])
    d.eq(where, "report_id", m["report_id"], t["report_id"])
    d.eq(where, "begin", m["begin"], utc(t["begin_date"]))
    d.eq(where, "end", m["end"], utc(t["end_date"]))
    d.eq(where, "records", len(m["records"]), len(t["policies"]))
    d.eq(where, "successful_sessions", m["totals"]["successful_sessions"],
         sum(p.get("successful_session_count", 0) for p in t["policies"]))
    d.eq(where, "failed_sessions", m["totals"]["failed_sessions"],
         sum(p.get("failed_session_count", 0) for p in t["policies"]))


# ---------------------------------------------------------------- mail-auth

def token(v):
    """mail-auth's enum names to the report tokens: TrustedForwarder -> trusted_forwarder,
    MailFrom -> mfrom, Relaxed -> r, Unspecified/None(null) -> ''."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "y" if v else ""
    special = {"Unspecified": "", "Relaxed": "r", "Strict": "s", "MailFrom": "mfrom",
               "TempError": "temperror", "PermError": "permerror", "SoftFail": "softfail"}
    if v in special:
        return special[v]
    return re.sub(r"(?<!^)([A-Z])", r"_\1", v).lower()


def cmp_mailauth(ours_path, resdir):
    items, by_file = load_ours(ours_path)
    d = Diffs()
    missing = []
    n = 0
    fb = os.path.join(resdir, "dmarc-feedback")
    for fn in sorted(os.listdir(fb)):
        if not fn.endswith(".json"):
            continue
        stem = fn[:-5]
        src = next((f"dmarc-feedback/{stem}{e}" for e in (".xml", ".eml")
                    if os.path.exists(os.path.join(fb, stem + e))), None)
        if src is None:
            continue
        exp = json.load(open(os.path.join(fb, fn), encoding="utf-8"))
        reps, probs = resolve(items, by_file, src)
        if len(reps) != 1:
            missing.append(f"{src}: ours {len(reps)} reports, {probs}")
            continue
        n += 1
        cmp_ma_aggregate(d, src, reps[0], exp)
    tl = os.path.join(resdir, "tlsrpt")
    for fn in sorted(os.listdir(tl)):
        if not fn.endswith(".eml"):
            continue
        src = f"tlsrpt/{fn}"
        exp = json.load(open(os.path.join(tl, fn[:-4] + ".json"), encoding="utf-8"))
        reps, probs = resolve(items, by_file, src)
        if len(reps) != 1:
            missing.append(f"{src}: ours {len(reps)} reports, {probs}")
            continue
        n += 1
        cmp_ma_tls(d, src, reps[0], exp)
    print(f"mail-auth: {n} reports compared, {d.fields} fields, {len(d.diffs)} differences, "
          f"{len(missing)} expected reports missing")
    for x in missing:
        print("  MISSING " + x)
    for x in d.diffs:
        print("  DIFF    " + x)
    return not d.diffs and not missing


def cmp_ma_aggregate(d, w, m, e):
    md, pp = e["report_metadata"], e["policy_published"]
    d.eq(w, "org_name", m["org_name"], md["org_name"])
    d.eq(w, "email", m.get("email", ""), md["email"])
    d.eq(w, "report_id", m["report_id"], md["report_id"])
    d.eq(w, "begin", m["begin"], md["date_range"]["begin"])
    d.eq(w, "end", m["end"], md["date_range"]["end"])
    d.eq(w, "errors", m.get("errors", []), md["error"])
    p = m.get("policy") or {}
    d.eq(w, "policy.domain", p.get("domain", ""), pp["domain"])
    for k in ("adkim", "aspf", "p", "sp", "np", "discovery_method"):
        if k in pp:
            d.eq(w, f"policy.{k}", p.get(k, ""), token(pp[k]))
    d.eq(w, "policy.testing", p.get("testing", "") in ("y",), bool(pp["testing"]))
    d.eq(w, "policy.fo", p.get("fo", ""), pp["fo"] or "")
    recs = m["records"]
    d.eq(w, "records", len(recs), len(e["record"]))
    for i, (r, x) in enumerate(zip(recs, e["record"])):
        wi = f"{w} record {i}"
        row, pe, ids, ar = x["row"], x["row"]["policy_evaluated"], x["identifiers"], x["auth_results"]
        d.eq(wi, "source_ip", r["source_ip"], row["source_ip"])
        d.eq(wi, "count", r["count"], row["count"])
        d.eq(wi, "disposition", r["disposition"], token(pe["disposition"]))
        d.eq(wi, "dkim", r["dkim"], token(pe["dkim"]))
        d.eq(wi, "spf", r["spf"], token(pe["spf"]))
        d.eq(wi, "reasons", [(z["type"], z.get("comment", "")) for z in r.get("reasons", [])],
             [(token(z["type_"]), z["comment"] or "") for z in pe["reason"]])
        d.eq(wi, "header_from", r["header_from"], ids["header_from"])
        d.eq(wi, "envelope_from", r.get("envelope_from", ""), ids["envelope_from"] or "")
        d.eq(wi, "envelope_to", r.get("envelope_to", ""), ids["envelope_to"] or "")
        d.eq(wi, "dkim_results",
             [(z["domain"], z.get("selector", ""), z["result"], z.get("human_result", ""))
              for z in r["dkim_results"]],
             [(z["domain"], z["selector"], token(z["result"]), z["human_result"] or "")
              for z in ar["dkim"]])
        d.eq(wi, "spf_results",
             [(z["domain"], z.get("scope", ""), z["result"], z.get("human_result", ""))
              for z in r["spf_results"]],
             [(z["domain"], token(z["scope"]), token(z["result"]), z["human_result"] or "")
              for z in ar["spf"]])


def cmp_ma_tls(d, w, m, e):
    d.eq(w, "org_name", m["org_name"], e["organization-name"])
    d.eq(w, "report_id", m["report_id"], e["report-id"])
    d.eq(w, "email", m.get("email", ""), e.get("contact-info", ""))
    d.eq(w, "begin", m["begin"], utc(e["date-range"]["start-datetime"]))
    d.eq(w, "end", m["end"], utc(e["date-range"]["end-datetime"]))
    d.eq(w, "records", len(m["records"]), len(e["policies"]))
    for i, (r, x) in enumerate(zip(m["records"], e["policies"])):
        wi = f"{w} policy {i}"
        pol, s = x["policy"], x.get("summary", {})
        d.eq(wi, "policy_type", r["policy_type"], pol.get("policy-type", ""))
        d.eq(wi, "policy_domain", r["policy_domain"], pol.get("policy-domain", ""))
        d.eq(wi, "policy_string", r.get("policy_string", []), pol.get("policy-string", []))
        d.eq(wi, "mx_host", r.get("mx_host", []), pol.get("mx-host", []))
        d.eq(wi, "successful_sessions", r["successful_sessions"],
             s.get("total-successful-session-count", 0))
        d.eq(wi, "failed_sessions", r["failed_sessions"], s.get("total-failure-session-count", 0))
        fd = x.get("failure-details", [])
        d.eq(wi, "failure_details", len(r.get("failure_details", [])), len(fd))
        for j, (a, b) in enumerate(zip(r.get("failure_details", []), fd)):
            for k in ("result-type", "sending-mta-ip", "receiving-mx-hostname", "receiving-ip",
                      "failed-session-count", "failure-reason-code", "additional-information"):
                ours = a.get(k.replace("-", "_"), "" if k != "failed-session-count" else 0)
                d.eq(f"{wi} failure {j}", k, ours, b.get(k, "" if k != "failed-session-count" else 0))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("parsedmarc", "mail-auth"):
        print(__doc__)
        return 2
    ok = cmp_parsedmarc(argv[2], argv[3]) if argv[1] == "parsedmarc" else cmp_mailauth(argv[2], argv[3])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
