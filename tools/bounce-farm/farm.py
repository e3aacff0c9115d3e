#!/usr/bin/env python3
"""Bounce farm helpers: the scenario table, a DNS server, scripted SMTP receivers,
the injector and the collector. Used by tools/bounce-farm/run; loopback only.

  farm.py dns       serve the farm.test zone on 127.0.60.1:53 (udp+tcp)
  farm.py smtp DIR  run the scripted receivers; DSNs for sink.farm.test land in DIR
  farm.py inject MTA HOST   send one message per scenario through the MTA at HOST:25
  farm.py pending DIR MTA   the scenarios of MTA whose DSN has not arrived in DIR yet
  farm.py collect DIR OUT MTA...   copy DIR/<mta>/<scenario>.eml to OUT, write OUT/truth.jsonl

Every loop is bounded; the servers exit on their own after FARM_LIFETIME seconds.
"""
import asyncio
import json
import os
import shutil
import smtplib
import socket
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

NET = "127.0.60"
DNS_ADDR = f"{NET}.1"
SINK_ADDR = f"{NET}.2"
RX_ADDR = f"{NET}.10"  # per-recipient behaviours
DROP_ADDR = f"{NET}.11"  # accepts TCP, closes at once
TARPIT_ADDR = f"{NET}.12"  # greeting after FARM_TARPIT seconds
BUSY_ADDR = f"{NET}.13"  # 421 banner
TLS_ADDR = f"{NET}.14"  # 530 5.7.0 Must issue a STARTTLS command first
REFUSED_ADDR = f"{NET}.15"  # nothing listens
MTA_ADDR = {"postfix": f"{NET}.20", "exim": f"{NET}.21", "opensmtpd": f"{NET}.22", "sendmail": f"{NET}.23"}
LIFETIME = int(os.environ.get("FARM_LIFETIME", "1800"))
TARPIT_DELAY = int(os.environ.get("FARM_TARPIT", "600"))

