#!/usr/bin/env python3
"""End-to-end SMTP probe against the loopback testnet (../shared/testnet: BIND on 127.0.0.1:5353,
Postfix, postgrey and misbehaving servers on port 25).

Usage: testnet_smtp.py MAILSIFT EXPECTED_CSV

Runs `mailsift check --smtp` on every address of expected.csv (short timeouts, a short greylist
wait that postgrey's delay outlasts) and asserts that each address gets the verdict and reason its
`expected_status` names, mapped to mailsift's vocabulary below; where the row gives an SMTP code,
the evidence must carry it. Prints one line per address and the score; exit 1 on any mismatch.
Needs a freshly started testnet (`up --restart`): postgrey whitelists clients that passed
greylisting before, and then greylist.test no longer greylists.
"""
import csv
import json
import os
import subprocess
import sys
import time

# testnet status -> (mailsift verdict, reason)
MAP = {
    'deliverable': ('deliverable', 'accepted'),
    'undeliverable:user_unknown': ('undeliverable', 'mailbox_not_found'),
    'undeliverable:disabled': ('undeliverable', 'mailbox_disabled'),
    'undeliverable:policy': ('undeliverable', 'policy_rejected'),
    'undeliverable:moved': ('undeliverable', 'mailbox_moved'),
    'undeliverable:relay_denied': ('undeliverable', 'relay_denied'),
    'risky:full': ('risky', 'mailbox_full'),
    'risky:catch_all': ('risky', 'accept_all'),
    'risky:greylisted': ('risky', 'greylisted_unresolved'),
    'unknown:tempfail': ('unknown', 'tempfail'),
    'unknown:unavailable': ('unknown', 'unavailable'),
    'unknown:timeout': ('unknown', 'smtp_timeout'),
    'unknown:connection_closed': ('unknown', 'connection_closed'),
    'unknown:connection_refused': ('unknown', 'connect_failed'),
    'unknown:dns_timeout': ('unknown', 'dns_timeout'),
    'unknown:dns_servfail': ('unknown', 'dns_servfail'),
    'invalid:nxdomain': ('undeliverable', 'invalid_domain'),
    'invalid:null_mx': ('undeliverable', 'null_mx'),
    'invalid:no_mx': ('undeliverable', 'no_mail_server'),
    'invalid:no_mx_address': ('undeliverable', 'no_mail_server'),
}


def main():
    mailsift, expected = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(expected, newline='', encoding='utf-8')))
    stdin = ''.join(r['address'] + '\n' for r in rows)
    cmd = [mailsift, 'check', '--dns', '127.0.0.1:5353', '--allow-special-use-domains',
           '--dns-timeout', '2', '--smtp', '--helo', 'probe.mailsift.test',
           # A new sender each run, so every greylisting triplet is new (as the testnet's own
           # `verify` does), even when the testnet has been up for a while.
           '--mail-from', 'verify-%d-%d@mailsift.test' % (os.getpid(), int(time.time())), '--smtp-timeout', '3',
           '--greylist-wait', '2', '--greylist-retries', '1', '--smtp-rate', '0', '-']
    t = time.time()
    out = subprocess.run(cmd, input=stdin.encode(), capture_output=True, timeout=600)
    elapsed = time.time() - t
    if out.returncode != 0:
        sys.stderr.write(out.stderr.decode(errors='replace'))
        sys.exit(1)
    got = [json.loads(l) for l in out.stdout.decode().splitlines()]
    assert len(got) == len(rows), (len(got), len(rows))
    bad = 0
    for r, g in zip(rows, got):
        want = MAP[r['expected_status']]
        have = (g['verdict'], g['reason'])
        ok = have == want
        smtp = g.get('smtp') or {}
        if ok and r['expected_smtp_code']:
            ok = str(smtp.get('code')) == r['expected_smtp_code']
        if ok and r['expected_enhanced_code']:
            ok = smtp.get('enhanced_code') == r['expected_enhanced_code']
        evidence = ('%s %s %s' % (smtp.get('mx_host', ''), smtp.get('code', ''),
                                  smtp.get('enhanced_code', ''))).strip()
        print('%-4s %-32s %-28s -> %s/%s %s' % ('ok' if ok else 'FAIL', r['address'],
                                               r['expected_status'], g['verdict'], g['reason'],
                                               evidence))
        bad += not ok
    sys.stderr.write(out.stderr.decode(errors='replace'))
    print('testnet SMTP: %d/%d rows as expected in %.1f s' % (len(rows) - bad, len(rows), elapsed))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
