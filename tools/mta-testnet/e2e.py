#!/usr/bin/env python3
"""Drive `mailsift check --smtp` against the other-MTA testnet (tools/mta-testnet), or record the
servers' exact replies.

Usage:
  e2e.py BIN [--resolver auth|unbound|both] [--server NAME ...] [--no-clean]
      Runs `BIN check --smtp --dns ADDR:53 ...` on every row of expected.csv, through
      (a) NSD, authoritative for mtanet.test (127.0.70.53:53) and (b) unbound, recursive from the
      loopback root (127.0.70.99:53); then `BIN clean --smtp --smtp-config FILE --results ...`
      on the same addresses through the first of them (unless --no-clean). Prints one table per
      server: scenario, expected verdict/reason, what mailsift got in each run, and the reply it
      saw. Exit 1 on any mismatch, 2 when the testnet is not up.
  e2e.py --record DIR [--server NAME ...]
      Talks SMTP to each server itself (Python smtplib; the same steps as the probe: greeting,
      EHLO, STARTTLS when offered, MAIL, RCPT, then RCPT for a random local part at the same
      domain, QUIT) and writes DIR/<server>.tsv with each reply and the row's truth.

Truth comes from expected.csv, which is written from the servers' configuration (see README.md),
never from mailsift's output.
"""
import csv
import json
import os
import secrets
import shlex
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESOLVERS = {'auth': '127.0.70.53:53', 'unbound': '127.0.70.99:53'}
SERVER_NO = {'exim': 1, 'opensmtpd': 2, 'sendmail': 3, 'courier': 4}
HELO = 'probe.mtanet.test'
MAIL_FROM = 'verify@probe.mtanet.test'
TSV_HEADER = ['scenario', 'address', 'stage', 'code', 'text', 'expected_verdict', 'expected_reason']

# Rows whose reason no honest rule can get from what the server says; the verdict is still
# checked exactly, and the row passes only with the reason given here (a stale entry fails).
# tests/integration/smtp_replay.rs holds the same list (KNOWN_REASON_MISSES).
KNOWN_REASON_MISSES = {
    ('opensmtpd', 'relay_denied'): (
        'mailbox_not_found',
        'OpenSMTPD 6.8 refuses a domain it has no match rule for with "550 Invalid recipient" (no '
        'enhanced code), to the address and the random local part alike, and accepts nothing '
        'there: the words and evidence of a domain without such mailboxes (older OpenSMTPD and '
        'Mimecast word unknown users so), so relay_denied cannot be told from one domain\'s '
        'answers. Both are undeliverable.'),
}


def load_rows(servers):
    with open(os.path.join(HERE, 'expected.csv'), newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if not servers or r['server'] in servers]


def server_ip(row):
    """The address the row's MX resolves to, by construction of dns/mtanet.test.zone."""
    n = SERVER_NO[row['server']]
    domain = row['address'].split('@')[1]
    return '127.0.71.%d' % n if domain.startswith('tls.') else '127.0.70.%d' % n


