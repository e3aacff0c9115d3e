#!/usr/bin/env python3
"""Scaling benchmark of `mailsift serve` + PostgreSQL + N workers (issue #20).

Usage: serve_scaling.py MAILSIFT [--addresses 100000] [--domains 2000] [--hosts 100]
                        [--delay 0.05] [--workers 1,2,4] [--concurrency 32]

The addresses are spread evenly over the domains; the domains' MX records (a zone file given
to the workers with --zone) point at --hosts loopback addresses 127.0.79.x, where one scripted
SMTP server (tests/e2e/counting_smtp.py) answers every command after --delay seconds. For each
worker count, one job of all the addresses runs to completion on a fresh database; the table
gives the wall time, addresses per second, and the pacing ideal beside it: the time no number
of workers can beat with these limits (each worker runs --concurrency sessions at once; one
session at a time per MX address, as --smtp-per-host 1 says; RCPT unpaced):

    ideal = max(total session time / (workers x concurrency), busiest MX's session time)

where a session of r recipients takes (r + 4) x delay (banner, EHLO, MAIL, r RCPT, QUIT).
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'e2e'))
import counting_smtp  # noqa: E402
import serve_pg  # noqa: E402


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main():
    ms = os.path.abspath(sys.argv[1])
    n, nd, nh = arg('--addresses', 100000), arg('--domains', 2000), arg('--hosts', 100)
    delay, conc = arg('--delay', 0.05), arg('--concurrency', 32)
    counts = [int(x) for x in arg('--workers', '1,2,4').split(',')]
    batch = 20
    hosts = ['127.0.79.%d' % (i + 1) for i in range(nh)]
    port = serve_pg.free_port()
    srv = counting_smtp.ServerProcess(hosts, port, delay=delay)
    domains = ['b%d' % i for i in range(nd)]
    tmp = tempfile.mkdtemp(prefix='mailsift-scaling-')
    os.chmod(tmp, 0o755)
    zpath = os.path.join(tmp, 'bench.zone')
    open(zpath, 'w').write(counting_smtp.zone(domains, hosts, origin='bench.test'))
    emails = ['u%d@%s.bench.test' % (i, domains[i % nd]) for i in range(n)]
    per_domain = [n // nd + (1 if i < n % nd else 0) for i in range(nd)]
    # Sessions per domain: batches of `batch` recipients, plus the catch-all probe in the first.
    sess = []
    for r in per_domain:
        r += 1
        k = math.ceil(r / batch)
        sess.append([(min(batch, r - j * batch) + 4) * delay for j in range(k)])
    total = sum(sum(s) for s in sess)
    busiest = max(sum(sum(sess[d]) for d in range(h, nd, nh)) for h in range(nh))
    net = ['--zone', zpath, '--dns', '127.0.0.1:9', '--allow-special-use-domains',
           '--helo', 'probe.bench.test', '--mail-from', 'probe@bench.test', '--smtp-port',
           str(port), '--smtp-timeout', '10', '--smtp-rate', '0', '--smtp-per-host', '1',
           '--smtp-concurrency', str(conc), '--lease', '60']
    print('%d addresses, %d domains, %d MX addresses, %.0f ms per reply, %d sessions per worker'
          % (n, nd, nh, delay * 1000, conc))
    print('| workers | wall s | addresses/s | pacing ideal s | ideal addresses/s | connections at once per MX (max) |')
    print('|---|---|---|---|---|---|')
    for w in counts:
        run_dir = tempfile.mkdtemp(prefix='run-', dir=tmp)
        os.chmod(run_dir, 0o755)
        s = serve_pg.Service(ms, run_dir, max_body=64 << 20)
        try:
            srv.reset()
            t0 = time.time()
            job = s.job(emails)
            for i in range(w):
                s.worker('bench%d' % i, '127.0.0.%d' % (i + 1), net)
            j = s.wait(job, 7200)
            wall = time.time() - t0
            assert j['processed'] == n, j
            ideal = max(total / (w * conc), busiest)
            print('| %d | %.1f | %.0f | %.1f | %.0f | %d |' % (
                w, wall, n / wall, ideal, n / ideal, max(srv.counts()['max_open'].values())),
                flush=True)
        finally:
            s.close()
            subprocess.call(['rm', '-rf', run_dir])


if __name__ == '__main__':
    main()
