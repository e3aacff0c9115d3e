#!/usr/bin/env bash
# mailsift dmarc vs parsedmarc, same run, on a set of generated aggregate reports
# (examples/gen_dmarc.rs: one file each; 80% .xml, 10% .xml.gz, 10% .zip; default 10,000).
# Network lookups off on both sides: `mailsift dmarc --offline`; `parsedmarc --offline` with
# its DNS pointed at a closed loopback port. Prints wall time, peak RSS, reports/s and the
# ratio, and checks that both counted the same reports and messages.
#
#   benches/dmarc_vs_parsedmarc.sh [REPORTS]
#
# PARSEDMARC: the parsedmarc command (default: /work/venv-parsedmarc/bin/parsedmarc, else
# parsedmarc on PATH; install with `python3 -m venv V && V/bin/pip install parsedmarc`).
# CARGO_TARGET_DIR is honoured. Inputs go to $BENCH_DIR (default /dev/shm, else /tmp) and are
# removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
pd=${PARSEDMARC:-$( [ -x /work/venv-parsedmarc/bin/parsedmarc ] && echo /work/venv-parsedmarc/bin/parsedmarc || echo parsedmarc )}
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )}
dir=$(mktemp -d "$base/mailsift-dmarc-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
target=${CARGO_TARGET_DIR:-target}

cargo build --release --quiet --bin mailsift --example gen_dmarc
bin=$target/release/mailsift
gen=$target/release/examples/gen_dmarc

echo "generating $n reports ..." >&2
"$gen" bench "$n" "$dir/reports"
printf 'input: %s files, %s bytes\n' "$(ls "$dir/reports" | wc -l)" "$(du -sb "$dir/reports" | cut -f1)"

measure() { # label, command...: prints "label wall_seconds peak_kb user_seconds sys_seconds"
    local label=$1; shift
    /usr/bin/time -f "$label %e %M %U %S" "$@" 2> "$dir/time.$label" > /dev/null || true
    tail -1 "$dir/time.$label"
}

m=$(measure mailsift "$bin" dmarc --offline --jsonl "$dir/mailsift.jsonl" "$dir/reports")
p=$(measure parsedmarc "$pd" --offline -n 127.0.0.1 -t 0.01 --silent -o "$dir/pd" "$dir/reports")
echo "$m"
echo "$p"
python3 - "$n" "$dir" "$m" "$p" <<'PY'
import json, sys, os
n, d = int(sys.argv[1]), sys.argv[2]
mt, pt = sys.argv[3].split(), sys.argv[4].split()
ms, ps = float(mt[1]), float(pt[1])
mc, pc = float(mt[3]) + float(mt[4]), float(pt[3]) + float(pt[4])
ours = [json.loads(l) for l in open(os.path.join(d, "mailsift.jsonl"))]
reps = [o for o in ours if o.get("kind") == "aggregate"]
pdf = os.path.join(d, "pd", "aggregate.json")
theirs = json.load(open(pdf)) if os.path.exists(pdf) else []
om = sum(r["totals"]["messages"] for r in reps)
tm = sum(x["count"] for r in theirs for x in r["records"])
print(f"reports: mailsift {len(reps)} ({len(ours) - len(reps)} not used), parsedmarc {len(theirs)}")
print(f"messages: mailsift {om}, parsedmarc {tm}")
print(f"mailsift   {len(reps) / max(ms, 1e-9):10.0f} reports/s wall ({ms:.2f} s, peak {mt[2]} KB), "
      f"{len(reps) / max(mc, 1e-9):10.0f} reports/CPU-s ({mc:.2f} s)")
print(f"parsedmarc {len(theirs) / max(ps, 1e-9):10.1f} reports/s wall ({ps:.2f} s, peak {pt[2]} KB), "
      f"{len(theirs) / max(pc, 1e-9):10.1f} reports/CPU-s ({pc:.2f} s)")
if theirs and ms > 0 and mc > 0:
    print(f"ratio: {(len(reps) / ms) / (len(theirs) / ps):.0f}x reports/s wall, "
          f"{(len(reps) / mc) / (len(theirs) / pc):.0f}x reports per CPU second")
PY
