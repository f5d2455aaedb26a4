#!/usr/bin/env python3
"""A webhook receiver for tests: answers each POST by its path, verifies signatures with the
Standard Webhooks reference library (`standardwebhooks`) when given the endpoint's secrets, and
prints one JSON line per request it received on standard output (after the first line, which
is the port it listens on).

Paths:
  /ok           200 {"ok": true}
  /status/N     status N (e.g. /status/410, /status/503); 429 and 503 carry Retry-After: 7
  /redirect     302 to /ok (a sender must not follow it)
  /slow/S       waits S seconds, then 200
  /big          200 with a 10,000-byte body
  /close        200 with `Connection: close`, then closes the connection
  /drop         200 (keep-alive as any other answer), then closes the connection all the same,
                as a server does with a connection it finds idle for too long
Connections are kept open between requests otherwise (HTTP/1.1 keep-alive).
Each printed line: {"path", "headers": {lower-case name: value}, "body", "verified", "client_port"},
where "verified" is true or false when secrets were given (--secret, repeatable) and null
otherwise, and "client_port" tells the sender's connections apart.

Usage: webhook_receiver.py [--port 0] [--secret whsec_…]... [--exit-on-stdin-eof]
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from peer_process import exit_when_stdin_closes
from standardwebhooks.webhooks import Webhook

LOCK = threading.Lock()


def make_handler(secrets):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            verified = None
            if secrets:
                verified = False
                for secret in secrets:
                    try:
                        Webhook(secret).verify(body, headers)
                        verified = True
                        break
                    except Exception:
                        pass
            with LOCK:
                print(json.dumps({"path": self.path, "headers": headers, "body": body.decode("utf-8", "replace"),
                                  "verified": verified, "client_port": self.client_address[1]}), flush=True)
            self.answer()

        def answer(self):
            path = self.path
            extra = {}
            status, payload = 200, b'{"ok": true}'
            if path.startswith("/status/"):
                status = int(path.rsplit("/", 1)[1])
                payload = b'{"status": %d}' % status
                if status in (429, 503):
                    extra["Retry-After"] = "7"
            elif path == "/redirect":
                status, payload = 302, b""
                extra["Location"] = "/ok"
            elif path.startswith("/slow/"):
                time.sleep(float(path.rsplit("/", 1)[1]))
            elif path == "/big":
                payload = b"x" * 10000
            elif path == "/close":
                extra["Connection"] = "close"
            elif path == "/drop":
                self.close_connection = True
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    arguments = parser.parse_args()
    server = ThreadingHTTPServer((arguments.host, arguments.port), make_handler(arguments.secret))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    if arguments.exit_on_stdin_eof:
        exit_when_stdin_closes()
    server.serve_forever()


if __name__ == "__main__":
    main()
