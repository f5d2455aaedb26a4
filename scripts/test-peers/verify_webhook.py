#!/usr/bin/env python3
"""Verifies one webhook message as a receiver would, with two libraries: the Standard Webhooks
reference library (PyPI `standardwebhooks`) and Svix's (`svix`). Input: the secret, the three
headers and the body.

Usage: verify_webhook.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
Prints "verified" and exits 0 when both accept it, or prints the first library's error and
exits 1.
"""
import sys

from standardwebhooks.webhooks import Webhook
from svix.webhooks import Webhook as SvixWebhook


def main() -> int:
    secret, message_id, timestamp, signature, body_file = sys.argv[1:6]
    with open(body_file, "rb") as handle:
        body = handle.read()
    headers = {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    for name, library in (("standardwebhooks", Webhook), ("svix", SvixWebhook)):
        try:
            library(secret).verify(body, headers)
        except Exception as error:  # WebhookVerificationError, or others on bad input
            print(f"{name}: {type(error).__name__}: {error}")
            return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
