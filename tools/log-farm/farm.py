#!/usr/bin/env python3
"""Log farm helpers: a syslog receiver, the scripted remote MX, the traffic injector and the
collector. Used by tools/log-farm/run; loopback only (127.0.90.0/24).

  farm.py syslog SOCKET OUT HOST   receive syslog(3) datagrams on the unix SOCKET, append them
                                   to OUT as rsyslog writes them (`Mmm dd hh:mm:ss HOST tag: msg`)
  farm.py sink                     the remote MX on 127.0.90.10:25 (per-local-part replies;
                                   `late@` is accepted, then bounced by a DSN sent back)
  farm.py inject MTA               send the scenario messages of MTA (see SCENARIOS)
  farm.py collect STATE OUT        copy the logs, loopback farm addresses rewritten (see README)

Every loop is bounded; the servers exit on their own after FARM_LIFETIME seconds.
"""
import asyncio
import base64
import os
import re
import smtplib
import socket
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

NET = "127.0.90"
SINK = f"{NET}.10"  # the remote MX of every outbound domain
DOWN = f"{NET}.11"  # nothing listens: connection refused
REMOTE = f"{NET}.20"  # an ordinary remote client sending inbound mail
PREGREET = f"{NET}.21"  # a bot that talks before the greeting (postscreen)
DENYLISTED = f"{NET}.22"  # on postscreen's access list as reject
APP = f"{NET}.30"  # a trusted application host (mynetworks) submitting outbound mail
LIFETIME = int(os.environ.get("FARM_LIFETIME", "1800"))

# Each MTA: its public address, its own mail domain, where inbound mail for it is delivered.
MTAS = {
    "postfix": {"addr": f"{NET}.1", "domain": "farm.example"},
    "exim": {"addr": f"{NET}.3", "domain": "exim.example"},
    "sendmail": {"addr": f"{NET}.4", "domain": "sendmail.example"},
    "opensmtpd": {"addr": f"{NET}.5", "domain": "opensmtpd.example"},
}

# The remote MX's replies at RCPT, by local part; anything else is accepted.
SINK_RCPT = {
    "unknown": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table",
    "full": "452 4.2.2 <{rcpt}>: Mailbox full, try again later",
}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ------------------------------------------------------------------ syslog
def syslog_main(sock_path, out_path, host):
    """rsyslog's traditional file format from glibc's RFC 3164 datagrams."""
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    os.chmod(sock_path, 0o666)
    s.settimeout(5)
    end = time.time() + LIFETIME
    pat = re.compile(rb"^<(\d{1,3})>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (.*)$", re.S)
    with open(out_path, "ab", buffering=0) as out:
        while time.time() < end:
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            data = data.rstrip(b"\n\0")
            m = pat.match(data)
            if m:
                line = m.group(2) + b" " + host.encode() + b" " + m.group(3)
            else:  # no header: stamp it ourselves
                line = time.strftime("%b %e %H:%M:%S").encode() + b" " + host.encode() + b" " + data
            out.write(line.replace(b"\n", b" ") + b"\n")


# ------------------------------------------------------------------ the remote MX
def mta_for(addr):
    dom = addr.rsplit("@", 1)[-1].lower()
    for name, m in MTAS.items():
        if dom == m["domain"]:
            return name
    return None


def late_dsn(orig_sender, rcpt, orig_id):
    """The DSN (RFC 3464) a remote MX sends when it accepted a message and bounced it afterwards."""
    boundary = "farm-" + base64.b32encode(os.urandom(5)).decode()
    text = (
        f"From: MAILER-DAEMON@mx.sink.example\r\nTo: {orig_sender}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {formatdate(localtime=False)}\r\nMessage-ID: {make_msgid(domain='mx.sink.example')}\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        f"Your message to <{rcpt}> could not be delivered after it was accepted.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.sink.example\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.2.1\r\n"
        "Diagnostic-Code: smtp; 550 5.2.1 The mailbox was disabled after the message was accepted\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {orig_id}\r\nTo: <{rcpt}>\r\n\r\n--{boundary}--\r\n"
    )
    return text.encode()


