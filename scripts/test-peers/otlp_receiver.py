#!/usr/bin/env python3
"""An OTLP/HTTP trace receiver for tests: accepts `POST /v1/traces` with a protobuf
ExportTraceServiceRequest (decoded with the `opentelemetry-proto` package, as a collector
would), answers 200 with an empty ExportTraceServiceResponse, and prints one JSON line per span
on standard output (after the first line, which is the port it listens on).

Each printed line: {"trace_id", "span_id", "parent_span_id" (hex; "" for a root span), "name",
"kind", "attributes": {key: value as text}, "service": the resource's service.name}.

With `--count`, it prints instead one line per export request: the number of spans it held
(benchmarks use this, so the receiver's own work on the shared cores stays small).

Usage: otlp_receiver.py [--port 0] [--count]
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from peer_process import exit_when_stdin_closes

LOCK = threading.Lock()
COUNT_ONLY = False


def text(value):
    """An AnyValue as text."""
    kind = value.WhichOneof("value")
    return "" if kind is None else str(getattr(value, kind))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path != "/v1/traces":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        if COUNT_ONLY:
            count = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
            self.answer_and_print([str(count)])
            return
        lines = []
        for resource_spans in request.resource_spans:
            service = ""
            for attribute in resource_spans.resource.attributes:
                if attribute.key == "service.name":
                    service = text(attribute.value)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append(json.dumps({
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "kind": span.kind,
                        "attributes": {a.key: text(a.value) for a in span.attributes},
                        "service": service,
                    }))
        self.answer_and_print(lines)

    def answer_and_print(self, lines):
        """Prints `lines` and answers with an empty ExportTraceServiceResponse."""
        with LOCK:
            for line in lines:
                print(line)
            sys.stdout.flush()
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count", action="store_true", help="print span counts, not spans")
    arguments = parser.parse_args()
    global COUNT_ONLY
    COUNT_ONLY = arguments.count
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print(server.server_address[1])
    sys.stdout.flush()
    exit_when_stdin_closes()
    server.serve_forever()


if __name__ == "__main__":
    main()
