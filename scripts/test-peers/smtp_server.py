#!/usr/bin/env python3
"""A real SMTP server for Tenantry's tests, built on aiosmtpd.

    python3 scripts/test-peers/smtp_server.py --port 0 --maildir DIR
        [--tls-cert C --tls-key K | --generate-tls DIR] [--implicit-tls]
        [--auth user:pass] [--auth-mechanisms LOGIN] [--require-starttls]
        [--rcpt-reply "550 5.1.1 No such user"] [--silent] [--exit-on-stdin-eof]

Prints the bound port on its first line of standard output, then serves until killed.

Every accepted message is written to the mail folder as two files, NNNN.eml (the bytes
received after DATA, dot-stuffing undone) and then NNNN.json: the envelope, the session (TLS,
AUTH user and mechanism, EHLO name) and the message as Python's `email` package parses it
(decoded headers, each part's type, charset, transfer encoding and decoded text, and any
defects). Both are written before the server answers 250, so a client that got its 250 finds
them at once.

Options:
  --tls-cert/--tls-key   offer STARTTLS with this certificate
  --generate-tls DIR     make a throwaway CA and server certificate in DIR (see test_ca.py)
                         and use them as with --tls-cert/--tls-key
  --implicit-tls         TLS from the first byte (smtps) instead of STARTTLS
  --auth user:pass       require AUTH (only over TLS) with these credentials
  --auth-mechanisms M,N  offer only these AUTH mechanisms (PLAIN, LOGIN)
  --require-starttls     answer 530 to everything but EHLO/STARTTLS/QUIT before STARTTLS
  --rcpt-reply REPLY     answer every RCPT TO with REPLY (e.g. "450 4.2.1 Try later")
  --silent               accept connections and never say anything (timeout tests)
  --exit-on-stdin-eof    exit when standard input closes (the test process went away)
"""
import argparse
import asyncio
import email
import email.policy
import email.utils
import itertools
import json
import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_process import exit_when_stdin_closes  # noqa: E402 (found through the line above)


def parse_message(raw):
    """What a mail reader makes of the message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    result = {
        "headers": {name: str(value) for name, value in message.items()},
        "defects": [repr(defect) for defect in message.defects],
        "content_type": message.get_content_type(),
        "parts": [],
    }
    from_header = message["From"]
    if from_header is not None and from_header.addresses:
        result["from_display_name"] = from_header.addresses[0].display_name
        result["from_address"] = from_header.addresses[0].addr_spec
    try:
        result["date_iso"] = email.utils.parsedate_to_datetime(message["Date"]).isoformat()
    except Exception as error:  # noqa: BLE001 - report anything as "unparseable"
        result["date_error"] = repr(error)
    for part in message.walk():
        if part.is_multipart():
            result["defects"].extend(repr(defect) for defect in part.defects)
            continue
        result["defects"].extend(repr(defect) for defect in part.defects)
        result["parts"].append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "content": part.get_content(),
        })
    return result


class MaildirHandler:
    def __init__(self, maildir, rcpt_reply, implicit_tls):
        self.maildir = maildir
        self.rcpt_reply = rcpt_reply
        self.implicit_tls = implicit_tls
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        number = next(self.counter)
        raw = envelope.original_content
        base = os.path.join(self.maildir, f"{number:04d}")
        auth = session.auth_data if isinstance(session.auth_data, dict) else {}
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.implicit_tls or session.ssl is not None,
            "auth_login": auth.get("login"),
            "auth_mechanism": auth.get("mechanism"),
            "ehlo": session.host_name,
            "message": parse_message(raw),
        }
        _write_atomically(base + ".eml", raw)
        _write_atomically(base + ".json", json.dumps(record, indent=2, sort_keys=True).encode())
        return f"250 2.0.0 Ok: queued as {number:04d}"


def _write_atomically(path, data):
    with open(path + ".tmp", "wb") as handle:
        handle.write(data)
    os.replace(path + ".tmp", path)


def make_authenticator(expected_login, expected_password):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        if auth_data.login == expected_login.encode() and auth_data.password == expected_password.encode():
            return AuthResult(success=True, auth_data={"login": auth_data.login.decode(), "mechanism": mechanism})
        return AuthResult(success=False, handled=False)

    return authenticator


async def serve_silently(host, port):
    async def swallow(reader, writer):
        while await reader.read(4096):
            pass
        writer.close()

    return await asyncio.start_server(swallow, host, port)


async def serve(arguments):
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    if arguments.silent:
        server = await serve_silently(arguments.host, arguments.port)
    else:
        tls_context = None
        if arguments.tls_cert:
            tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        handler = MaildirHandler(arguments.maildir, arguments.rcpt_reply, arguments.implicit_tls)
        options = {
            "hostname": "smtp.test",  # never socket.getfqdn(), which may wait for DNS
            "loop": loop,
            "timeout": 30,
        }
        if tls_context and not arguments.implicit_tls:
            options["tls_context"] = tls_context
            options["require_starttls"] = arguments.require_starttls
        if arguments.auth:
            login, _, password = arguments.auth.partition(":")
            options["authenticator"] = make_authenticator(login, password)
            options["auth_required"] = True
            if arguments.auth_mechanisms:
                offered = {name.strip().upper() for name in arguments.auth_mechanisms.split(",")}
                options["auth_exclude_mechanism"] = [name for name in ("PLAIN", "LOGIN") if name not in offered]
        server = await loop.create_server(
            lambda: SMTP(handler, **options),
            host=arguments.host,
            port=arguments.port,
            ssl=tls_context if arguments.implicit_tls else None,
        )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--generate-tls", metavar="DIR")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--auth-mechanisms", metavar="M,N")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--rcpt-reply", metavar="REPLY")
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    arguments = parser.parse_args()

    if not arguments.silent and not arguments.maildir:
        parser.error("--maildir is required (unless --silent)")
    if arguments.maildir:
        os.makedirs(arguments.maildir, exist_ok=True)
    if arguments.generate_tls:
        from test_ca import write_test_pki

        paths = write_test_pki(arguments.generate_tls)
        arguments.tls_cert, arguments.tls_key = paths["cert"], paths["key"]
    if bool(arguments.tls_cert) != bool(arguments.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if (arguments.implicit_tls or arguments.require_starttls) and not arguments.tls_cert:
        parser.error("--implicit-tls and --require-starttls need a certificate")
    if arguments.exit_on_stdin_eof:
        exit_when_stdin_closes()

    try:
        asyncio.run(serve(arguments))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