async def send_late(sender, rcpt, orig_id):
    await asyncio.sleep(3)
    name = mta_for(sender)
    if not name:
        log("late DSN: no MTA for", sender)
        return
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, smtp_send, MTAS[name]["addr"], 25, SINK, "", [sender], late_dsn(sender, rcpt, orig_id), None)
        log("late DSN sent to", sender)
    except Exception as e:  # noqa: BLE001 - a failed DSN is logged, the farm goes on
        log("late DSN failed:", e)


async def sink_session(reader, writer):
    peer = writer.get_extra_info("peername")
    async def send(line):
        writer.write(line.encode() + b"\r\n")
        await writer.drain()
    await send("220 mx.sink.example ESMTP")
    sender, rcpts, late = None, [], []
    try:
        for _ in range(1000):
            line = await asyncio.wait_for(reader.readline(), 120)
            if not line:
                break
            cmd = line.decode("latin-1").strip()
            up = cmd.upper()
            if up.startswith(("EHLO", "HELO")):
                await send("250-mx.sink.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800")
            elif up.startswith("MAIL FROM:"):
                sender = cmd[10:].split()[0].strip("<>") if cmd[10:].strip() else ""
                rcpts, late = [], []
                await send("250 2.1.0 Ok")
            elif up.startswith("RCPT TO:"):
                rcpt = cmd[8:].split()[0].strip("<>")
                local = rcpt.split("@")[0].lower()
                if local in SINK_RCPT:
                    await send(SINK_RCPT[local].format(rcpt=rcpt))
                else:
                    rcpts.append(rcpt)
                    if local == "late":
                        late.append(rcpt)
                    await send("250 2.1.5 Ok")
            elif up == "DATA":
                if not rcpts:
                    await send("554 5.5.1 No valid recipients")
                    continue
                await send("354 End data with <CR><LF>.<CR><LF>")
                msgid = ""
                for _ in range(200000):
                    d = await asyncio.wait_for(reader.readline(), 120)
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    if not msgid and d.lower().startswith(b"message-id:"):
                        msgid = d[11:].decode("latin-1").strip()
                qid = base64.b32encode(os.urandom(5)).decode()
                await send(f"250 2.0.0 Ok: queued as {qid}")
                log("sink: accepted", sender, rcpts, "from", peer)
                for r in late:
                    if sender:
                        asyncio.ensure_future(send_late(sender, r, msgid))
            elif up == "RSET":
                sender, rcpts, late = None, [], []
                await send("250 2.0.0 Ok")
            elif up == "QUIT":
                await send("221 2.0.0 Bye")
                break
            elif up == "NOOP":
                await send("250 2.0.0 Ok")
            else:
                await send("502 5.5.2 Error: command not recognized")
    except (asyncio.TimeoutError, ConnectionError):
        pass
    writer.close()


async def sink_main():
    await asyncio.start_server(sink_session, SINK, 25)
    log("sink ready")
    await asyncio.sleep(LIFETIME)


# ------------------------------------------------------------------ injector
def message(sender, rcpts, subject):
    msg = EmailMessage()
    msg["From"] = sender or "MAILER-DAEMON@remote.example"
    msg["To"] = ", ".join(rcpts)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="farm.example")
    msg.set_content(f"Log farm scenario: {subject}\n" + "line of text\n" * 20)
    return msg


def smtp_send(host, port, source, sender, rcpts, msg, auth=None, pregreet=False):
    """One SMTP transaction; returns {rcpt: (code, text)} for refused recipients, or raises."""
    s = smtplib.SMTP(timeout=30, source_address=(source, 0))
    if pregreet:
        # talk before the greeting, as spam bots do (postscreen's pregreet test)
        s.sock = socket.create_connection((host, port), 30, (source, 0))
        s.sock.sendall(b"EHLO bot.example\r\n")
        s.file = None
        code, _ = s.getreply()
    else:
        s.connect(host, port, source_address=(source, 0))
    s.ehlo("client.remote.example")
    if auth:
        s.login(*auth)
    try:
        data = msg if isinstance(msg, bytes) else msg.as_bytes()
        refused = s.sendmail(sender, rcpts, re.sub(rb"(?<!\r)\n", b"\r\n", data))
    except smtplib.SMTPRecipientsRefused as e:
        refused = e.recipients
    except smtplib.SMTPResponseException as e:
        refused = {r: (e.smtp_code, e.smtp_error) for r in rcpts}
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass
    return refused


