#!/bin/sh
# Throughput of `mailsift bounces` vs Sisimai 4.25 (libsisimai-perl) on the same corpus, one run.
#
# usage: benches/bounces_vs_sisimai.sh [CORPUS_DIR] [SISIMAI_PASSES] [MAILSIFT_REPEAT] [THREADS]
#   CORPUS_DIR       default tests/data/bounces/emails (the project's copy of the corpus)
#   SISIMAI_PASSES   passes over the corpus for Sisimai (default 15, >= 10 s here)
#   MAILSIFT_REPEAT  passes for mailsift (default 1500, >= 10 s here)
#   THREADS          mailsift worker threads (default 0 = one per core)
# FLOOR=1 adds four lower bounds in the same run (examples/bounce_floor.rs, same passes and
# threads as mailsift), none with any bounce decoding: reading the files only; reading plus
# mail-parser's `parse_headers`; reading plus mail-parser's full `parse` of each message; and
# reading plus the MIME pre-pass and mail-parser's parse of its trimmed copy, as mailsift does.
# Messages per pass are counted once by mailsift's mbox splitter (a file is read as an mbox, as
# Sisimai does) and used for both tools. Peak RSS and CPU time (user + system) from
# /usr/bin/time: on a shared machine messages per CPU-second is the steadier figure (wall-clock
# msg/s of the two mailsift threads drops when other jobs take a core; Sisimai uses one).
set -eu
cd "$(dirname "$0")/.."
CORPUS=${1:-tests/data/bounces/emails}
SP=${2:-15}
MR=${3:-1500}
TH=${4:-0}
BIN=target/release/mailsift
cargo build --release --quiet
FLOOR=${FLOOR:-0}
[ "$FLOOR" = 1 ] && cargo build --release --quiet --example bounce_floor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BIN" bounces -q "$CORPUS" -o /dev/null --summary "$tmp/one.json"
per_pass=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['messages'])" "$tmp/one.json")

/usr/bin/time -f "%e %M %U %S" -o "$tmp/sisimai.time" perl benches/sisimai_bench.pl "$CORPUS" "$SP" > "$tmp/sisimai.out"
/usr/bin/time -f "%e %M %U %S" -o "$tmp/mailsift.time" "$BIN" bounces -q -j "$TH" --repeat "$MR" "$CORPUS" -o /dev/null

floors=""
if [ "$FLOOR" = 1 ]; then
    fth=$TH
    [ "$fth" = 0 ] && fth=$(nproc)
    for st in read headers parse trimmed; do
        /usr/bin/time -f "%e %M %U %S" -o "$tmp/$st.time" \
            target/release/examples/bounce_floor "$st" "$CORPUS" "$MR" "$fth" > /dev/null
        floors="$floors $st $(cat "$tmp/$st.time" | tr ' ' ,)"
    done
fi
read -r s_sec s_rss s_usr s_sys < "$tmp/sisimai.time"
read -r m_sec m_rss m_usr m_sys < "$tmp/mailsift.time"
python3 - "$per_pass" "$SP" "$s_sec" "$s_rss" "$MR" "$m_sec" "$m_rss" "$(cat "$tmp/sisimai.out")" \
    "$s_usr" "$s_sys" "$m_usr" "$m_sys" "$floors" <<'PY'
import sys
per, sp, ssec, srss, mr, msec, mrss, sout, susr, ssys, musr, msys, floors = sys.argv[1:]
per, sp, mr = int(per), int(sp), int(mr)
ssec, msec = float(ssec), float(msec)
scpu, mcpu = float(susr) + float(ssys), float(musr) + float(msys)
s_rate = per * sp / ssec
m_rate = per * mr / msec
print(f"corpus: {per} messages per pass")
print(f"  {sout}")
print(f"{'tool':<22}{'passes':>8}{'messages':>10}{'seconds':>9}{'msg/s':>11}{'cpu-s':>9}{'msg/cpu-s':>11}{'peak RSS':>11}")
print(f"{'sisimai 4.25 (perl)':<22}{sp:>8}{per*sp:>10}{ssec:>9.2f}{s_rate:>11.0f}{scpu:>9.2f}{per*sp/scpu:>11.0f}{int(srss)/1024:>9.1f}MB")
print(f"{'mailsift bounces':<22}{mr:>8}{per*mr:>10}{msec:>9.2f}{m_rate:>11.0f}{mcpu:>9.2f}{per*mr/mcpu:>11.0f}{int(mrss)/1024:>9.1f}MB")
print(f"speed-up: {m_rate / s_rate:.0f}x (per CPU-second: {per*mr/mcpu / (per*sp/scpu):.0f}x)")
f = floors.split()
if f:
    print("lower bounds (no bounce decoding), same passes and threads as mailsift:")
    names = {"read": "read files only", "headers": "+ mp parse_headers", "parse": "+ mp parse",
             "trimmed": "+ pre-pass + mp parse"}
    for st, t in zip(f[0::2], f[1::2]):
        sec, rss, usr, sys_ = t.split(",")
        sec, cpu = float(sec), float(usr) + float(sys_)
        rate = per * mr / sec
        print(f"{names[st]:<22}{mr:>8}{per*mr:>10}{sec:>9.2f}{rate:>11.0f}{cpu:>9.2f}"
              f"{per*mr/cpu:>11.0f}{int(rss)/1024:>9.1f}MB  = {rate / s_rate:.0f}x sisimai")
PY
