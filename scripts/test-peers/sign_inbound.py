#!/usr/bin/env python3
"""Signs a webhook body as another service would, for the inbound webhook tests: Stripe with
the `stripe` library's own helper (`WebhookSignature.generate_signature_header`), Standard
Webhooks with the reference library (`standardwebhooks`), and a plain HMAC with Python's
`hmac`. Prints the headers to send as one JSON object.

Usage: sign_inbound.py SCHEME SECRET BODY_FILE [--timestamp UNIX] [--id MESSAGE_ID]
                       [--header NAME] [--encoding hex|base64] [--prefix]
SCHEME: stripe, standard_webhooks, hmac_sha256 or hmac_sha512.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import time

import stripe
from standardwebhooks.webhooks import Webhook


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scheme")
    parser.add_argument("secret")
    parser.add_argument("body_file")
    parser.add_argument("--timestamp", type=int, default=None)
    parser.add_argument("--id", default=None)
    parser.add_argument("--header", default="X-Signature")
    parser.add_argument("--encoding", default="hex")
    parser.add_argument("--prefix", action="store_true", help="write sha256=/sha512= before the signature")
    arguments = parser.parse_args()
    with open(arguments.body_file, "rb") as handle:
        body = handle.read()
    timestamp = arguments.timestamp if arguments.timestamp is not None else int(time.time())
    headers = {}
    if arguments.scheme == "stripe":
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(
            body.decode("utf-8"), arguments.secret, timestamp=timestamp)
    elif arguments.scheme == "standard_webhooks":
        message_id = arguments.id or "msg_test"
        signature = Webhook(arguments.secret).sign(
            message_id, datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc), body.decode("utf-8"))
        headers.update({"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature})
    else:
        algorithm = arguments.scheme.split("_", 1)[1]
        mac = hmac.new(arguments.secret.encode("utf-8"), body, getattr(hashlib, algorithm)).digest()
        text = mac.hex() if arguments.encoding == "hex" else base64.b64encode(mac).decode("ascii")
        headers[arguments.header] = (algorithm + "=" + text) if arguments.prefix else text
    print(json.dumps(headers))


if __name__ == "__main__":
    main()
