#!/usr/bin/env bash
# mailsift logs vs pflogsumm, side by side, on a Postfix log this script generates itself
# (examples/gen_logs.rs; default 1,000,000 messages, ~1.2 GB), then ESP JSONL throughput
# (default 1,000,000 SendGrid events). Prints wall time, peak RSS, the ratio and events/s.
#
#   benches/logs_vs_pflogsumm.sh [MESSAGES] [EVENTS]
#
# Inputs go to $BENCH_DIR (default /dev/shm, else /tmp) and are removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
events=${2:-1000000}
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )}
dir=$(mktemp -d "$base/mailsift-logs-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

cargo build --release --quiet --bin mailsift --example gen_logs
tdir=${CARGO_TARGET_DIR:-target}
bin=$tdir/release/mailsift
gen=$tdir/release/examples/gen_logs

echo "generating $messages messages ..." >&2
"$gen" postfix "$messages" > "$dir/mail.log"
printf 'input: %s lines, %s bytes\n' "$(wc -l < "$dir/mail.log")" "$(stat -c %s "$dir/mail.log")"

measure() { # label, command...: prints "label seconds peak_kb"
    local label=$1; shift
    /usr/bin/time -f "$label %e %M" "$@" 2> "$dir/time.$label" > /dev/null || true
    tail -1 "$dir/time.$label"
}

ms=$(measure mailsift "$bin" logs -q --year 2024 --json "$dir/report.json" "$dir/mail.log")
echo "$ms" | awk '{printf "mailsift logs: %.2f s, peak RSS %.0f MB\n", $2, $3/1024}'
if command -v pflogsumm > /dev/null; then
    pf=$(measure pflogsumm pflogsumm "$dir/mail.log")
    echo "$pf" | awk '{printf "pflogsumm:     %.2f s, peak RSS %.0f MB\n", $2, $3/1024}'
    echo "$ms $pf" | awk '{printf "ratio: mailsift is %.1fx faster\n", $5/$2}'
else
    echo "pflogsumm not installed (apt-get install pflogsumm): no comparison"
fi
python3 - "$dir/report.json" <<'PY' 2>/dev/null || true
import json, sys
t = json.load(open(sys.argv[1]))["mta"]["totals"]
print("mailsift totals: messages %(messages)d recipients %(recipients)d delivered %(delivered)d bounced %(bounced)d deferred %(deferred_recipients)d" % t)
PY

echo "generating $events SendGrid events ..." >&2
"$gen" sendgrid "$events" > "$dir/events.jsonl"
ev=$(measure esp "$bin" logs -q --json "$dir/esp.json" "$dir/events.jsonl")
n=$(wc -l < "$dir/events.jsonl")
echo "$ev $n" | awk '{printf "ESP JSONL: %d events in %.2f s = %.0f events/s, peak RSS %.0f MB\n", $4, $2, $4/$2, $3/1024}'
