#!/usr/bin/env python3
"""smtp_sink.py - a real SMTP server for the tests: every message it accepts
is written to a folder exactly as it arrived on the wire.

    smtp_sink.py HOST PORT DIR [CERT KEY]
                                 listen on HOST:PORT (aiosmtpd), offering
                                 STARTTLS with CERT and KEY (PEM) when given;
                                 print "ready" once listening; for each
                                 message write DIR/NNNN.eml (the bytes after
                                 DATA) and DIR/NNNN.json (peer, mail_from,
                                 rcpt_tos, tls: whether the connection was
                                 encrypted), the .json first, each renamed
                                 into place whole. Stops on SIGTERM/SIGINT or
                                 when the process that started it ends.
    smtp_sink.py show FILE       print FILE as Python's email package reads
                                 it, as JSON: the decoded headers, the
                                 structure, each leaf part's type, parameters,
                                 file name and decoded content, any defects.

Recipients whose local part begins with "refuse" get 550 (permanent), with
"later" 450 (temporary), so tests can see both kinds of refusal; a sender
whose local part begins with "refuse" gets 553.
"""
import email
import email.policy
import json
import logging
import os
import signal
import ssl
import sys
import threading
import time


def import_aiosmtpd():
    """aiosmtpd from Debian's python3-aiosmtpd, also when the python3 found
    first on PATH is another interpreter that does not see the system's
    packages."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        from aiosmtpd.controller import Controller
    return Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.split("@")[0].lower().startswith("refuse"):
            return "553 5.7.1 <%s>: Sender address rejected" % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        if local.startswith("later"):
            return "450 4.2.1 <%s>: Mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, "%04d" % self.count)
        meta = {
            "peer": list(session.peer) if session.peer else None,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
        }
        write(base + ".json", json.dumps(meta).encode())
        write(base + ".eml", envelope.original_content or envelope.content)
        return "250 2.0.0 Message accepted for delivery"


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve(host, port, out, cert=None, key=None):
    Controller = import_aiosmtpd()
    os.makedirs(out, exist_ok=True)
    tls = None
    if cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
    controller = Controller(Sink(out), hostname=host, port=port, tls_context=tls)
    # A refused handshake (a test's unknown certificate) is expected here.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    print("ready", flush=True)
    while not done.wait(0.5):
        pass
    controller.stop()


def mailbox(msg, name):
    header = msg[name]
    if header is None or not header.addresses:
        return None
    first = header.addresses[0]
    return {"name": first.display_name, "address": first.addr_spec}


def show(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    parts, structure, defects = [], [], [str(d) for d in msg.defects]
    for part in msg.walk():
        structure.append(part.get_content_type())
        defects += [str(d) for d in part.defects]
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        parts.append(
            {
                "type": part.get_content_type(),
                "params": {k: v for k, v in (part.get_params() or [])[1:]},
                "charset": part.get_content_charset(),
                "encoding": part.get("Content-Transfer-Encoding"),
                "disposition": part.get_content_disposition(),
                "filename": part.get_filename(),
                "content": payload.decode("utf-8"),
            }
        )
    headers = {name.lower(): str(value) for name, value in msg.items()}
    print(
        json.dumps(
            {
                "headers": headers,
                "from": mailbox(msg, "from"),
                "to": mailbox(msg, "to"),
                "structure": structure,
                "parts": parts,
                "defects": defects,
            },
            ensure_ascii=False,
        )
    )


def main(argv):
    if len(argv) == 3 and argv[1] == "show":
        show(argv[2])
    elif len(argv) in (4, 6):
        serve(argv[1], int(argv[2]), argv[3], *argv[4:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
