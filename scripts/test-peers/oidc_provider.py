#!/usr/bin/env python3
"""An OpenID provider for tests that need ID tokens a well-behaved provider never issues: it signs
with PyJWT (on `cryptography`), never with our code, and each token is shaped by a control request.

It runs the authorization code flow with PKCE: the authorization endpoint approves at once (no
form) and redirects with a code; the token endpoint checks the code, the client, the redirect URI
and the PKCE verifier (S256, RFC 7636: base64url(SHA-256(code_verifier)) must equal the
authorization request's code_challenge), then answers with an ID token built from the
authorization request (`nonce`, `aud` = client_id) and the current shape.

Paths:
  <prefix>/.well-known/openid-configuration
                   discovery for the issuer `http://127.0.0.1:<port><prefix>` (any prefix); the
                   prefixes /common/v2.0 and /organizations/v2.0 answer with Microsoft Entra ID's
                   multi-tenant issuer `http://127.0.0.1:<port>/{tenantid}/v2.0`, as Entra does
  GET  /authorize  response_type=code, client_id, redirect_uri, state, nonce, code_challenge,
                   code_challenge_method=S256 -> 302 to redirect_uri?code=…&state=…
  POST /token      form: grant_type=authorization_code, code, redirect_uri, client_id,
                   client_secret (when the peer was given --client-secret), code_verifier
  GET  /jwks       the published keys
Control (JSON bodies):
  POST /_control/shape     the next tokens' shape (kept until changed):
                             "claims": {name: value} set or replace claims ("iss", "aud", "exp"…);
                                       "exp"/"iat"/"nbf" may be given as {"offset": seconds}
                             "remove": [names] drops claims
                             "sign": "key" (default) | "unpublished" (an unpublished key, see
                                     /_control/add-key) | "impostor" (a key never published,
                                     under the published key's kid) | "none" (alg none, no
                                     signature) | "hs256" (HMAC with the client secret)
                             "signing_kid": which unpublished key "unpublished" signs with
                             "kid": the header's kid (null omits it; default: the signing key's)
                             "token_status": an HTTP status for the token endpoint to answer
                                             with an error instead (e.g. 400)
  POST /_control/discovery {"issuer": "…"} makes discovery documents claim that issuer
  POST /_control/add-key   {"kid": "…", "publish": false} makes an RSA key (published or not)
  POST /_control/publish   {"kid": "…"} publishes a key made before (a key rotation)
  GET  /_control/stats     {"jwks_requests": n, "token_requests": n, "discovery_requests": n}

The first line on standard output is the port. Usage: oidc_provider.py [--port 0]
[--client-secret S] [--exit-on-stdin-eof]
"""
import argparse
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from peer_process import exit_when_stdin_closes

try:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
except ImportError as error:  # the Swift tests print this line and the exit code
    print(f"oidc_provider.py needs PyJWT and cryptography ({error}): python3 -m pip install pyjwt cryptography",
          file=sys.stderr, flush=True)
    sys.exit(3)

