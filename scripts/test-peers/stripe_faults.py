#!/usr/bin/env python3
"""A scripted HTTP server standing in for Stripe where localstripe cannot: answers 429, 500 and
chosen errors on demand, and records what it was sent. For the Stripe client's retry and
error-mapping tests.

    python3 scripts/test-peers/stripe_faults.py

Prints the bound port (127.0.0.1) on its first line, then serves until standard input closes.

  POST /_script     a JSON list of answers, used one per request in order:
                    {"status": 429, "body": {...}, "headers": {"Retry-After": "1"}};
                    once the list is used up every request gets 200 and `{"id": "cus_ok"}`.
  GET  /_requests   what was received so far: method, path, query, body (as sent) and headers.
  anything else     the next scripted answer.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_process import serve_aiohttp_on_loopback  # noqa: E402 (found through the line above)

from aiohttp import web  # noqa: E402

answers = []
received = []


async def script(request):
    answers.clear()
    received.clear()
    answers.extend(await request.json())
    return web.json_response({"scripted": len(answers)})


async def requests(request):
    return web.json_response(received)


async def answer(request):
    body = await request.text()
    received.append({
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "body": body,
        "headers": {name.lower(): value for name, value in request.headers.items()},
    })
    if answers:
        scripted = answers.pop(0)
        return web.json_response(
            scripted.get("body", {}), status=scripted.get("status", 200), headers=scripted.get("headers", {}))
    return web.json_response({"id": "cus_ok"})


def main():
    app = web.Application()
    app.router.add_post("/_script", script)
    app.router.add_get("/_requests", requests)
    app.router.add_route("*", "/{tail:.*}", answer)
    serve_aiohttp_on_loopback(app)


if __name__ == "__main__":
    main()
