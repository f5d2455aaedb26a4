#!/usr/bin/env python3
"""An open-loop load generator for bench/webhooks: sends PATCH requests with a JSON body at a
fixed rate for a number of seconds, over a pool of keep-alive HTTP/1.1 connections, whatever
the server's response time (a closed-loop tool such as wrk slows down with the server, and the
rate it reaches then measures the server rather than holding the load). Request i carries the
body made from --body with {n} replaced by i and, when --bearer is given (repeatable), the
i-th request carries the (i mod n)-th token, spreading the load over several tenants. Prints one JSON line at the end:
{"sent", "ok", "non_2xx", "errors", "seconds", "rate", "late"}, where "late" counts requests
that left more than 50 ms after their scheduled time (all connections were busy).

Usage: steady_load.py --url http://127.0.0.1:PORT/path [--header 'Name: value'...] [--bearer TOKEN...] --rate 500
       --seconds 20 [--connections 64] [--method PATCH] [--body '{"name":"Steady {n}"}']
"""
import argparse
import asyncio
import json
import time
import urllib.parse


async def read_response(reader):
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--bearer", action="append", default=[])
    parser.add_argument("--method", default="PATCH")
    parser.add_argument("--body", default='{"name":"Steady {n}"}')
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=64)
    arguments = parser.parse_args()
    url = urllib.parse.urlsplit(arguments.url)
    path = url.path + ("?" + url.query if url.query else "")
    extra = "".join(h.strip() + "\r\n" for h in arguments.header)
    total = int(arguments.rate * arguments.seconds)
    queue = asyncio.Queue()
    counts = {"sent": 0, "ok": 0, "non_2xx": 0, "errors": 0, "late": 0}

    async def connection():
        reader = writer = None
        while True:
            item = await queue.get()
            if item is None:
                break
            number, scheduled = item
            if time.monotonic() - scheduled > 0.05:
                counts["late"] += 1
            body = arguments.body.replace("{n}", str(number)).encode()
            bearer = ""
            if arguments.bearer:
                bearer = f"Authorization: Bearer {arguments.bearer[number % len(arguments.bearer)]}\r\n"
            request = (f"{arguments.method} {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n{extra}{bearer}\r\n").encode() + body
            counts["sent"] += 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(url.hostname, url.port)
                writer.write(request)
                status = await read_response(reader)
                counts["ok" if 200 <= status < 300 else "non_2xx"] += 1
            except Exception:
                counts["errors"] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(arguments.connections)]
    start = time.monotonic()
    for number in range(total):
        scheduled = start + number / arguments.rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((number, scheduled))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    seconds = time.monotonic() - start
    counts["seconds"] = round(seconds, 2)
    counts["rate"] = round(counts["ok"] / seconds, 1)
    print(json.dumps(counts))


if __name__ == "__main__":
    asyncio.run(main())