def scenarios(mta, phase=1):
    """(label, how, sender, rcpts); how: `app` (trusted host), `remote`, `submission` (587 with
    SASL), `pickup` (the sendmail command), `pregreet`, `denylisted`."""
    d = MTAS[mta]["domain"]
    me = f"news@{d}"
    if phase == 2:
        return [("expired-host-down-since-phase-1", "app", me, ["someone2@down.example"])]
    out = [
        ("delivered-two", "app", me, ["ok1@sink.example", "ok2@sink.example"]),
        ("rejected-5xx", "app", me, ["unknown@sink.example"]),
        ("expired-4xx", "app", me, ["full@sink.example"]),
        ("expired-refused", "app", me, ["someone@down.example"]),
        ("mixed", "app", me, ["ok3@sink.example", "unknown@sink.example", "full@sink.example"]),
        ("late-bounce", "app", me, ["late@sink.example"]),
        ("inbound-local", "remote", "friend@remote.example", [f"alice@{d}"]),
        ("inbound-unknown", "remote", "friend@remote.example", [f"nosuchuser@{d}"]),
        ("inbound-relay-denied", "remote", "friend@remote.example", ["someone@elsewhere.example"]),
    ]
    if mta == "postfix":
        out += [
            ("submission", "submission", f"alice@{d}", ["ok4@sink.example", "unknown@sink.example"]),
            ("pickup", "pickup", f"bob@{d}", ["ok5@sink.example"]),
            ("relayed", "app", me, ["r-ok@relay.example", "unknown@relay.example"]),
            ("inbound-lmtp-unknown", "remote", "friend@remote.example", [f"carol@{d}"]),
            ("pregreet", "pregreet", "bot@spam.example", [f"alice@{d}"]),
            ("denylisted", "denylisted", "bot@spam.example", [f"alice@{d}"]),
        ]
    return out


def inject(mta, pickup_dir, phase=1):
    m = MTAS[mta]
    for label, how, sender, rcpts in scenarios(mta, phase):
        msg = message(sender, rcpts, f"{mta} {label}")
        try:
            if how == "pickup":
                # submitted by run with Postfix's sendmail command (inside the namespace)
                base = os.path.join(pickup_dir, label)
                with open(base + ".eml", "wb") as f:
                    f.write(msg.as_bytes())
                with open(base + ".from", "w") as f:
                    f.write(sender)
                with open(base + ".rcpt", "w") as f:
                    f.write(" ".join(rcpts))
                refused = {}
            elif how == "submission":
                refused = smtp_send(m["addr"], 587, APP, sender, rcpts, msg, auth=("alice@farm.example", "farmpass"))
            else:
                source = {"app": APP, "remote": REMOTE, "pregreet": PREGREET, "denylisted": DENYLISTED}[how]
                refused = smtp_send(m["addr"], 25, source, sender, rcpts, msg, pregreet=how == "pregreet")
            log(mta, label, "refused:", refused)
        except Exception as e:  # noqa: BLE001 - the truth table says what each should do
            log(mta, label, "failed:", repr(e))
        time.sleep(0.5)


# ------------------------------------------------------------------ collector
def rewrite(data):
    """The farm's machines all live on 127.0.90.0/24. In the committed logs each stands for the
    machine it plays: 127.0.90.100 is the Postfix server's own loopback (the content filter
    round trip), shown as 127.0.0.1; every other 127.0.90.N is a separate host, shown as
    192.0.2.N (TEST-NET-1)."""
    data = data.replace(b"127.0.90.100", b"127.0.0.1")
    return re.sub(rb"127\.0\.90\.(\d{1,3})", rb"192.0.2.\1", data)


def collect(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(rewrite(data))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "syslog":
        syslog_main(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "sink":
        asyncio.run(sink_main())
    elif cmd == "inject":
        inject(sys.argv[2], os.environ.get("FARM_PICKUP_DIR", "."), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    elif cmd == "collect":
        collect(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
