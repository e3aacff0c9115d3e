#!/usr/bin/env python3
"""mailsift domain and checkdmarc side by side on the loopback testnet (not part of CI).

Usage: checkdmarc_side_by_side.py MAILSIFT CHECKDMARC

checkdmarc (PyPI) asks BIND on 127.0.0.1:53 (it has no port option), mailsift the same BIND on
127.0.0.1:5353. Prints, per testnet domain, every field where the two differ: SPF record,
validity, lookup and void counts; DMARC record, location, validity, warnings; MX hosts and their
findings; TLS-RPT, MTA-STS and DNSSEC status. The differences are discussed in docs/domain.md.
"""
import json, subprocess, sys
doms = ['sender.test','ok.test','implicit.test','v6only.test','nullmx.test','nomail.test','cname-mx.test','dangling.test','nodata-mx.test','catchall.test','fallback.test','relay.test','loop.test','badauth.test','badsyntax.test','multispf.test','xn--bcher-kva.test','nope.test','servfail.test']
M, CD = sys.argv[1], sys.argv[2]
for d in doms:
    cd = json.loads(subprocess.run([CD, d, '-n', '127.0.0.1', '--skip-tls', '-t', '2'], capture_output=True, text=True).stdout)
    ms = json.loads(subprocess.run([M,'domain',d,'--dns','127.0.0.1:5353','--dnsbl','none','--json','-'], capture_output=True, text=True).stdout)
    diffs = []
    # SPF
    c_spf = cd['spf']; m_spf = ms['spf']
    m_valid = m_spf['valid'] and len(m_spf['records'])==1 and not any(f['code'] in ('spf_permerror',) for f in m_spf['findings'])
    if c_spf.get('record') != m_spf.get('record'): diffs.append('spf.record cd=%r ms=%r' % (c_spf.get('record'), m_spf.get('record')))
    if bool(c_spf.get('valid')) != bool(m_valid): diffs.append('spf.valid cd=%r ms=%r (%s | %s)' % (c_spf.get('valid'), m_valid, c_spf.get('error'), [f['code'] for f in m_spf['findings']]))
    if c_spf.get('dns_lookups') is not None and c_spf.get('dns_lookups') != m_spf['lookups']: diffs.append('spf.lookups cd=%r ms=%r' % (c_spf.get('dns_lookups'), m_spf['lookups']))
    if c_spf.get('dns_void_lookups') is not None and c_spf.get('dns_void_lookups') != m_spf['void_lookups']: diffs.append('spf.void cd=%r ms=%r' % (c_spf.get('dns_void_lookups'), m_spf['void_lookups']))
    # DMARC
    c = cd['dmarc']; m = ms['dmarc']
    if c.get('record') != m.get('record'): diffs.append('dmarc.record cd=%r ms=%r' % (c.get('record'), m.get('record')))
    if c.get('location') != m.get('location'): diffs.append('dmarc.location cd=%r ms=%r' % (c.get('location'), m.get('location')))
    mvalid = m.get('record') is not None and not any(f['severity']=='error' for f in m['findings'])
    if bool(c.get('valid')) != mvalid: diffs.append('dmarc.valid cd=%r ms=%r (%s)' % (c.get('valid'), mvalid, c.get('error')))
    cw = c.get('warnings', []); mw = [f['message'] for f in m['findings'] if f['severity']=='warning']
    if cw or mw: diffs.append('dmarc.warnings cd=%r ms=%r' % (cw, mw))
    # MX
    chosts = [(h['preference'], h['hostname'], sorted(h['addresses'])) for h in cd['mx'].get('hosts', [])]
    mhosts = [(h['preference'], h['host'], sorted(h['addresses'])) for h in ms['mx']['hosts'] if h['host']!='.']
    if chosts != mhosts: diffs.append('mx.hosts cd=%r ms=%r' % (chosts, mhosts))
    cmw = cd['mx'].get('warnings', []) + ([cd['mx']['error']] if cd['mx'].get('error') else [])
    mmw = [f['code'] for f in ms['mx']['findings']]
    if cmw or mmw: diffs.append('mx.findings cd=%r ms=%r' % (cmw, mmw))
    # TLS-RPT / MTA-STS / BIMI records
    if bool(cd['smtp_tls_reporting'].get('valid')) != (ms['tlsrpt']['record'] is not None and not ms['tlsrpt']['findings']): diffs.append('tlsrpt.valid differs')
    if bool(cd['mta_sts'].get('valid')) != (ms['mta_sts'].get('policy') is not None): diffs.append('mta_sts cd=%r ms=%r' % (cd['mta_sts'].get('error'), [f['message'] for f in ms['mta_sts']['findings']]))
    if cd['dnssec'] != (ms['dnssec']['status']=='authenticated'): diffs.append('dnssec cd=%r ms=%r' % (cd['dnssec'], ms['dnssec']['status']))
    print('==', d)
    for x in diffs: print('   ', x[:400])
