#!/usr/bin/env python3
"""A fast webhook receiver for bench/webhooks: an asyncio HTTP/1.1 server that answers every
POST with 200 (keeping the connection open unless the client asks to close it), and for each
webhook message (a body with a "timestamp") records when it arrived and how long after its
event it came. GET /stats answers {"count", "first", "last", "p50_ms", "p99_ms", "max_ms"}
over the messages since the last GET /reset. Prints its port on the first line.

Usage: webhook_sink.py [--port 0]
"""
import argparse
import asyncio
import datetime
import json
import re
import time

TIMESTAMP = re.compile(rb'"timestamp":"([0-9T:.\-]+)Z"')
STATE = {"latencies": [], "first": None, "last": None}


def event_time(text):
    return datetime.datetime.strptime(text.decode(), "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def stats():
    values = sorted(STATE["latencies"])
    def pick(share):
        return round(values[min(len(values) - 1, int(len(values) * share))] * 1000, 1) if values else None
    return {"count": len(values), "first": STATE["first"], "last": STATE["last"], "p50_ms": pick(0.5),
            "p99_ms": pick(0.99), "max_ms": round(values[-1] * 1000, 1) if values else None}


class Sink(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            lines = head.split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            method, path = lines[0].split(" ")[:2]
            answer = b"ok"
            if method == "GET" and path == "/stats":
                answer = json.dumps(stats()).encode()
            elif method == "GET" and path == "/reset":
                STATE.update({"latencies": [], "first": None, "last": None})
            else:
                match = TIMESTAMP.search(body)
                if match:
                    now = time.time()
                    STATE["latencies"].append(max(0.0, now - event_time(match.group(1))))
                    STATE["first"] = STATE["first"] or now
                    STATE["last"] = now
            close = headers.get("connection", "").lower() == "close"
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s"
                % (len(answer), b"Connection: close\r\n" if close else b"", answer))
            if close:
                self.transport.close()
                return


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "127.0.0.1", arguments.port, backlog=4096, reuse_address=True)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
