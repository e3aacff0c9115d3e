#!/usr/bin/env python3
"""End-to-end `mailsift domain` against the loopback testnet (../shared/testnet, BIND on
127.0.0.1:5353).

Usage: testnet_domain.py MAILSIFT TESTNET_DIR

For each testnet domain it runs `mailsift domain DOMAIN --dns 127.0.0.1:5353 --json -` (with
`--selector sel1` and an `--ip` whose PTR the reverse zone holds) and compares every DNS answer the
report holds (its `queries` log: name, type, outcome, answers) with what
`dig @127.0.0.1 -p 5353 NAME TYPE` shows. It also reads the zone file `dns/db.test` and checks that
each record the audit is meant to read for the domain (its MX and TXT, `_dmarc`, `sel1._domainkey`,
`_mta-sts`, `_smtp._tls`, the MX hosts' addresses, the includes of its SPF record) is in the report
exactly as published, and that the sections say what the zone says (SPF record, DMARC record and
policy, DKIM key length, null MX, CNAME targets, FCrDNS). Prints `records matched M / N`; exit 1 on
any mismatch.
"""
import json
import re
import subprocess
import sys

DNS = ('127.0.0.1', '5353')

# domain -> extra arguments. timeout.test (no answer at all) and lame.test (recursion to a dead
# server) only measure timeouts and are left out to keep the run short.
DOMAINS = {
    'sender.test': ['--selector', 'sel1', '--ip', '127.0.0.30'],
    'ok.test': ['--ip', '127.0.0.10', '--ip', '127.0.0.11'],
    'implicit.test': ['--ip', '127.0.0.99'],
    'v6only.test': [],
    'nullmx.test': [],
    'nomail.test': [],
    'cname-mx.test': [],
    'dangling.test': [],
    'nodata-mx.test': [],
    'catchall.test': [],
    'greylist.test': [],
    'fallback.test': [],
    'relay.test': [],
    'loop.test': [],
    'badauth.test': [],
    'badsyntax.test': [],
    'multispf.test': [],
    'xn--bcher-kva.test': [],
    'nope.test': [],
    'servfail.test': [],
}


def dig(name, rtype):
    """(outcome, sorted answers) as dig shows them, in mailsift's presentation."""
    out = subprocess.run(
        ['dig', '@' + DNS[0], '-p', DNS[1], '+time=2', '+tries=1', '+noall', '+comments',
         '+answer', name, rtype], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r'status: (\w+)', out)
    if not m:
        return 'timeout', []
    status = m.group(1)
    answers = []
    for line in out.splitlines():
        if not line or line.startswith(';'):
            continue
        parts = line.split(None, 4)
        if len(parts) < 5 or parts[3] != rtype:
            continue
        answers.append(present(rtype, parts[4]))
    if status == 'NXDOMAIN':
        return 'nxdomain', []
    if status != 'NOERROR':
        return 'servfail', []
    return ('answer' if answers else 'nodata'), sorted(answers)


def present(rtype, data):
    """dig's rdata in mailsift's form: names without the final dot, TXT strings joined."""
    if rtype == 'TXT':
        return ''.join(s.encode('latin-1').decode('unicode_escape').encode('latin-1').decode('utf-8')
                       for s in re.findall(r'"((?:[^"\\]|\\.)*)"', data))
    if rtype == 'MX':
        pref, host = data.split()
        return norm_mx(pref, host)
    if rtype in ('CNAME', 'PTR', 'NS'):
        return data.rstrip('.').lower()
    return data


def norm_mx(pref, host):
    host = host.rstrip('.').lower()
    return '%s %s' % (pref, host or '.')


def ours(q):
    if q['type'] == 'MX':
        return sorted(norm_mx(*(a.split(' ', 1) + [''])[:2]) for a in q['answers'])
    return sorted(q['answers'])


def zone_records(path):
    """(owner, type, data) of db.test in presentation form (the zone's own simple syntax)."""
    recs = []
    text = open(path, encoding='utf-8').read()
    for line in text.splitlines():
        line = line.split(';')[0] if '"' not in line else line
        if not line.strip() or line.startswith('$') or line[0].isspace():
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        owner, rtype, data = parts
        if rtype not in ('MX', 'TXT', 'A', 'AAAA', 'CNAME', 'PTR'):
            continue
        owner = owner.lower() + '.test' if owner != '@' else 'test'
        if rtype == 'MX':
            pref, host = data.split()
            host = host if host.endswith('.') else host + '.test'
            data = norm_mx(pref, host)
        elif rtype == 'TXT':
            data = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', data))
        elif rtype == 'CNAME':
            data = (data if data.endswith('.') else data + '.test').rstrip('.')
        recs.append((owner, rtype, data.strip()))
    return recs


