#!/usr/bin/python3
"""A local SMTP server for tarat's tests (Debian's aiosmtpd).

Listens on 127.0.0.1 (--port, 0 for any free one; the port is written to --port-file once it
listens) and stores each accepted message as NNN.eml, with NNN.json beside it (envelope, login,
TLS), in --maildir. Scripted trouble: --defer-rcpt N and --defer-data N answer 451 to the first N
RCPT / DATA commands; --reject answers 550 to every RCPT, --reject-mail 553 to every MAIL FROM. --user/--password require AUTH;
--tls-cert/--tls-key offer (and require) STARTTLS.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import announce_port  # noqa: E402

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword  # noqa: E402


class Handler:
    def __init__(self, args):
        self.args = args
        self.deferred_rcpt = 0
        self.deferred_data = 0
        self.stored = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.args.reject_mail:
            return "553 5.7.1 <%s>: Sender address rejected: not owned by user" % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table" % address
        if self.deferred_rcpt < self.args.defer_rcpt:
            self.deferred_rcpt += 1
            return "451 4.7.1 <%s>: Recipient address deferred: greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if self.deferred_data < self.args.defer_data:
            self.deferred_data += 1
            return "451 4.3.0 Error: queue file write error, try again later"
        self.stored += 1
        base = os.path.join(self.args.maildir, "%03d" % self.stored)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login,
                "tls": session.ssl is not None}
        for suffix, content in ((".eml", envelope.original_content),
                                (".json", json.dumps(meta).encode())):
            with open(base + suffix + ".tmp", "wb") as f:
                f.write(content)
            os.replace(base + suffix + ".tmp", base + suffix)
        return "250 2.0.0 Ok: queued as %03d" % self.stored


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--defer-rcpt", type=int, default=0)
    p.add_argument("--defer-data", type=int, default=0)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--reject-mail", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    warnings.simplefilter("ignore")  # aiosmtpd warns about AUTH without TLS, which a test may want

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        good = (isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode()
                and auth_data.password == args.password.encode())
        return AuthResult(success=good, handled=False, auth_data=auth_data.login if good else None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler(args)

    def factory():
        return SMTP(handler, hostname="tarat-test-smtp", tls_context=tls, require_starttls=tls is not None,
                    authenticator=authenticator if args.user else None, auth_required=bool(args.user),
                    auth_require_tls=tls is not None, loop=loop)

    server = loop.run_until_complete(loop.create_server(factory, host="127.0.0.1", port=args.port, reuse_address=True))
    announce_port(args.port_file, server.sockets[0].getsockname()[1])
    loop.run_forever()


if __name__ == "__main__":
    main()
