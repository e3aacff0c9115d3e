"""A scripted SMTP server for the service's end-to-end tests and benchmark: it listens on given
loopback addresses, answers every command after `delay` seconds (250 to RCPT TO unless the local
part starts with `unknown`, then 550 5.1.1), never accepts DATA, and counts per source address:
connections, the most open at once (per listening address and in all), commands, and the time of
every RCPT TO per recipient domain.
"""
import asyncio
import collections
import threading
import time


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.open = collections.Counter()          # listening ip -> open now
        self.max_open = collections.Counter()      # listening ip -> most open at once
        self.connections = collections.Counter()   # source ip -> connections
        self.commands = collections.Counter()      # source ip -> commands
        self.rcpt_times = collections.defaultdict(list)  # recipient domain -> [t]
        self.rcpt_sources = collections.defaultdict(set)  # recipient domain -> {source ip}
        self.data_seen = 0
        self.after_refused_mail = 0


class Server:
    def __init__(self, ips, port, delay=0.05):
        self.ips, self.port, self.delay = ips, port, delay
        self.counts = Counts()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        self.ready.wait(10)
        return self

    def _run(self):
        asyncio.set_event_loop(self.loop)
        servers = []
        for ip in self.ips:
            servers.append(self.loop.run_until_complete(asyncio.start_server(
                lambda r, w, ip=ip: self._session(ip, r, w), ip, self.port, backlog=1024)))
        self.ready.set()
        self.loop.run_forever()

    async def _reply(self, w, text):
        await asyncio.sleep(self.delay)
        w.write(text.encode() + b'\r\n')
        await w.drain()

    async def _session(self, ip, r, w):
        c = self.counts
        src = w.get_extra_info('peername')[0]
        with c.lock:
            c.open[ip] += 1
            c.max_open[ip] = max(c.max_open[ip], c.open[ip])
            c.connections[src] += 1
        # Lines are time-stamped as they arrive (a reader task), not when the scripted delay
        # lets them be answered: a pipelined client's pacing is measured as it sent.
        lines = asyncio.Queue()

        async def reader():
            try:
                while True:
                    line = await r.readline()
                    await lines.put((time.monotonic(), line))
                    if not line:
                        return
            except ConnectionError:
                await lines.put((time.monotonic(), b''))

        rtask = asyncio.ensure_future(reader())
        try:
            await self._reply(w, '220 counting.test ESMTP')
            while True:
                at, line = await asyncio.wait_for(lines.get(), 30)
                if not line:
                    break
                cmd = line.decode(errors='replace').strip()
                verb = cmd.split(' ', 1)[0].upper()
                with c.lock:
                    c.commands[src] += 1
                if verb in ('EHLO', 'HELO'):
                    await self._reply(w, '250-counting.test\r\n250 PIPELINING')
                elif verb == 'MAIL':
                    await self._reply(w, '250 2.1.0 Ok')
                elif verb == 'RCPT':
                    addr = cmd.split(':', 1)[1].strip().strip('<>') if ':' in cmd else ''
                    dom = addr.rsplit('@', 1)[-1].lower()
                    with c.lock:
                        c.rcpt_times[dom].append(at)
                        c.rcpt_sources[dom].add(src)
                    if addr.lower().startswith('unknown'):
                        await self._reply(w, '550 5.1.1 No such user')
                    else:
                        await self._reply(w, '250 2.1.5 Ok')
                elif verb == 'DATA':
                    with c.lock:
                        c.data_seen += 1
                    await self._reply(w, '554 5.5.1 No DATA here')
                elif verb == 'QUIT':
                    await self._reply(w, '221 2.0.0 Bye')
                    break
                else:
                    await self._reply(w, '250 2.0.0 Ok')
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            rtask.cancel()
            with c.lock:
                c.open[ip] -= 1
            try:
                w.close()
            except Exception:
                pass


def zone(domains, hosts, origin='svc.test'):
    """A zone where domain i has its MX on hosts[i % len(hosts)]."""
    out = ['$ORIGIN %s.' % origin, '$TTL 300',
           '@ IN SOA ns hostmaster 1 3600 600 86400 300']
    for i, ip in enumerate(hosts):
        out.append('mx%d IN A %s' % (i, ip))
    for i, d in enumerate(domains):
        out.append('%s IN MX 10 mx%d' % (d, i % len(hosts)))
    return '\n'.join(out) + '\n'


class ServerProcess:
    """The server in a process of its own (arrival times free of the test driver's GIL), driven
    through a pipe: `reset(delay)` clears the counts, `counts()` returns a snapshot."""

    def __init__(self, ips, port, delay=0.05):
        import multiprocessing
        ctx = multiprocessing.get_context('fork')
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve_process, args=(child, ips, port, delay), daemon=True)
        self.proc.start()
        self.conn.recv()  # ready

    def reset(self, delay=None):
        self.conn.send(('reset', delay))
        self.conn.recv()

    def counts(self):
        self.conn.send(('counts', None))
        return self.conn.recv()

    def stop(self):
        self.proc.terminate()


def _serve_process(conn, ips, port, delay):
    srv = Server(ips, port, delay).start()
    conn.send('ready')
    while True:
        cmd, arg = conn.recv()
        c = srv.counts
        if cmd == 'reset':
            with c.lock:
                c.__init__()
            if arg is not None:
                srv.delay = arg
            conn.send('ok')
        elif cmd == 'counts':
            with c.lock:
                snap = {
                    'max_open': dict(c.max_open),
                    'connections': dict(c.connections),
                    'commands': dict(c.commands),
                    'rcpt_times': {d: list(t) for d, t in c.rcpt_times.items()},
                    'rcpt_sources': {d: sorted(s) for d, s in c.rcpt_sources.items()},
                    'data_seen': c.data_seen,
                }
            conn.send(snap)
