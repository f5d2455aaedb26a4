#!/usr/bin/env python3
"""Runs the third-party OpenID provider `oidc-provider-mock` (0.3.4, PyPI) bound to 127.0.0.1 on a
free port, printing that port as the first line on standard output.

It is a well-behaved provider that our code did not write: discovery, JWKS, an authorization form
(POST `sub` to the authorization URL to sign in as that subject, as a person would with the form),
and a token endpoint that signs RS256 ID tokens. Claims of a subject are set beforehand with
`PUT /users/<sub>` and a JSON object. Version 0.3.4 omits `kid` from its tokens' header and does not
check PKCE.

Usage: oidc_provider_mock_server.py [--port 0] [--exit-on-stdin-eof]
"""
import argparse
import os
import sys

from peer_process import exit_when_stdin_closes

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback

try:
    import warnings

    warnings.simplefilter("ignore")
    import oidc_provider_mock
    import werkzeug.serving
except ImportError as error:
    print(f"oidc_provider_mock_server.py needs oidc-provider-mock ({error}): "
          "python3 -m pip install oidc-provider-mock==0.3.4", file=sys.stderr, flush=True)
    sys.exit(3)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    arguments = parser.parse_args()
    app = oidc_provider_mock.app(require_nonce=True)
    server = werkzeug.serving.make_server("127.0.0.1", arguments.port, app, threaded=True)
    print(server.server_port, flush=True)
    if arguments.exit_on_stdin_eof:
        exit_when_stdin_closes()
    server.serve_forever()


if __name__ == "__main__":
    main()
