#!/usr/bin/env bash
# End-to-end speed of `mailsift clean --offline` on a generated 1,000,000-row list, compared in
# the same run with email-validator 2.4 (`validate_email(..., check_deliverability=False)`, one
# Python process) on the same addresses.
#
#   benches/e2e.sh                  # 1,000,000 rows, seed 42, 5 timed runs per thread count
#   ROWS=200000 RUNS=1 benches/e2e.sh
#   RESULTS=0 benches/e2e.sh        # without --results (clean CSV, rejects CSV, summary only)
#   EV_ROWS=200000 benches/e2e.sh   # time email-validator on the first 200,000 addresses only
#                                   # and extrapolate its rows/s (reported as extrapolated)
#
# Everything is generated here (`cargo run --example gen_list`), nothing is downloaded except,
# if missing, email-validator==2.4.0 (pip). No network traffic otherwise.
#
# Reports rows/s, MB/s (input CSV bytes / wall time; 1 MB = 10^6 bytes), peak RSS (ru_maxrss),
# mailsift(2 threads) / email-validator and 2 threads / 1 thread.
# Figures go to stdout and, as JSON, to <target dir>/e2e-bench.json.
set -euo pipefail

ROWS=${ROWS:-1000000}
SEED=${SEED:-42}
RUNS=${RUNS:-5}
EV_ROWS=${EV_ROWS:-all}
# RESULTS=0 leaves out --results (the per-row JSON Lines file), as a plain `clean` run does.
RESULTS=${RESULTS:-1}
EV_VERSION=2.4.0

cd "$(dirname "$0")/.."