def reachable(ip, port, timeout=2):
    try:
        socket.create_connection((ip, port), timeout=timeout).close()
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------- drive mailsift
def run_mailsift(binary, resolver, rows, command='check'):
    """One run per distinct options string; returns {(address, options): result}.

    `check` takes the addresses on stdin and the probe's settings as flags; `clean` reads them
    from a CSV file, takes the settings from an --smtp-config file (flags only for the row's
    options) and writes the per-row results with --results."""
    groups = {}
    for r in rows:
        groups.setdefault(r['options'], []).append(r['address'])
    out = {}
    tmp = tempfile.mkdtemp(prefix='mta-testnet-e2e-')
    try:
        for options, addrs in groups.items():
            extra = shlex.split(options)
            addrs = list(dict.fromkeys(addrs))
            base = ['--dns', resolver, '--allow-special-use-domains', '--dns-timeout', '2', '--smtp']
            if command == 'check':
                cmd = [binary, 'check'] + base + ['--helo', HELO, '--smtp-timeout', '5',
                                                  '--greylist-wait', '1', '--greylist-retries', '0',
                                                  '--smtp-rate', '0']
                if '--mail-from' not in extra:
                    cmd += ['--mail-from', MAIL_FROM]
                cmd += extra + ['-']
                stdin = ''.join(a + '\n' for a in addrs).encode()
            else:
                conf = os.path.join(tmp, 'smtp.toml')
                with open(conf, 'w') as f:
                    f.write('helo = "%s"\nmail_from = "%s"\ntimeout = 5\nrate = 0\n'
                            'greylist_wait = 1\ngreylist_retries = 0\n' % (HELO, MAIL_FROM))
                src = os.path.join(tmp, 'list.csv')
                with open(src, 'w') as f:
                    f.write('email\n' + ''.join(a + '\n' for a in addrs))
                res = os.path.join(tmp, 'results.jsonl')
                cmd = [binary, 'clean', src, '-q', '-o', os.path.join(tmp, 'clean.csv'),
                       '--rejects', os.path.join(tmp, 'rejects.csv'), '--results', res,
                       '--smtp-config', conf] + base + extra
                stdin = b''
            p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=300)
            if p.returncode not in (0, 1):
                sys.stderr.write(p.stderr.decode(errors='replace'))
                raise SystemExit('mailsift exited %d: %s' % (p.returncode, ' '.join(cmd)))
            lines = p.stdout.decode() if command == 'check' else open(res, encoding='utf-8').read()
            results = [json.loads(l) for l in lines.splitlines() if l.strip()]
            if len(results) != len(addrs):
                raise SystemExit('%s: %d results for %d addresses' % (' '.join(cmd), len(results), len(addrs)))
            for a, g in zip(addrs, results):
                out[(a, options)] = g
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def drive(binary, which, servers, with_clean=True):
    rows = load_rows(servers)
    for ip in sorted({server_ip(r) for r in rows}):
        if not reachable(ip, 25):
            print('testnet not up: nothing on %s:25 (run tools/mta-testnet/up)' % ip, file=sys.stderr)
            return 2
    resolvers = list(RESOLVERS) if which == 'both' else [which]
    got = {res: run_mailsift(binary, RESOLVERS[res], rows) for res in resolvers}
    if with_clean:
        # `clean --smtp` too, through the first resolver: the same probe behind the list command.
        got['clean/' + resolvers[0]] = run_mailsift(binary, RESOLVERS[resolvers[0]], rows, 'clean')
        resolvers = resolvers + ['clean/' + resolvers[0]]
    bad = 0
    notes = []
    for server in dict.fromkeys(r['server'] for r in rows):
        print('\n== %s' % server)
        print('%-4s %-26s %-36s %-32s %s' % ('', 'scenario', 'address', 'expected',
                                             '  '.join('%-32s' % ('got (%s)' % r) for r in resolvers)))
        for r in (x for x in rows if x['server'] == server):
            want = '%s/%s' % (r['expected_verdict'], r['expected_reason'])
            miss = KNOWN_REASON_MISSES.get((r['server'], r['scenario']))
            label = 'ok'
            if miss:
                want = '%s/%s' % (r['expected_verdict'], miss[0])
                label = 'ok*'
                notes.append('%s/%s: expected %s/%s; known reason miss: %s' % (
                    r['server'], r['scenario'], r['expected_verdict'], r['expected_reason'], miss[1]))
            cells, ok, evidence = [], True, ''
            for res in resolvers:
                g = got[res].get((r['address'], r['options']))
                have = '%s/%s' % (g['verdict'], g['reason']) if g else '(no output)'
                ok = ok and have == want
                bad += have != want
                cells.append('%-32s' % have)
                smtp = (g or {}).get('smtp') or {}
                if smtp and not evidence:
                    evidence = '%s %s %s' % (smtp.get('code', ''), smtp.get('enhanced_code', '') or '',
                                             (smtp.get('message') or '')[:60])
            print('%-4s %-26s %-36s %-32s %s  | %s' % (label if ok else 'FAIL', r['scenario'], r['address'],
                                                       want, '  '.join(cells), evidence.strip()))
    total = len(rows) * len(resolvers)
    for n in notes:
        print('\n* ' + n)
    print('\n(rows x runs)')
    print('mta-testnet: %d passed, %d failed' % (total - bad, bad))
    return 1 if bad else 0


