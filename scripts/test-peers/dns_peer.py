#!/usr/bin/env python3
"""A deliberately misbehaving DNS server for the resolver's tests (the well-behaved one is
dnsmasq). Listens on one 127.0.0.1 port over UDP and TCP, prints the port as its first line,
then one line per query it receives: "udp NAME" or "tcp NAME". It answers by the first label of
the queried name:

  silent      never answers
  spoofed     over UDP first sends what a resolver must ignore: a matching answer from another
              port, garbage, an answer with a wrong id, one with another question, a query
              (QR=0) with the right id; then the genuine answer, TXT "genuine"
  wrongid     only answers with a wrong id
  loop        a matching answer whose record name is a compression pointer to itself
  overrun     a matching answer whose RDLENGTH runs past the end of the message
  servfail    SERVFAIL (rcode 2)
  truncated   over UDP: TC set and no records; over TCP (length and message sent in pieces):
              TXT "over", "tcp" (two strings)
  tcpwrongid  over UDP: TC set; over TCP: an answer with a wrong id
  foreign     a TXT record owned by another name ("planted") and one owned by the queried
              name ("mine")
  (other)     NXDOMAIN

Usage: dns_peer.py [--exit-on-stdin-eof]
"""
import socket
import struct
import sys
import threading
import time

from peer_process import exit_when_stdin_closes

PRINT_LOCK = threading.Lock()


def say(line):
    with PRINT_LOCK:
        print(line, flush=True)


def parse_query(message):
    """Returns (id, question bytes, name) or None."""
    if len(message) < 12:
        return None
    (qid,) = struct.unpack(">H", message[:2])
    labels, i = [], 12
    while i < len(message) and message[i] != 0:
        length = message[i]
        labels.append(message[i + 1 : i + 1 + length].decode("ascii", "replace"))
        i += 1 + length
    end = i + 5
    if end > len(message):
        return None
    return qid, message[12:end], ".".join(labels)


def response(qid, question, answers=(), rcode=0, tc=False, qr=True):
    flags = (0x8000 if qr else 0) | 0x0100 | 0x0080 | (0x0200 if tc else 0) | rcode
    return struct.pack(">HHHHHH", qid, flags, 1, len(answers), 0, 0) + question + b"".join(answers)


def txt(owner, *strings):
    rdata = b"".join(bytes([len(s)]) + s for s in strings)
    return owner + struct.pack(">HHIH", 16, 1, 60, len(rdata)) + rdata


def wire_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"


QUESTION_NAME = b"\xc0\x0c"  # a pointer to the question's name


def answers_for(mode, qid, question, over_tcp):
    """The messages to send back, in order (over TCP only the last is sent)."""
    if mode == "silent":
        return []
    if mode == "wrongid":
        return [response(qid ^ 0x5A5A, question, [txt(QUESTION_NAME, b"spoofed")])]
    if mode == "loop":
        # The record's name sits right after the question; a pointer there points to itself.
        offset = 12 + len(question)
        pointer = struct.pack(">H", 0xC000 | offset)
        return [response(qid, question, [pointer + struct.pack(">HHIH", 16, 1, 60, 2) + b"\x01x"])]
    if mode == "overrun":
        return [response(qid, question, [QUESTION_NAME + struct.pack(">HHIH", 16, 1, 60, 400) + b"\x05short"])]
    if mode == "servfail":
        return [response(qid, question, rcode=2)]
    if mode == "truncated":
        if over_tcp:
            return [response(qid, question, [txt(QUESTION_NAME, b"over", b"tcp")])]
        return [response(qid, question, tc=True)]
    if mode == "tcpwrongid":
        if over_tcp:
            return [response(qid ^ 1, question, [txt(QUESTION_NAME, b"wrong id over tcp")])]
        return [response(qid, question, tc=True)]
    if mode == "foreign":
        return [response(qid, question, [txt(wire_name("elsewhere.example.test"), b"planted"), txt(QUESTION_NAME, b"mine")])]
    if mode == "spoofed":
        other_question = wire_name("other.example.test") + struct.pack(">HH", 16, 1)
        return [
            b"\x00",
            b"\xff" * 40,
            response(qid ^ 0x0101, question, [txt(QUESTION_NAME, b"spoofed: wrong id")]),
            response(qid, other_question, [txt(QUESTION_NAME, b"spoofed: other question")]),
            response(qid, question, [txt(QUESTION_NAME, b"spoofed: not a response")], qr=False),
            response(qid, question, [txt(QUESTION_NAME, b"genuine")]),
        ]
    return [response(qid, question, rcode=3)]


def serve_udp(sock):
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(("127.0.0.1", 0))
    while True:
        message, client = sock.recvfrom(65535)
        parsed = parse_query(message)
        if parsed is None:
            continue
        qid, question, name = parsed
        say(f"udp {name}")
        mode = name.split(".")[0]
        if mode == "spoofed":
            # A perfect answer, but from another port than the one the query went to.
            stranger.sendto(response(qid, question, [txt(QUESTION_NAME, b"spoofed: other port")]), client)
        for answer in answers_for(mode, qid, question, over_tcp=False):
            sock.sendto(answer, client)
            time.sleep(0.01)


def serve_tcp_connection(connection):
    with connection:
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
            chunk = connection.recv(65535)
            if not chunk:
                return
            data += chunk
        parsed = parse_query(data[2:])
        if parsed is None:
            return
        qid, question, name = parsed
        say(f"tcp {name}")
        answers = answers_for(name.split(".")[0], qid, question, over_tcp=True)
        if not answers:
            time.sleep(60)
            return
        message = answers[-1]
        framed = struct.pack(">H", len(message)) + message
        # In pieces, so that the reader has to put them together.
        for piece in (framed[:1], framed[1:7], framed[7:]):
            connection.sendall(piece)
            time.sleep(0.02)


def serve_tcp(listener):
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve_tcp_connection, args=(connection,), daemon=True).start()


def bind_udp_and_tcp():
    """A UDP and a TCP socket on the same free port."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp, port
    raise SystemExit("no port free for both UDP and TCP")


def main():
    if "--exit-on-stdin-eof" in sys.argv[1:]:
        exit_when_stdin_closes()
    udp, tcp, port = bind_udp_and_tcp()
    threading.Thread(target=serve_tcp, args=(tcp,), daemon=True).start()
    say(str(port))
    serve_udp(udp)


if __name__ == "__main__":
    main()
