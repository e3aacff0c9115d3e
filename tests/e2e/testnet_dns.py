#!/usr/bin/env python3
"""End-to-end DNS check against the loopback testnet (../shared/testnet, BIND on 127.0.0.1:5353).

Usage: testnet_dns.py MAILSIFT EXPECTED_CSV

Runs `mailsift check --dns 127.0.0.1:5353 --allow-special-use-domains -` on every address of
expected.csv and asserts the DNS-level outcome: rows whose expected status is about DNS get exactly
that reason; every other row is not undeliverable and has a DNS route. Exit 1 on any mismatch.
"""
import csv
import json
import subprocess
import sys

DNS_REASONS = {
    'invalid:null_mx': 'null_mx',
    'invalid:no_mx': 'no_mail_server',
    'invalid:no_mx_address': 'no_mail_server',
    'invalid:nxdomain': 'invalid_domain',
    'unknown:dns_timeout': 'dns_timeout',
    'unknown:dns_servfail': 'dns_servfail',
}


def main():
    mailsift, expected = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(expected, newline='', encoding='utf-8')))
    stdin = ''.join(r['address'] + '\n' for r in rows)
    out = subprocess.run(
        [mailsift, 'check', '--dns', '127.0.0.1:5353', '--allow-special-use-domains',
         '--dns-timeout', '2', '-'],
        input=stdin.encode(), capture_output=True, check=True, timeout=300)
    got = [json.loads(l) for l in out.stdout.decode().splitlines()]
    assert len(got) == len(rows), (len(got), len(rows))
    bad = 0
    for r, g in zip(rows, got):
        want = DNS_REASONS.get(r['expected_status'])
        if want is not None:
            ok = g['reason'] == want
            why = 'want reason %s' % want
        else:
            ok = g['verdict'] != 'undeliverable' and g.get('dns') and g['dns']['route']['kind'] in ('mx', 'implicit')
            why = 'want a mail route, not undeliverable'
        print('%-4s %-32s %-28s -> %s/%s %s' % ('ok' if ok else 'FAIL', r['address'], r['expected_status'],
                                               g['verdict'], g['reason'],
                                               '' if ok else '(' + why + ')'))
        bad += not ok
    print('testnet DNS: %d/%d rows as expected' % (len(rows) - bad, len(rows)))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