LOCK = threading.Lock()
ENTRA_MULTI_TENANT_PREFIXES = ("/common/v2.0", "/organizations/v2.0")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Provider:
    def __init__(self, client_secret):
        self.client_secret = client_secret
        self.keys = {}  # kid -> private key
        self.published = []  # kids, in publication order
        self.add_key("key-1", publish=True)
        self.impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes = {}
        self.shape = {}
        self.discovery_issuer = None
        self.stats = {"jwks_requests": 0, "token_requests": 0, "discovery_requests": 0}
        self.base = ""

    def add_key(self, kid, publish):
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish and kid not in self.published:
            self.published.append(kid)

    def jwks(self):
        keys = []
        for kid in self.published:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
            keys.append(jwk)
        return {"keys": keys}

    def discovery(self, prefix):
        if self.discovery_issuer is not None:
            issuer = self.discovery_issuer
        elif prefix in ENTRA_MULTI_TENANT_PREFIXES:
            issuer = self.base + "/{tenantid}/v2.0"
        else:
            issuer = self.base + prefix
        return {
            "issuer": issuer,
            "authorization_endpoint": self.base + "/authorize",
            "token_endpoint": self.base + "/token",
            "jwks_uri": self.base + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def id_token(self, request):
        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": "user-1",
            "aud": request["client_id"],
            "exp": now + 300,
            "iat": now,
            "email": "person@example.com",
            "email_verified": True,
            "name": "A Person",
        }
        if request.get("nonce") is not None:
            claims["nonce"] = request["nonce"]
        for name, value in self.shape.get("claims", {}).items():
            if isinstance(value, dict) and "offset" in value:
                value = now + value["offset"]
            claims[name] = value
        for name in self.shape.get("remove", []):
            claims.pop(name, None)

        sign = self.shape.get("sign", "key")
        if sign == "none":
            header = {"alg": "none", "typ": "JWT"}
            return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode()) + "."
        if sign == "hs256":
            return jwt.encode(claims, self.client_secret, algorithm="HS256", headers={"kid": self.published[0]})
        if sign == "impostor":
            key, kid = self.impostor, self.published[0]
        elif sign == "unpublished":
            kid = self.shape["signing_kid"]
            key = self.keys[kid]
        else:
            kid = self.published[0]
            key = self.keys[kid]
        headers = {"kid": self.shape.get("kid", kid)}
        if headers["kid"] is None:
            # PyJWT adds only what it is given; without a kid the header is {"alg", "typ"}.
            headers = {}
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def make_handler(provider):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=None, headers=None):
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(payload)

        def body(self):
            length = int(self.headers.get("Content-Length", "0"))
            return self.rfile.read(length)

        def do_GET(self):
            url = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            with LOCK:
                if url.path.endswith("/.well-known/openid-configuration"):
                    provider.stats["discovery_requests"] += 1
                    prefix = url.path[: -len("/.well-known/openid-configuration")]
                    return self.answer(200, provider.discovery(prefix))
                if url.path == "/jwks":
                    provider.stats["jwks_requests"] += 1
                    return self.answer(200, provider.jwks())
                if url.path == "/authorize":
                    return self.authorize(query)
                if url.path == "/_control/stats":
                    return self.answer(200, provider.stats)
            self.answer(404, {"error": "not_found"})

        def authorize(self, query):
            required = ("response_type", "client_id", "redirect_uri", "state", "code_challenge")
            if any(name not in query for name in required) or query["response_type"] != "code" \
                    or query.get("code_challenge_method") != "S256" or "openid" not in query.get("scope", "").split():
                return self.answer(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(24)
            provider.codes[code] = query
            location = query["redirect_uri"] + ("&" if "?" in query["redirect_uri"] else "?") + \
                urlencode({"code": code, "state": query["state"]})
            self.answer(302, headers={"Location": location})

        def do_POST(self):
            url = urlsplit(self.path)
            raw = self.body()
            with LOCK:
                if url.path == "/token":
                    provider.stats["token_requests"] += 1
                    form = {name: values[0] for name, values in parse_qs(raw.decode()).items()}
                    return self.token(form)
                body = json.loads(raw or b"{}")
                if url.path == "/_control/shape":
                    provider.shape = body
                elif url.path == "/_control/discovery":
                    provider.discovery_issuer = body["issuer"]
                elif url.path == "/_control/add-key":
                    provider.add_key(body["kid"], publish=body.get("publish", False))
                elif url.path == "/_control/publish":
                    provider.published.append(body["kid"])
                else:
                    return self.answer(404, {"error": "not_found"})
            self.answer(204)

        def token(self, form):
            if "token_status" in provider.shape:
                return self.answer(provider.shape["token_status"],
                                   {"error": "invalid_grant", "error_description": "refused by the test's shape"})
            request = provider.codes.pop(form.get("code", ""), None)
            if form.get("grant_type") != "authorization_code" or request is None:
                return self.answer(400, {"error": "invalid_grant"})
            if form.get("client_id") != request["client_id"] or form.get("redirect_uri") != request["redirect_uri"]:
                return self.answer(400, {"error": "invalid_grant"})
            if provider.client_secret is not None and form.get("client_secret") != provider.client_secret:
                return self.answer(401, {"error": "invalid_client"})
            verifier = form.get("code_verifier", "")
            challenge = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            if not 43 <= len(verifier) <= 128 or challenge != request["code_challenge"]:
                return self.answer(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            self.answer(200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                              "expires_in": 300, "id_token": provider.id_token(request)})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-secret")
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    arguments = parser.parse_args()
    provider = Provider(arguments.client_secret)
    server = ThreadingHTTPServer((arguments.host, arguments.port), make_handler(provider))
    server.daemon_threads = True
    provider.base = f"http://{arguments.host}:{server.server_address[1]}"
    print(server.server_address[1], flush=True)
    if arguments.exit_on_stdin_eof:
        exit_when_stdin_closes()
    server.serve_forever()


if __name__ == "__main__":
    main()
