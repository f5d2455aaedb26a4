#!/usr/bin/env python3
"""Verifies a Tenantry access token the way an independent third party would: with PyJWT,
given only the JWKS document. Prints the verified claims as JSON; exits 1 on failure.

usage: verify_jwt.py JWKS_FILE TOKEN ISSUER AUDIENCE
"""
import json
import sys

import jwt


def main() -> int:
    jwks_path, token, issuer, audience = sys.argv[1:5]
    with open(jwks_path, encoding="utf-8") as handle:
        jwks = json.load(handle)
    kid = jwt.get_unverified_header(token).get("kid")
    matching = [key for key in jwks["keys"] if key.get("kid") == kid]
    if not matching:
        print(json.dumps({"error": "unknown kid"}))
        return 1
    key = jwt.PyJWK(matching[0]).key
    try:
        claims = jwt.decode(token, key, algorithms=["EdDSA"], audience=audience, issuer=issuer)
    except jwt.PyJWTError as error:
        print(json.dumps({"error": type(error).__name__}))
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
