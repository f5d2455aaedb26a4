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
