"""What every test peer shares: tying its life to the test process that started it."""
import os
import sys
import threading


def exit_when_stdin_closes():
    """Exits the process as soon as standard input reaches its end: the test that started the
    peer closed it, or died, so a peer never outlives its test."""

    def watch():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def serve_aiohttp_on_loopback(app, port=0):
    """Serves an aiohttp application on 127.0.0.1 (`port` 0: any free port), prints the bound
    port as the first line of standard output, and serves until standard input closes."""
    import asyncio
    import socket

    from aiohttp import web

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))

    async def serve():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        print(sock.getsockname()[1], flush=True)
        while True:
            await asyncio.sleep(3600)

    exit_when_stdin_closes()
    asyncio.run(serve())
