#!/usr/bin/env python3
"""End to end: `mailsift serve` + PostgreSQL + several `mailsift worker`s.

Usage: serve_pg.py MAILSIFT [--testnet EXPECTED_CSV]

Starts a throwaway PostgreSQL cluster (tools/pg/pg.sh: initdb in a temporary directory, a
loopback port, stopped at the end), the server, and workers bound to different loopback source
addresses, against a scripted SMTP server (counting_smtp.py) that counts connections and
commands per source address. Asserts:
  - security: no key 401, another key's job 404, oversized body 413, private callback URL 400,
    one idempotency key twice is one job;
  - parity: a job's verdicts equal `mailsift check --smtp` on the same addresses;
  - limits: with 4 workers, never more connections at once to the MX than --smtp-per-host, never
    two RCPT TO to one domain closer than 1/--smtp-rate, never DATA;
  - faults: a worker killed with SIGKILL mid-run loses no address and duplicates none; the
    database restarting mid-run, the job still completes;
  - with --testnet (../shared/testnet up): the testnet's expected.csv through serve + 3 workers
    gives the same verdicts as `check --smtp`.
Exit 1 on any failure.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import counting_smtp  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
PG = os.path.join(ROOT, 'tools', 'pg', 'pg.sh')
FAILS = []


def check(cond, what):
    print('%-4s %s' % ('ok' if cond else 'FAIL', what), flush=True)
    if not cond:
        FAILS.append(what)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(method, url, key=None, body=None, ctype='application/json', headers=None):
    req = urllib.request.Request(url, data=body, method=method)
    if key:
        req.add_header('Authorization', 'Bearer ' + key)
    if body is not None:
        req.add_header('Content-Type', ctype)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Service:
    def __init__(self, ms, tmp, max_body=200000):
        self.ms, self.tmp = ms, tmp
        self.pgdir = os.path.join(tmp, 'pg')
        self.db = subprocess.check_output([PG, 'start', self.pgdir, str(free_port())],
                                          text=True).strip()
        self.key = subprocess.check_output([ms, 'keys', 'create', '--database', self.db,
                                            '--name', 'e2e'], text=True).strip()
        self.key2 = subprocess.check_output([ms, 'keys', 'create', '--database', self.db,
                                             '--name', 'other'], text=True).strip()
        self.base = 'http://127.0.0.1:%d' % free_port()
        self.server = subprocess.Popen([ms, 'serve', '--database', self.db, '--listen',
                                        self.base[7:], '--offline', '--max-body', str(max_body)],
                                       stderr=open(os.path.join(tmp, 'serve.log'), 'w'))
        for _ in range(100):
            try:
                if http('GET', self.base + '/healthz')[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        self.workers = []

    def worker(self, name, bind, extra):
        p = subprocess.Popen([self.ms, 'worker', '--database', self.db, '--name', name,
                              '--bind', bind] + extra,
                             stderr=open(os.path.join(self.tmp, name + '.log'), 'w'))
        self.workers.append(p)
        return p

    def stop_workers(self):
        for p in self.workers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.workers:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.workers = []

    def job(self, emails, idem=None):
        h = {'Idempotency-Key': idem} if idem else {}
        code, body = http('POST', self.base + '/v1/jobs', self.key,
                          json.dumps({'emails': emails, 'options': {
                              'allow_special_use_domains': True}}).encode(), headers=h)
        assert code in (200, 201), (code, body)
        return json.loads(body)['id']

    def wait(self, job, timeout=300):
        t = time.time()
        while time.time() - t < timeout:
            code, body = http('GET', self.base + '/v1/jobs/' + job, self.key)
            j = json.loads(body)
            if j['status'] in ('completed', 'failed', 'cancelled'):
                return j
            time.sleep(0.3)
        raise SystemExit('job %s did not finish' % job)

    def results(self, job):
        out, off = [], 0
        while True:
            code, body = http('GET', '%s/v1/jobs/%s/results?offset=%d&limit=1000'
                              % (self.base, job, off), self.key)
            recs = [json.loads(l) for l in body.decode().splitlines()]
            out += recs
            if len(recs) < 1000:
                return out
            off += 1000

    def psql(self, sql):
        return subprocess.check_output(['psql', self.db, '-tAc', sql], text=True).strip()

    def close(self):
        self.stop_workers()
        self.server.terminate()
        self.server.wait(20)
        subprocess.call([PG, 'stop', self.pgdir])


def security(s):
    code, _ = http('POST', s.base + '/v1/jobs', None, b'{"emails":["a@b.test"]}')
    check(code == 401, 'no key: 401 (got %d)' % code)
    code, _ = http('GET', s.base + '/v1/jobs/x', 'msk_' + '0' * 64)
    check(code == 401, 'unknown key: 401 (got %d)' % code)
    job = s.job(['sec@example.com'])
    code, body = http('GET', s.base + '/v1/jobs/' + job, s.key2)
    check(code == 404 and job.encode() not in body, "another key's job: 404, nothing leaked")
    code, _ = http('GET', s.base + '/v1/jobs/%s/results' % job, s.key2)
    check(code == 404, "another key's results: 404 (got %d)" % code)
    code, _ = http('DELETE', s.base + '/v1/jobs/' + job, s.key2)
    check(code == 404, "another key cannot cancel: 404 (got %d)" % code)
    big = json.dumps({'emails': ['x%d@example.com' % i for i in range(20000)]}).encode()
    code, _ = http('POST', s.base + '/v1/jobs', s.key, big)
    check(code == 413, 'oversized body: 413 (got %d)' % code)
    for url in ['http://127.0.0.1:9/hook', 'http://10.0.0.1/hook', 'http://[::1]/x',
                'http://169.254.169.254/latest/meta-data']:
        code, _ = http('POST', s.base + '/v1/jobs', s.key,
                       json.dumps({'emails': ['a@example.com'], 'callback_url': url}).encode())
        check(code == 400, 'callback to %s: 400 (got %d)' % (url, code))
    a = s.job(['idem@example.com'], idem='same-key')
    b = s.job(['other@example.com'], idem='same-key')
    check(a == b, 'one idempotency key twice: one job')
    n = s.psql("SELECT count(*) FROM mailsift_jobs WHERE idempotency_key = 'same-key'")
    check(n == '1', 'one row in mailsift_jobs for the key (got %s)' % n)


def limits(s, srv, what, emails, net, per_host, rate):
    """One job through 4 workers: parity with check --smtp, and the limits as the server
    counted them."""
    # Parity: check --smtp on the same addresses first.
    out = subprocess.run([s.ms, 'check', '--smtp'] + net + ['-'], input='\n'.join(emails) + '\n',
                         capture_output=True, text=True, timeout=600)
    want = {r['input']: (r['verdict'], r['reason']) for r in map(json.loads, out.stdout.splitlines())}
    check(len(want) == len(emails), '%s: check --smtp answered every address' % what)
    srv.reset()
    job = s.job(emails)
    for i in range(4):
        s.worker('lim%d' % i, '127.0.0.%d' % (i + 1), net + ['--lease', '10'])
    j = s.wait(job)
    recs = s.results(job)
    got = {r['input']: (r['verdict'], r['reason']) for r in recs}
    check(j['status'] == 'completed' and j['processed'] == len(emails), '%s: job completed' % what)
    check(got == want, '%s: same verdicts as check --smtp (%d addresses)' % (what, len(emails)))
    if got != want:
        for k in emails:
            if got.get(k) != want.get(k):
                print('   %s: job %s, check %s' % (k, got.get(k), want.get(k)))
    c = srv.counts()
    check(c['max_open'].get('127.0.0.77', 0) <= per_host,
          '%s: connections at once to the MX: %d <= --smtp-per-host %d'
          % (what, c['max_open'].get('127.0.0.77', 0), per_host))
    # RCPT pacing per domain, as the server saw it (all workers together): the most RCPT TO to
    # one domain in any one-second window [t, t + 1 - 0.02) (20 ms allowed for arrival-time
    # jitter: the pacer spaces them exactly 1/rate apart, so a window of exactly one second can
    # catch rate + 1 by a millisecond), and the closest two.
    worst, gaps = 0, []
    for d, ts in c['rcpt_times'].items():
        ts = sorted(ts)
        gaps += [b - a for a, b in zip(ts, ts[1:])]
        for i, t in enumerate(ts):
            worst = max(worst, sum(1 for u in ts[i:] if u < t + 0.98))
    check(worst <= rate and gaps and min(gaps) >= 0.9 / rate,
          '%s: RCPT TO to one domain in any second: %d <= --smtp-rate %g; closest two %.3f s '
          '(1/rate %.3f s)' % (what, worst, rate, min(gaps) if gaps else -1, 1 / rate))
    check(c['data_seen'] == 0, '%s: never DATA' % what)
    workers_used = {r['worker'] for r in recs if r.get('worker', '').startswith('lim')}
    print('     workers that produced results: %s; connections per source: %s'
          % (sorted(workers_used), c['connections']))
    s.stop_workers()


def scripted(s, tmp):
    port = free_port()
    srv = counting_smtp.ServerProcess(['127.0.0.77'], port, delay=0.05)
    domains = ['d%d' % i for i in range(12)] + ['big']
    zpath = os.path.join(tmp, 'svc.zone')
    open(zpath, 'w').write(counting_smtp.zone(domains, ['127.0.0.77']))
    net0 = ['--zone', zpath, '--dns', '127.0.0.1:9', '--allow-special-use-domains',
            '--helo', 'probe.svc.test', '--mail-from', 'probe@svc.test', '--smtp-port',
            str(port), '--smtp-timeout', '5', '--greylist-wait', '1']
    # Twelve domains sharing one MX: the per-host slots are shared by the workers.
    emails = []
    for d in domains[:12]:
        emails += ['user%d@%s.svc.test' % (i, d) for i in range(10)]
        emails.append('unknown@%s.svc.test' % d)
    net = net0 + ['--smtp-per-host', '2', '--smtp-rate', '5']
    limits(s, srv, '12 domains, one MX', emails, net, 2, 5.0)
    # One domain (two units of 200 and 100 rows): one worker at a time holds it.
    emails = ['user%d@big.svc.test' % i for i in range(299)] + ['unknown@big.svc.test']
    limits(s, srv, 'one domain, 4 workers', emails,
           net0 + ['--smtp-per-host', '2', '--smtp-rate', '20'], 2, 20.0)
    return srv, net


def faults(s, tmp, srv, net):
    srv.reset(0.15)
    emails = ['user%d@d%d.svc.test' % (i, d) for d in range(20) for i in range(5)]
    job = s.job(emails)
    ws = [s.worker('fault%d' % i, '127.0.0.%d' % (i + 1), net + ['--lease', '4'])
          for i in range(3)]
    # Kill a worker that holds units of the job, mid-run.
    victim = ''
    for _ in range(100):
        victim = s.psql("SELECT worker FROM mailsift_units WHERE job_id = '%s' AND state = 'running'"
                        " LIMIT 1" % job)
        if victim:
            break
        time.sleep(0.1)
    time.sleep(1.0)
    held = s.psql("SELECT count(*) FROM mailsift_units WHERE job_id = '%s' AND state = 'running'"
                  " AND worker LIKE '%s#%%'" % (job, victim.split('#')[0]))
    victim = victim.split('#')[0]  # leases are held per claim loop: NAME#N
    ws[int(victim[-1])].send_signal(signal.SIGKILL)
    print('     SIGKILL to %s holding %s units' % (victim, held))
    time.sleep(0.5)
    subprocess.check_call([PG, 'restart', s.pgdir])
    j = s.wait(job)
    recs = s.results(job)
    rows = [r['row'] for r in recs]
    check(j['status'] == 'completed', 'job completed after a SIGKILLed worker and a database restart')
    check(sorted(rows) == list(range(1, len(emails) + 1)),
          'every address has exactly one result (%d rows, %d unique)' % (len(rows), len(set(rows))))
    redone = s.psql("SELECT count(*) FROM mailsift_units WHERE job_id = '%s' AND attempts > 1" % job)
    check(int(redone) >= 1, 'the killed worker\'s units were claimed again (%s)' % redone)
    by = s.psql("SELECT count(*) FROM mailsift_results WHERE job_id = '%s' AND worker = '%s'"
                % (job, victim))
    print('     results written by the killed worker: %s' % by)
    s.stop_workers()


def testnet(s, expected):
    import csv
    rows = list(csv.DictReader(open(expected, newline='', encoding='utf-8')))
    emails = [r['address'] for r in rows]
    net = ['--dns', '127.0.0.1:5353', '--allow-special-use-domains', '--dns-timeout', '2',
           '--helo', 'probe.mailsift.test', '--smtp-timeout', '3', '--greylist-wait', '2',
           '--greylist-retries', '1', '--smtp-rate', '0']
    mf = lambda tag: ['--mail-from', 'svc-%s-%d-%d@mailsift.test' % (tag, os.getpid(), int(time.time()))]
    out = subprocess.run([s.ms, 'check', '--smtp'] + net + mf('check') + ['-'],
                         input='\n'.join(emails) + '\n', capture_output=True, text=True,
                         timeout=600)
    want = [(r['verdict'], r['reason']) for r in map(json.loads, out.stdout.splitlines())]
    for kill in (False, True):
        job = s.job(emails)
        ws = [s.worker('tn%d%s' % (i, 'k' if kill else ''), '127.0.0.1',
                       net + mf('w%d%s' % (i, kill)) + ['--lease', '5']) for i in range(3)]
        victim = ''
        if kill:
            # SIGKILL a worker while it holds units of the job.
            for _ in range(200):
                victim = s.psql("SELECT worker FROM mailsift_units WHERE job_id = '%s' AND"
                                " state = 'running' LIMIT 1" % job)
                if victim:
                    break
                time.sleep(0.05)
            if victim:
                victim = victim.split('#')[0]
                ws[int(victim[2])].send_signal(signal.SIGKILL)
        s.wait(job, 600)
        recs = s.results(job)
        got = [(r['verdict'], r['reason']) for r in recs]
        rows = sorted(r['row'] for r in recs)
        same = sum(a == b for a, b in zip(got, want))
        what = ' with %s SIGKILLed mid-run' % victim if kill else ''
        check(rows == list(range(1, len(emails) + 1)) and same == len(want),
              'testnet: serve + PostgreSQL + 3 workers%s = check --smtp on %d/%d addresses, '
              'each once' % (what, same, len(want)))
        for e, a, b in zip(emails, got, want):
            if a != b:
                print('   %s: job %s, check %s' % (e, a, b))
        s.stop_workers()


def main():
    ms = os.path.abspath(sys.argv[1])
    expected = sys.argv[sys.argv.index('--testnet') + 1] if '--testnet' in sys.argv else None
    tmp = tempfile.mkdtemp(prefix='mailsift-serve-')
    os.chmod(tmp, 0o755)
    s = Service(ms, tmp)
    try:
        security(s)
        srv, net = scripted(s, tmp)
        faults(s, tmp, srv, net)
        if expected:
            testnet(s, expected)
    finally:
        s.close()
        subprocess.call(['rm', '-rf', tmp])
    print('serve e2e: %d failure(s)' % len(FAILS))
    sys.exit(1 if FAILS else 0)


if __name__ == '__main__':
    main()