log() { printf 'e2e: %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------------
command -v python3 >/dev/null || { log "python3 is required"; exit 1; }
# Wall time, CPU time and peak RSS come from Python (time.perf_counter and os.wait4): GNU time
# prints the elapsed time in 10 ms steps, too coarse for runs of about 0.2 s.
if ! python3 -c "import email_validator, sys; sys.exit(email_validator.__version__ != '$EV_VERSION')" 2>/dev/null; then
    log "installing email-validator==$EV_VERSION (pip)"
    python3 -m pip install --quiet "email-validator==$EV_VERSION"
fi

# --- build and generate --------------------------------------------------------------------------
log "building (release)"
cargo build --release --quiet --bin mailsift --example gen_list
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
MAILSIFT="$TARGET_DIR/release/mailsift"
GEN="$TARGET_DIR/release/examples/gen_list"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailsift-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
INPUT="$TMP/list.csv"
log "generating $ROWS rows (seed $SEED) into $TMP"
"$GEN" "$ROWS" --seed "$SEED" >"$INPUT"

# Run a command, writing GNU-time-style "Elapsed"/"Maximum resident set size" lines to $1, and
# the machine-wide CPU counters before and after to $1.stat (to see other load on the machine).
timed() {
    local out=$1
    shift
    python3 "$TMP/timed.py" "$out" "$@"
}
cat >"$TMP/timed.py" <<'PY'
import os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
def stat():
    try:
        with open("/proc/stat") as f:
            return f.readline()
    except OSError:
        return ""
# The machine-wide CPU counters just before and after the run (to see other load).
before = stat()
t = time.perf_counter()
p = subprocess.Popen(cmd)
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t
with open(out + ".stat", "w") as f:
    f.write(before + stat())
with open(out, "w") as f:
    f.write(f"\tUser time (seconds): {ru.ru_utime:.3f}\n\tSystem time (seconds): {ru.ru_stime:.3f}\n")
    f.write(f"\tElapsed (wall clock) time (h:mm:ss or m:ss): {int(wall // 60)}:{wall % 60:06.3f}\n")
    f.write(f"\tMaximum resident set size (kbytes): {ru.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
PY

# --- mailsift ------------------------------------------------------------------------------------
# Before each run: remove the previous outputs (so no run pays for truncating 400+ MB of page
# cache) and `sync` (so no run competes with the write-back of the previous one's output).
RESULTS_ARGS=()
if [ "$RESULTS" = 1 ]; then RESULTS_ARGS=(--results "$TMP/results.jsonl"); fi
run_mailsift() {
    local threads=$1 tag=$2
    rm -f "$TMP/clean.csv" "$TMP/rejects.csv" "$TMP/results.jsonl" "$TMP/summary.json"
    sync
    timed "$TMP/time.$tag" "$MAILSIFT" clean "$INPUT" --offline \
        -o "$TMP/clean.csv" --rejects "$TMP/rejects.csv" "${RESULTS_ARGS[@]}" \
        --summary "$TMP/summary.json" --threads "$threads" -q
}
log "warm-up run"
run_mailsift 2 warmup
for i in $(seq 1 "$RUNS"); do
    for t in 1 2; do
        log "mailsift clean --offline --threads $t (run $i/$RUNS)"
        run_mailsift "$t" "t$t.$i"
    done
done

# --- email-validator -----------------------------------------------------------------------------
log "email-validator $EV_VERSION over ${EV_ROWS} addresses (one process)"
cat >"$TMP/ev.py" <<'PY'
import csv, json, sys, time
from email_validator import validate_email, EmailNotValidError, __version__
path, limit, out = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    col = next(r).index("email")
    addrs = [row[col] for row in r]
total = len(addrs)
if limit != "all":
    addrs = addrs[: int(limit)]
# Same trimming as mailsift (it strips white space before checking); done inside the timed loop.
valid = 0
t = time.perf_counter()
for a in addrs:
    try:
        validate_email(a.strip(), check_deliverability=False)
        valid += 1
    except EmailNotValidError:
        pass
secs = time.perf_counter() - t
json.dump({
    "version": __version__,
    "rows_total": total,
    "rows_timed": len(addrs),
    "bytes_timed": sum(len(a.encode("utf-8")) for a in addrs),
    "valid": valid,
    "seconds": secs,
}, open(out, "w"))
PY
timed "$TMP/time.ev" python3 "$TMP/ev.py" "$INPUT" "$EV_ROWS" "$TMP/ev.json"

# --- report --------------------------------------------------------------------------------------
RESULTS="$RESULTS" python3 - "$TMP" "$INPUT" "$RUNS" "$ROWS" "$SEED" "$TARGET_DIR/e2e-bench.json" "$MAILSIFT" <<'PY'
import json, os, re, statistics, subprocess, sys, time

tmp, inp, runs, rows, seed, out_json, exe = sys.argv[1:8]
runs, rows = int(runs), int(rows)
size = os.path.getsize(inp)

CLK_TCK = os.sysconf("SC_CLK_TCK")

def busy_seconds(path):
    """Machine-wide busy CPU seconds between the two /proc/stat lines in `path`, or None."""
    try:
        lines = open(path).read().split("\n")
        a, b = ([int(x) for x in l.split()[1:]] for l in lines[:2])
    except (OSError, ValueError):
        return None
    busy = lambda v: sum(v) - v[3] - (v[4] if len(v) > 4 else 0)  # all but idle and iowait
    return (busy(b) - busy(a)) / CLK_TCK

def parse_time(path):
    txt = open(path).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", txt)
    parts = [float(p) for p in m.group(1).split(":")]
    wall = 0.0
    for p in parts:
        wall = wall * 60 + p
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", txt).group(1))
    user = float(re.search(r"User time \(seconds\): (\S+)", txt).group(1))
    sys_ = float(re.search(r"System time \(seconds\): (\S+)", txt).group(1))
    busy = busy_seconds(path + ".stat")
    # CPU time used by other processes while this one ran (noise from a busy machine).
    other = None if busy is None else max(0.0, busy - user - sys_)
    return {"wall_s": wall, "rss_kib": rss, "user_s": user, "sys_s": sys_, "other_cpu_s": other}

summary = json.load(open(os.path.join(tmp, "summary.json")))
res = {}
for t in (1, 2):
    ms = [parse_time(os.path.join(tmp, f"time.t{t}.{i}")) for i in range(1, runs + 1)]
    wall = statistics.median(m["wall_s"] for m in ms)
    rss = max(m["rss_kib"] for m in ms)
    res[t] = {
        "threads": t,
        "runs": runs,
        "wall_seconds_each": [m["wall_s"] for m in ms],
        "wall_seconds_median": wall,
        "wall_seconds_min": min(m["wall_s"] for m in ms),
        "other_processes_cpu_seconds_each": [m["other_cpu_s"] for m in ms],
        "cpu_seconds_median": statistics.median(m["user_s"] + m["sys_s"] for m in ms),
        "rows_per_second": rows / wall,
        "mb_per_second": size / 1e6 / wall,
        "peak_rss_kib": rss,
        "peak_rss_mb": rss * 1024 / 1e6,
    }

ev = json.load(open(os.path.join(tmp, "ev.json")))
evt = parse_time(os.path.join(tmp, "time.ev"))
ev_rps = ev["rows_timed"] / ev["seconds"]
ev_res = {
    "version": ev["version"],
    "rows_timed": ev["rows_timed"],
    "rows_total": ev["rows_total"],
    "extrapolated": ev["rows_timed"] < ev["rows_total"],
    "seconds_timed": ev["seconds"],
    "seconds_for_all_rows": ev["rows_total"] / ev_rps,
    "valid": ev["valid"],
    "rows_per_second": ev_rps,
    # The CSV bytes mailsift would read for the same rows, at email-validator's row rate.
    "mb_per_second_csv_equivalent": ev_rps * size / rows / 1e6,
    "mb_per_second_addresses": ev["bytes_timed"] / ev["seconds"] / 1e6,
    "other_processes_cpu_seconds": evt["other_cpu_s"],
    "peak_rss_kib": evt["rss_kib"],
    "peak_rss_mb": evt["rss_kib"] * 1024 / 1e6,
    "note": "validate_email(addr.strip(), check_deliverability=False) in one Python process; "
            "timed loop only (CSV reading excluded)",
}
ratio_ev = res[2]["rows_per_second"] / ev_rps
ratio_threads = res[2]["rows_per_second"] / res[1]["rows_per_second"]
peak_rss_mb = max(res[1]["peak_rss_mb"], res[2]["peak_rss_mb"])
checks = {
    "mailsift_2t_vs_email_validator_ge_100x": ratio_ev >= 100,
    "two_threads_vs_one_ge_1_7x": ratio_threads >= 1.7,
    "peak_rss_le_300_mb": peak_rss_mb <= 300,
}

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return None

report = {
    "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "git_commit": sh(["git", "rev-parse", "HEAD"]),
    "git_dirty": bool(sh(["git", "status", "--porcelain", "--untracked-files=no"])),
    "rustc": sh(["rustc", "--version"]),
    "cpus": os.cpu_count(),
    "input": {"rows": rows, "seed": seed, "bytes": size,
              "generator": "cargo run --release --example gen_list -- ROWS --seed SEED"},
    "command": "mailsift clean INPUT --offline -o CLEAN --rejects REJ"
               + (" --results R.jsonl" if os.environ.get("RESULTS", "1") == "1" else "")
               + " --summary S.json --threads N -q",
    "mailsift_summary": {k: summary.get(k) for k in ("rows_in", "rows_clean", "rows_rejected", "unique_addresses", "flags", "rejected_by")},
    "mailsift": {"threads_1": res[1], "threads_2": res[2]},
    "email_validator": ev_res,
    "ratio_mailsift_2t_over_email_validator": ratio_ev,
    "ratio_2_threads_over_1_thread": ratio_threads,
    "peak_rss_mb_max": peak_rss_mb,
    "checks": checks,
}
os.makedirs(os.path.dirname(out_json), exist_ok=True)
with open(out_json, "w") as f:
    json.dump(report, f, indent=2)
    f.write("\n")

print()
print(f"input: {rows:,} rows, {size / 1e6:.1f} MB (seed {seed}); {os.cpu_count()} CPUs; "
      f"mailsift wall = median of {runs} runs")
print(f"{'':34} {'rows/s':>12} {'MB/s':>9} {'wall s':>8} {'CPU s':>7} {'peak RSS MB':>12}")
for t in (1, 2):
    r = res[t]
    print(f"{'mailsift clean --threads ' + str(t):34} {r['rows_per_second']:>12,.0f} {r['mb_per_second']:>9.1f} "
          f"{r['wall_seconds_median']:>8.3f} {r['cpu_seconds_median']:>7.3f} {r['peak_rss_mb']:>12.1f}")
label = f"email-validator {ev['version']}" + (" (extrap.)" if ev_res["extrapolated"] else "")
print(f"{label:34} {ev_rps:>12,.0f} {ev_res['mb_per_second_csv_equivalent']:>9.1f} "
      f"{ev_res['seconds_for_all_rows']:>8.2f} {'':>7} {ev_res['peak_rss_mb']:>12.1f}")
if ev_res["extrapolated"]:
    print(f"  (email-validator timed on the first {ev['rows_timed']:,} of {ev['rows_total']:,} addresses; "
          f"its wall time for all rows is extrapolated from that rate)")
print("  (email-validator MB/s: the CSV bytes of the same rows per second; "
      f"on the address bytes alone it is {ev_res['mb_per_second_addresses']:.2f} MB/s)")
for t in (1, 2):
    print(f"  (--threads {t} wall per run, s: {', '.join(f'{w:.3f}' for w in res[t]['wall_seconds_each'])})")
print()
ok = lambda b: "PASS" if b else "FAIL"
print(f"mailsift (2 threads) / email-validator: {ratio_ev:7.1f}x   (target >= 100x)  {ok(checks['mailsift_2t_vs_email_validator_ge_100x'])}")
print(f"2 threads / 1 thread:                   {ratio_threads:7.2f}x   (target >= 1.7x)  {ok(checks['two_threads_vs_one_ge_1_7x'])}")
print(f"peak RSS (max of runs):                 {peak_rss_mb:7.1f} MB (target <= 300 MB) {ok(checks['peak_rss_le_300_mb'])}")
noisy = [f"threads {t} run {i + 1}: {o:.2f} CPU s" for t in (1, 2)
         for i, o in enumerate(res[t]["other_processes_cpu_seconds_each"])
         if o is not None and o > 0.1 * res[t]["wall_seconds_each"][i]]
if evt["other_cpu_s"] is not None and evt["other_cpu_s"] > 0.1 * evt["wall_s"]:
    noisy.append(f"email-validator: {evt['other_cpu_s']:.1f} CPU s in {evt['wall_s']:.1f} s")
if noisy:
    print("\nWARNING: other processes used CPU during timed runs (results are noisy): " + "; ".join(noisy))
print(f"\nJSON: {out_json}")
PY