# ------------------------------------------------------------------------- record replies
def esc(msg):
    text = msg.decode('utf-8', errors='replace') if isinstance(msg, bytes) else msg
    return text.replace('\\', '\\\\').replace('\t', '\\t').replace('\r', '').replace('\n', '\\n')


def record_row(r):
    """One SMTP conversation as the probe would have it; returns TSV rows (without the truth)."""
    options = shlex.split(r['options'])
    mail_from = options[options.index('--mail-from') + 1] if '--mail-from' in options else MAIL_FROM
    use_tls = '--no-starttls' not in options
    ip = server_ip(r)
    domain = r['address'].split('@')[1]
    rand = 'zz-%s@%s' % (secrets.token_hex(6), domain)
    for attempt_tls in ([True, False] if use_tls else [False]):
        out = []
        s = smtplib.SMTP(timeout=10)
        code, msg = s.connect(ip, 25)
        out.append(('greeting', r['address'], code, msg))
        code, msg = s.ehlo(HELO)
        out.append(('ehlo', r['address'], code, msg))
        if attempt_tls and s.has_extn('starttls'):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s._host = 'mx.mtanet.test'  # smtplib's SNI name (connect() does not set it)
            try:
                code, msg = s.starttls(context=ctx)
            except (ssl.SSLError, smtplib.SMTPException, OSError) as e:
                # As the probe does: a failed handshake -> a new session without TLS. The
                # failed attempt is kept as an informational row (stage starttls_failed).
                try:
                    s.close()
                except OSError:
                    pass
                failed = [('starttls_failed', r['address'], 220, 'TLS handshake failed: %s' % e)]
                rest = record_plain(r, ip, mail_from, rand)
                return failed + rest
            out.append(('starttls', r['address'], code, msg))
            code, msg = s.ehlo(HELO)
            out.append(('ehlo_tls', r['address'], code, msg))
        out += finish(s, r, mail_from, rand)
        return out


def record_plain(r, ip, mail_from, rand):
    s = smtplib.SMTP(timeout=10)
    out = []
    code, msg = s.connect(ip, 25)
    out.append(('greeting', r['address'], code, msg))
    code, msg = s.ehlo(HELO)
    out.append(('ehlo', r['address'], code, msg))
    return out + finish(s, r, mail_from, rand)


def finish(s, r, mail_from, rand):
    out = []
    code, msg = s.mail(mail_from)
    out.append(('mail', r['address'], code, msg))
    if code < 400:
        code, msg = s.rcpt(r['address'])
        out.append(('rcpt', r['address'], code, msg))
        code, msg = s.rcpt(rand)
        out.append(('rcpt_random', rand, code, msg))
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        s.close()
    return out


def record(outdir, servers):
    rows = load_rows(servers)
    os.makedirs(outdir, exist_ok=True)
    for server in dict.fromkeys(r['server'] for r in rows):
        path = os.path.join(outdir, '%s.tsv' % server)
        with open(path, 'w', encoding='utf-8', newline='') as f:
            f.write('# Replies of the %s receiver of tools/mta-testnet, recorded by `e2e.py --record` on %s.\n'
                    % (server, time.strftime('%Y-%m-%d', time.gmtime())))
            f.write('# Format: tests/data/smtp-replies/README.md. Truth from tools/mta-testnet/expected.csv.\n')
            f.write('\t'.join(TSV_HEADER) + '\n')
            for r in (x for x in rows if x['server'] == server):
                for stage, addr, code, msg in record_row(r):
                    f.write('\t'.join([r['scenario'], addr, stage, str(code), esc(msg),
                                       r['expected_verdict'], r['expected_reason']]) + '\n')
        print('wrote %s' % path)
    return 0


def main(argv):
    servers, which, rec, binary, with_clean = [], 'both', None, None, True
    it = iter(argv)
    for a in it:
        if a == '--server':
            servers.append(next(it))
        elif a == '--resolver':
            which = next(it)
        elif a == '--no-clean':
            with_clean = False
        elif a == '--record':
            rec = next(it)
        elif a in ('-h', '--help'):
            print(__doc__)
            return 0
        else:
            binary = a
    if rec:
        return record(rec, servers)
    if not binary or which not in ('auth', 'unbound', 'both'):
        print(__doc__, file=sys.stderr)
        return 2
    return drive(binary, which, servers, with_clean)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
