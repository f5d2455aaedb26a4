#!/usr/bin/env python3
"""localstripe (PyPI), a fake but stateful Stripe server, on loopback for Tenantry's billing tests.

    python3 scripts/test-peers/localstripe_server.py [--port 0]

Prints the bound port on its first line of standard output, then serves until its standard
input closes. localstripe's own command line listens on every interface and keeps its store in
/tmp/localstripe.pickle; this starts its aiohttp application bound to 127.0.0.1 only, with an
empty store that is never written to disk (so parallel test runs never share state).

Webhooks are configured as localstripe documents it: POST /_config/webhooks/<id> with `url`,
`secret` and optional `events`; localstripe signs each event as Stripe does
(`Stripe-Signature: t=…,v1=…`) and posts it about a second after the change.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_process import serve_aiohttp_on_loopback  # noqa: E402 (found through the line above)

from localstripe import resources, server  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    # Never read or write /tmp/localstripe.pickle: each peer keeps its store in memory.
    resources.store.dump_to_disk = lambda: None

    serve_aiohttp_on_loopback(server.app, args.port)


if __name__ == "__main__":
    main()