# Per-recipient replies on RX_ADDR: local part -> (stage, reply). stage "rcpt" or "data" (end of DATA).
RX_REPLIES = {
    "unknown-user": ("rcpt", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table"),
    "mailbox-full": ("rcpt", "552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded"),
    "mailbox-full-temp": ("rcpt", "452 4.2.2 <{rcpt}>: Mailbox full, over quota, try again later"),
    "disabled": ("rcpt", "550 5.2.1 <{rcpt}>: Mailbox disabled, not accepting messages"),
    "too-big": ("data", "552 5.3.4 Message size exceeds fixed maximum message size"),
    "policy": ("rcpt", "550 5.7.1 <{rcpt}>: Message refused by local policy"),
    "spam": ("data", "554 5.7.1 Message rejected as spam by content filter"),
    "auth-required": ("data", "550 5.7.26 Unauthenticated email from sink.farm.test is not accepted due to domain's DMARC policy"),
    "rate-limit-421": ("rcpt", "421 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address, try again later"),
    "rate-limit-450": ("rcpt", "450 4.7.0 <{rcpt}>: Rate limit exceeded, too many messages from your host, try again later"),
    "greylist": ("rcpt", "451 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, please try again later"),
    "temp-local": ("rcpt", "451 4.3.0 <{rcpt}>: Recipient address rejected: Temporary local problem - please try later"),
}
RELAY_REPLY = "554 5.7.1 <{rcpt}>: Relay access denied"

# The scenarios: name -> (recipient, truth). Truth is decided here, by construction:
# (bounce_type, reason, underlying_reason, temporary). A temporary cause given up after the queue
# lifetime is soft, reason "expired", with the cause in underlying_reason.
EXPIRED = "expired"
SCENARIOS = {
    "unknown-user": ("unknown-user@rx.farm.test", ("hard", "userunknown", None, False)),
    "mailbox-full": ("mailbox-full@rx.farm.test", ("soft", "mailboxfull", None, False)),
    "mailbox-full-temp": ("mailbox-full-temp@rx.farm.test", ("soft", EXPIRED, "mailboxfull", True)),
    "disabled": ("disabled@rx.farm.test", ("soft", "suspend", None, False)),
    "too-big": ("too-big@rx.farm.test", ("soft", "mesgtoobig", None, False)),
    "policy": ("policy@rx.farm.test", ("soft", "policyviolation", None, False)),
    "spam": ("spam@rx.farm.test", ("soft", "spamdetected", None, False)),
    "auth-required": ("auth-required@rx.farm.test", ("soft", "authfailure", None, False)),
    "rate-limit-421": ("rate-limit-421@rx.farm.test", ("soft", EXPIRED, "speeding", True)),
    "rate-limit-450": ("rate-limit-450@rx.farm.test", ("soft", EXPIRED, "speeding", True)),
    "greylist": ("greylist@rx.farm.test", ("soft", EXPIRED, "policyviolation", True)),
    "temp-local": ("temp-local@rx.farm.test", ("soft", EXPIRED, "systemerror", True)),
    "relay-denied": ("someone@relay.farm.test", ("soft", "norelaying", None, False)),
    "nxdomain": ("someone@nxdomain.farm.test", ("hard", "hostunknown", None, False)),
    "servfail": ("someone@servfail.farm.test", ("soft", EXPIRED, "networkerror", True)),
    "dns-timeout": ("someone@timeout.farm.test", ("soft", EXPIRED, "networkerror", True)),
    "null-mx": ("someone@nullmx.farm.test", ("hard", "notaccept", None, False)),
    "dangling-mx": ("someone@dangling.farm.test", ("hard", "hostunknown", None, False)),
    "conn-refused": ("someone@refused.farm.test", ("soft", EXPIRED, "networkerror", True)),
    "conn-dropped": ("someone@dropper.farm.test", ("soft", EXPIRED, "networkerror", True)),
    "tarpit": ("someone@tarpit.farm.test", ("soft", EXPIRED, "networkerror", True)),
    "banner-421": ("someone@busy.farm.test", ("soft", EXPIRED, "systemerror", True)),
    "tls-required": ("someone@tls.farm.test", ("soft", "securityerror", None, False)),
}

# Per-MTA deviations from SCENARIOS, each with the reason it is so (filled in from observed
# queue behaviour, which is part of the construction: an MTA that retries a 5xx turns it into an
# expiry of a permanent cause). name -> {scenario: (truth, why)}; scenarios listed in SKIP are not run.
SKIP = {}
# MTAs whose expiry notice names no cause: OpenSMTPD 6.8 writes only "Envelope expired" (Status
# 4.4.7) whatever kept the message in the queue. Their expired rows say `notice_names_cause:
# false`: the cause is known by construction, but no parser can read it from the notice.
CAUSE_SILENT = {"opensmtpd"}
OVERRIDES = {
    # OpenSMTPD 6.8 does not implement RFC 7505 and treats an MX host without an address as a
    # temporary failure ("No MX found for domain", TempFail): it retries until the queue ttl, then
    # writes a DSN with Action: delayed, Status: 4.4.7, "Envelope expired". The only evidence the
    # notice carries is temporary, so the truth is an expiry; the cause itself was permanent.
    "opensmtpd": {
        "null-mx": (("soft", EXPIRED, "notaccept", False), "OpenSMTPD 6.8 retries a null MX"),
        "dangling-mx": (("soft", EXPIRED, "hostunknown", False), "OpenSMTPD 6.8 retries an MX without address"),
    },
}


# ------------------------------------------------------------------ DNS
def dns_answer(wire):
    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdatatype
    import dns.rrset

    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    if not q.question:
        r.set_rcode(dns.rcode.FORMERR)
        return r.to_wire()
    qname = q.question[0].name.to_text().lower().rstrip(".")
    qtype = dns.rdatatype.to_text(q.question[0].rdtype)
    if qname == "timeout.farm.test" or qname.endswith(".timeout.farm.test"):
        return None
    if qname == "servfail.farm.test" or qname.endswith(".servfail.farm.test"):
        r.set_rcode(dns.rcode.SERVFAIL)
        r.flags &= ~dns.flags.AA
        return r.to_wire()
    mx = {
        "rx.farm.test": "10 mx.rx.farm.test.",
        "relay.farm.test": "10 mx.rx.farm.test.",
        "sink.farm.test": "10 mx.sink.farm.test.",
        "dropper.farm.test": "10 mx.dropper.farm.test.",
        "tarpit.farm.test": "10 mx.tarpit.farm.test.",
        "busy.farm.test": "10 mx.busy.farm.test.",
        "tls.farm.test": "10 mx.tls.farm.test.",
        "refused.farm.test": "10 mx.refused.farm.test.",
        "nullmx.farm.test": "0 .",
        "dangling.farm.test": "10 mx.dangling.farm.test.",
    }
    a = {
        "mx.rx.farm.test": RX_ADDR,
        "mx.sink.farm.test": SINK_ADDR,
        "mx.dropper.farm.test": DROP_ADDR,
        "mx.tarpit.farm.test": TARPIT_ADDR,
        "mx.busy.farm.test": BUSY_ADDR,
        "mx.tls.farm.test": TLS_ADDR,
        "mx.refused.farm.test": REFUSED_ADDR,
        "nullmx.farm.test": RX_ADDR,  # must not be used (RFC 7505)
        "ns.farm.test": DNS_ADDR,
    }
    for name, addr in MTA_ADDR.items():
        a[f"{name}.farm.test"] = addr
    ptr = {}
    for name, addr in list(a.items()):
        ptr.setdefault(".".join(reversed(addr.split("."))) + ".in-addr.arpa", name)
    exists = set(mx) | set(a) | set(ptr) | {"farm.test"}
    if qname not in exists:
        r.set_rcode(dns.rcode.NXDOMAIN)
    elif qtype == "MX" and qname in mx:
        r.answer.append(dns.rrset.from_text(qname + ".", 60, "IN", "MX", mx[qname]))
    elif qtype == "A" and qname in a:
        r.answer.append(dns.rrset.from_text(qname + ".", 60, "IN", "A", a[qname]))
    elif qtype == "PTR" and qname in ptr:
        r.answer.append(dns.rrset.from_text(qname + ".", 60, "IN", "PTR", ptr[qname] + "."))
    if not r.answer and r.rcode() == dns.rcode.NOERROR:
        r.authority.append(
            dns.rrset.from_text("farm.test.", 60, "IN", "SOA", "ns.farm.test. hostmaster.farm.test. 1 60 60 600 60")
        )
    return r.to_wire()


async def dns_main():
    loop = asyncio.get_running_loop()

    class Udp(asyncio.DatagramProtocol):
        def connection_made(self, t):
            self.t = t

        def datagram_received(self, data, addr):
            try:
                out = dns_answer(data)
            except Exception as e:  # a bad query gets no answer
                print("dns error", e, file=sys.stderr)
                out = None
            if out:
                self.t.sendto(out, addr)

    await loop.create_datagram_endpoint(Udp, local_addr=(DNS_ADDR, 53))

    async def tcp(reader, writer):
        try:
            for _ in range(100):
                n = int.from_bytes(await asyncio.wait_for(reader.readexactly(2), 30), "big")
                out = dns_answer(await reader.readexactly(n))
                if out:
                    writer.write(len(out).to_bytes(2, "big") + out)
                    await writer.drain()
        except Exception:
            pass
        writer.close()

    await asyncio.start_server(tcp, DNS_ADDR, 53)
    await asyncio.sleep(LIFETIME)


# ------------------------------------------------------------------ SMTP
class Session:
    def __init__(self, mode, sink_dir, reader, writer):
        self.mode, self.sink_dir, self.r, self.w = mode, sink_dir, reader, writer

    async def send(self, line):
        self.w.write((line + "\r\n").encode())
        await self.w.drain()

    async def run(self):
        mode = self.mode
        if mode == "drop":
            return
        if mode == "tarpit":
            await asyncio.sleep(TARPIT_DELAY)
            return
        if mode == "busy":
            await self.send("421 4.3.2 mx.busy.farm.test Service not available, closing transmission channel")
            return
        host = {"rx": "mx.rx.farm.test", "sink": "mx.sink.farm.test", "tls": "mx.tls.farm.test"}[mode]
        await self.send(f"220 {host} ESMTP farm")
        rcpts, sender = [], None
        for _ in range(200):
            line = await asyncio.wait_for(self.r.readline(), 120)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    await self.send(f"250-{host}\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING")
                else:
                    await self.send(f"250 {host}")
            elif mode == "tls" and verb in ("MAIL", "RCPT", "DATA"):
                await self.send("530 5.7.0 Must issue a STARTTLS command first")
            elif verb == "MAIL":
                sender, rcpts = cmd[10:].strip(), []
                await self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                addr = cmd[8:].strip().split()[0].strip("<>")
                local, _, domain = addr.rpartition("@")
                reply = None
                if mode == "rx":
                    if domain.lower() == "relay.farm.test":
                        reply = RELAY_REPLY
                    elif local in RX_REPLIES and RX_REPLIES[local][0] == "rcpt":
                        reply = RX_REPLIES[local][1]
                if reply:
                    await self.send(reply.format(rcpt=addr))
                    if reply.startswith("421"):
                        return
                else:
                    rcpts.append(addr)
                    await self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpts:
                    await self.send("554 5.5.1 Error: no valid recipients")
                    continue
                await self.send("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while len(data) < 20_000_000:
                    chunk = await asyncio.wait_for(self.r.readline(), 120)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                reply = "250 2.0.0 Ok: queued"
                if mode == "rx":
                    for rc in rcpts:
                        local = rc.rpartition("@")[0]
                        if local in RX_REPLIES and RX_REPLIES[local][0] == "data":
                            reply = RX_REPLIES[local][1]
                else:
                    self.store(sender, rcpts, bytes(data))
                await self.send(reply)
            elif verb == "RSET":
                rcpts = []
                await self.send("250 2.0.0 Ok")
            elif verb == "NOOP":
                await self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                await self.send("221 2.0.0 Bye")
                return
            else:
                await self.send("502 5.5.2 Error: command not recognized")

    def store(self, sender, rcpts, data):
        for rc in rcpts:
            local = rc.rpartition("@")[0].lower()
            mta, _, scenario = local.partition("+")
            d = os.path.join(self.sink_dir, mta or "unknown")
            os.makedirs(d, exist_ok=True)
            base = scenario or "message"
            path = os.path.join(d, base + ".eml")
            n = 1
            while os.path.exists(path):
                n += 1
                path = os.path.join(d, f"{base}.{n}.eml")
            with open(path, "wb") as f:
                f.write(data.replace(b"\r\n", b"\n"))
            print(f"stored {path} (MAIL FROM {sender})", flush=True)


async def smtp_main(sink_dir):
    def handler(mode):
        async def h(reader, writer):
            try:
                await Session(mode, sink_dir, reader, writer).run()
            except Exception:
                pass
            try:
                writer.close()
            except Exception:
                pass

        return h

    for mode, addr in [("rx", RX_ADDR), ("sink", SINK_ADDR), ("drop", DROP_ADDR), ("tarpit", TARPIT_ADDR),
                       ("busy", BUSY_ADDR), ("tls", TLS_ADDR)]:
        await asyncio.start_server(handler(mode), addr, 25)
    print("smtp ready", flush=True)
    await asyncio.sleep(LIFETIME)


# ------------------------------------------------------------------ inject / collect
def scenarios_for(mta):
    return [s for s in SCENARIOS if s not in SKIP.get(mta, {})]


def inject(mta, host):
    for scenario in scenarios_for(mta):
        rcpt = SCENARIOS[scenario][0]
        msg = EmailMessage()
        msg["From"] = f"Bounce Farm <{mta}+{scenario}@sink.farm.test>"
        msg["To"] = rcpt
        msg["Subject"] = f"bounce farm: {scenario} via {mta}"
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(idstring=f"{mta}.{scenario}", domain="sink.farm.test")
        msg.set_content(f"Test message for the {scenario} scenario, sent through {mta}.\n")
        for attempt in range(20):
            try:
                with smtplib.SMTP(host, 25, local_hostname="client.farm.test", timeout=30) as s:
                    s.send_message(msg, from_addr=f"{mta}+{scenario}@sink.farm.test", to_addrs=[rcpt])
                break
            except (OSError, smtplib.SMTPException) as e:
                print(f"inject {mta} {scenario}: {e}; retrying", file=sys.stderr)
                time.sleep(1)
        else:
            sys.exit(f"inject {mta} {scenario}: gave up")
    print(f"injected {len(scenarios_for(mta))} messages through {mta}")


def truth_for(mta, scenario):
    rcpt, truth = SCENARIOS[scenario]
    if scenario in OVERRIDES.get(mta, {}):
        truth = OVERRIDES[mta][scenario][0]
    bounce_type, reason, underlying, temporary = truth
    row = {"file": f"{mta}/{scenario}.eml", "mta": mta, "scenario": scenario, "recipient": rcpt,
           "bounce_type": bounce_type, "reason": reason}
    if underlying:
        row["underlying_reason"] = underlying
    if reason == EXPIRED:
        row["notice_names_cause"] = mta not in CAUSE_SILENT
    row["temporary"] = temporary
    return row


def collect(sink_dir, out, mtas):
    rows, missing = [], []
    for mta in mtas:
        dst = os.path.join(out, mta)
        if os.path.isdir(dst):
            shutil.rmtree(dst)
        os.makedirs(dst)
        for scenario in scenarios_for(mta):
            src = os.path.join(sink_dir, mta, scenario + ".eml")
            if not os.path.exists(src):
                missing.append(f"{mta}/{scenario}")
                continue
            shutil.copyfile(src, os.path.join(dst, scenario + ".eml"))
            rows.append(truth_for(mta, scenario))
    # keep rows of MTAs not regenerated this time
    path = os.path.join(out, "truth.jsonl")
    keep = []
    if os.path.exists(path):
        with open(path) as f:
            keep = [json.loads(l) for l in f if l.strip() and json.loads(l)["mta"] not in mtas]
    with open(path, "w") as f:
        for row in sorted(keep + rows, key=lambda r: (r["mta"], r["scenario"])):
            f.write(json.dumps(row) + "\n")
    print(f"collected {len(rows)} DSNs; missing: {' '.join(missing) or 'none'}")


def pending(sink_dir, mta):
    return [s for s in scenarios_for(mta) if not os.path.exists(os.path.join(sink_dir, mta, s + ".eml"))]


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "dns":
        asyncio.run(dns_main())
    elif cmd == "smtp":
        asyncio.run(smtp_main(sys.argv[2]))
    elif cmd == "inject":
        inject(sys.argv[2], sys.argv[3])
    elif cmd == "pending":
        print(" ".join(pending(sys.argv[2], sys.argv[3])))
    elif cmd == "collect":
        collect(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
