#!/usr/bin/env python3
"""Verifies one webhook message with the Standard Webhooks reference library (PyPI
`standardwebhooks`), as a receiver would: the secret, the three headers and the body.

Usage: verify_webhook.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
Prints "verified" and exits 0, or prints the library's error and exits 1.
"""
import sys

from standardwebhooks.webhooks import Webhook


def main() -> int:
    secret, message_id, timestamp, signature, body_file = sys.argv[1:6]
    with open(body_file, "rb") as handle:
        body = handle.read()
    headers = {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    try:
        Webhook(secret).verify(body, headers)
    except Exception as error:  # the library raises WebhookVerificationError, or others on bad input
        print(f"{type(error).__name__}: {error}")
        return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