def main():
    mailsift, testnet = sys.argv[1], sys.argv[2]
    zone = zone_records(testnet + '/dns/db.test')
    matched = total = 0
    bad = []
    published_ok = published_total = 0
    for domain, extra in DOMAINS.items():
        cmd = [mailsift, 'domain', domain, '--dns', ':'.join(DNS), '--timeout', '2',
               '--dnsbl', 'none', '--json', '-'] + extra
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if p.returncode not in (0, 3, 4, 5):
            bad.append('%s: exit %d: %s' % (domain, p.returncode, p.stderr.strip()))
            continue
        rep = json.loads(p.stdout)
        asked = {}
        for q in rep['queries']:
            total += 1
            want = dig(q['name'], q['type'])
            got = (q['outcome'], ours(q))
            asked[(q['name'], q['type'])] = got
            if got == want:
                matched += 1
            else:
                bad.append('%s %s %s: mailsift %r, dig %r' % (domain, q['name'], q['type'], got, want))
        # Every record of the zone the audit reads for this domain is in the report as published.
        # Includes past the 10-lookup limit are never asked (the 11th term is a permerror).
        spf_includes = set(re.findall(r'include:(\S+)', rep['spf'].get('record') or '')[:10])
        mx_hosts = {h['host'] for h in rep['mx']['hosts']}
        for owner, rtype, data in zone:
            wanted = (
                (owner == domain and rtype in ('MX', 'TXT'))
                or owner in ('_dmarc.' + domain, 'sel1._domainkey.' + domain,
                             '_mta-sts.' + domain, '_smtp._tls.' + domain)
                or (owner in mx_hosts and rtype in ('A', 'AAAA', 'CNAME'))
                or (owner in spf_includes and rtype == 'TXT'))
            if not wanted:
                continue
            published_total += 1
            got = asked.get((owner, rtype))
            if rtype == 'CNAME' and got is None:
                # The CNAME of an MX host is read as the host's CNAME; its A answers follow it.
                got = asked.get((owner, 'CNAME'))
            if got and data in got[1]:
                published_ok += 1
            else:
                bad.append('%s: zone record %s %s %r not in the report (%r)' % (domain, owner, rtype, data, got))
        check_sections(domain, rep, bad)
    print('testnet domain: records matched %d / %d (dig); zone records reported %d / %d'
          % (matched, total, published_ok, published_total))
    for b in bad:
        print('MISMATCH ' + b)
    sys.exit(1 if bad else 0)


def expect(bad, domain, what, got, want):
    if got != want:
        bad.append('%s: %s is %r, want %r' % (domain, what, got, want))


def check_sections(domain, rep, bad):
    codes = set()

    def walk(v):
        if isinstance(v, dict):
            if 'code' in v and 'severity' in v:
                codes.add(v['code'])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(rep)
    if domain == 'sender.test':
        expect(bad, domain, 'spf record', rep['spf']['record'], 'v=spf1 ip4:127.0.0.0/8 -all')
        expect(bad, domain, 'spf result', rep['spf']['results'][0]['result'], 'pass')
        expect(bad, domain, 'dmarc policy', rep['dmarc']['policy'], 'reject')
        expect(bad, domain, 'dkim bits', rep['dkim']['keys'][0]['key_bits'], 2048)
        expect(bad, domain, 'fcrdns', rep['ptr'][0]['fcrdns'], 'pass')
        expect(bad, domain, 'tlsrpt rua', rep['tlsrpt']['rua'], ['mailto:tlsrpt@sender.test'])
        expect(bad, domain, 'mta-sts id', rep['mta_sts']['id'], '20240101T000000Z')
        expect(bad, domain, 'pct flagged', 'dmarc_removed_tag' in codes, True)
        expect(bad, domain, 'verdict', rep['verdict']['verdict'], 'ready')
    elif domain == 'ok.test':
        expect(bad, domain, 'mx', [h['host'] for h in rep['mx']['hosts']], ['mx1.ok.test', 'mx2.ok.test'])
        expect(bad, domain, 'fcrdns', [p['fcrdns'] for p in rep['ptr']], ['pass', 'pass'])
        expect(bad, domain, 'dmarc missing', 'dmarc_missing' in codes, True)
    elif domain == 'implicit.test':
        expect(bad, domain, 'implicit', rep['mx']['implicit'], True)
        expect(bad, domain, 'ptr missing', 'ptr_missing' in codes, True)
    elif domain == 'nullmx.test':
        expect(bad, domain, 'null mx', rep['mx']['null_mx'], True)
    elif domain == 'cname-mx.test':
        expect(bad, domain, 'cname', rep['mx']['hosts'][0]['cname'], 'mx1.ok.test')
    elif domain in ('dangling.test',):
        expect(bad, domain, 'host', rep['mx']['hosts'][0]['status'], 'nxdomain')
    elif domain in ('nodata-mx.test',):
        expect(bad, domain, 'host', rep['mx']['hosts'][0]['status'], 'no_address')
    elif domain == 'badauth.test':
        expect(bad, domain, 'lookups', rep['spf']['lookups'], 11)
        expect(bad, domain, 'permerror', 'spf_permerror' in codes, True)
    elif domain == 'badsyntax.test':
        expect(bad, domain, 'spf syntax', 'spf_syntax' in codes, True)
        expect(bad, domain, 'dmarc p=maybe', 'dmarc_bad_policy' in codes, True)
    elif domain == 'multispf.test':
        expect(bad, domain, 'two spf', 'spf_multiple_records' in codes, True)
    elif domain == 'nope.test':
        expect(bad, domain, 'nxdomain', 'domain_nxdomain' in codes, True)
    elif domain == 'servfail.test':
        expect(bad, domain, 'worst', rep['worst'] in ('unknown', 'warning', 'error'), True)
        expect(bad, domain, 'mx unknown', 'mx_unknown' in codes, True)


if __name__ == '__main__':
    main()
