#!/usr/bin/env bash
# Byte-for-byte output snapshot of a mailsift binary, for refactors that must not change behaviour.
#
#   tools/golden.sh BIN OUTDIR [SHARED]
#
# Runs `clean`, `check`, `bounces` and `logs` on the bundled samples, the committed test data,
# generated inputs (GEN_LIST / GEN_LOGS: files made by `examples/gen_list` and
# `examples/gen_logs`, when set) and, when SHARED (default ../shared) exists, the shared corpora.
# Writes every output under OUTDIR and their checksums to OUTDIR/SHA256SUMS. Compare two
# snapshots with `diff A/SHA256SUMS B/SHA256SUMS`. Offline: no DNS, no SMTP.
set -uo pipefail
bin=$(realpath "$1"); out=$2; shared=${3:-../shared}
cd "$(dirname "$0")/.."
rm -rf "$out"; mkdir -p "$out"
run() { local name=$1; shift; "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"; echo "$?" > "$out/$name.rc"; }

clean() { # name input args...
    local name=$1 input=$2; shift 2
    run "clean-$name" "$bin" clean "$input" --offline -o "$out/clean-$name.clean.csv" \
        --rejects "$out/clean-$name.rejects.csv" --results "$out/clean-$name.results.jsonl" \
        --summary "$out/clean-$name.summary.json" "$@"
}
clean contacts data/samples/contacts.csv
clean contacts-j1 data/samples/contacts.csv -j 1
clean contacts-reject data/samples/contacts.csv --reject undeliverable,duplicate,disposable,role
[ -n "${GEN_LIST:-}" ] && clean genlist "$GEN_LIST"
[ -n "${GEN_LIST:-}" ] && clean genlist-j1 "$GEN_LIST" -j 1
if [ -f "$shared/corpus/syntax/cases.csv" ]; then
    clean syntax "$shared/corpus/syntax/cases.csv" --column address --no-trim
    clean syntax-smtp "$shared/corpus/syntax/cases.csv" --column address --no-trim --allow-smtp-syntax
    cut -d, -f1 "$shared/corpus/syntax/cases.csv" | run check-syntax "$bin" check --offline -
fi
run check-args "$bin" check --offline john@gmial.com 'info@Example.COM' 'a..b@x.com' 'jane@gmail'

bounces() { # name input...
    local name=$1; shift
    run "bounces-$name" "$bin" bounces -o "$out/bounces-$name.jsonl" \
        --suppress "$out/bounces-$name.suppress.txt" --summary "$out/bounces-$name.summary.json" "$@"
    run "bounces-$name-csv" "$bin" bounces --format csv -o "$out/bounces-$name.csv" -q "$@"
}
bounces tests tests/data/bounces/emails
ls data/samples/*.mbox >/dev/null 2>&1 && bounces sample data/samples/*.mbox
[ -d "$shared/corpus/bounces/emails" ] && bounces shared "$shared/corpus/bounces/emails"
[ -d "$shared/corpus/logs/arf" ] && bounces arf "$shared/corpus/logs/arf"

logs() { # name input...
    local name=$1; shift
    mkdir -p "$out/logs-$name.csv.d"
    run "logs-$name" "$bin" logs --year 2024 --json "$out/logs-$name.json" \
        --csv "$out/logs-$name.csv.d" --html "$out/logs-$name.html" "$@"
}
for f in tests/data/logs/*.log tests/data/logs/*.mainlog tests/data/logs/events-*.jsonl tests/data/logs/events-*.csv; do
    logs "tests-$(basename "$f")" "$f"
done
logs tests-arf tests/data/logs/arf
ls data/samples/*.log >/dev/null 2>&1 && logs sample data/samples/*.log
[ -n "${GEN_LOGS:-}" ] && logs genlogs "$GEN_LOGS"
if [ -d "$shared/corpus/logs" ]; then
    for f in "$shared"/corpus/logs/generated/*.log "$shared"/corpus/logs/generated/*.mainlog \
             "$shared"/corpus/logs/generated/events-*.jsonl "$shared"/corpus/logs/generated/events-*.csv \
             "$shared"/corpus/logs/postfix/real/*.log "$shared"/corpus/logs/exim/real/*.log; do
        [ -f "$f" ] && logs "shared-$(basename "$f")" "$f"
    done
    for d in ses sendgrid mailgun arf; do logs "shared-$d" "$shared/corpus/logs/$d"; done
fi
# Timings differ from run to run: blank them (JSON fields and the stderr summary line).
find "$out" -type f \( -name '*.json' -o -name '*.stderr' \) -exec sed -i -E \
    -e 's/("(elapsed_seconds|[a-z_]*per_second)": )[0-9.e+-]+/\1T/' \
    -e "s#$out#OUT#g" -e 's/[0-9]+(\.[0-9]+)?s, [0-9]+(\.[0-9]+)? ([a-z]+)\/s/Ts, T \3\/s/g' {} +
(cd "$out" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "$(wc -l < "$out/SHA256SUMS") outputs in $out/SHA256SUMS"
