import Foundation
import TenantryTestSupport
import Testing

/// Tracing end to end: the real `tenantry` process exports its spans over OTLP/HTTP to a
/// receiver built on `opentelemetry-proto` (scripts/test-peers/otlp_receiver.py).
@Suite("Tracing")
struct TracingTests {
    struct ReceivedSpan {
        let traceID: String
        let spanID: String
        let parentSpanID: String
        let name: String
        let attributes: [String: String]
        let service: String
    }

    static func spans(_ receiver: PythonPeer) -> [ReceivedSpan] {
        receiver.lines.compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return ReceivedSpan(
                traceID: object["trace_id"] as? String ?? "", spanID: object["span_id"] as? String ?? "",
                parentSpanID: object["parent_span_id"] as? String ?? "", name: object["name"] as? String ?? "",
                attributes: object["attributes"] as? [String: String] ?? [:], service: object["service"] as? String ?? "")
        }
    }

    /// Starts the OTLP/HTTP receiver the server exports to.
    static func startCollector() async throws -> PythonPeer {
        try await PythonPeer(
            script: "otlp_receiver.py", arguments: ["--port", "0"],
            hint: "is opentelemetry-proto installed? scripts/test installs it")
    }

    /// The first line of the server's output that `matches`, waiting up to 10 seconds for it.
    static func line(of server: ServerProcess, _ matches: (String) -> Bool) async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let line = server.lines.first(where: matches) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test(
        "with OTEL_* set, a request carrying traceparent is exported as a server span of that trace, under the caller's span, with a database span under it, its log lines carry the ids, and a job it enqueues runs in the same trace; a probe without traceparent makes no span",
        arguments: TestDatabase.all)
    func requestSpanWithDatabaseChild(engine: TestDatabase) async throws {
        let receiver = try await Self.startCollector()
        defer { receiver.stop() }
        let directory = try ServerProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // SQLite: a database file of the server's own; PostgreSQL: a test database.
        try await withTestDatabase(engine) { context in
            var environment = [
                "TENANTRY_LOG_FORMAT": "json",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)",
                "OTEL_SERVICE_NAME": "tenantry-under-test",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            ]
            if engine == .postgres {
                environment["TENANTRY_DATABASE_URL"] = context.configuration.databaseURL
                environment["TENANTRY_DATABASE_OWNER_URL"] = context.configuration.databaseOwnerURL ?? ""
                environment["TENANTRY_MASTER_KEY"] = context.configuration.masterKey ?? ""
            }
            let server = try ServerProcess(
                arguments: ["serve", "--port", "0"], environment: environment, directory: directory)
            defer { server.stop() }
            let port = try await server.waitForListeningPort()
            let traceID = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 1...UInt32.max)) }.joined()
            let callerSpanID = String(format: "%08x%08x", UInt32.random(in: 1...UInt32.max), UInt32.random(in: 1...UInt32.max))
            // A probe without a traceparent makes no span; the traced one after it shows the
            // exporter had the time to send it.
            #expect(try await LoopbackHTTP.request(port: port, path: "/health/live").status == 200)
            let ready = try await LoopbackHTTP.request(
                port: port, path: "/health/ready", headers: ["traceparent": "00-\(traceID)-\(callerSpanID)-01"])
            #expect(ready.status == 200)

            var request: ReceivedSpan?
            var database: ReceivedSpan?
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let received = Self.spans(receiver).filter { $0.traceID == traceID }
                request = received.first { $0.name == "GET /health/ready" }
                if let request { database = received.first { $0.parentSpanID == request.spanID } }
                if database != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let requestSpan = try #require(request, "no request span; received: \(receiver.lines)")
            #expect(!Self.spans(receiver).contains { $0.name == "GET /health/live" }, "an untraced probe made a span")
            #expect(requestSpan.parentSpanID == callerSpanID)
            #expect(requestSpan.attributes["http.route"] == "/health/ready")
            #expect(requestSpan.attributes["http.response.status_code"] == "200")
            #expect(requestSpan.service == "tenantry-under-test")
            let databaseSpan = try #require(database, "no database span under the request; received: \(receiver.lines)")
            #expect(databaseSpan.name == "db checkReadiness")
            #expect(databaseSpan.attributes["db.system.name"] == (engine == .sqlite ? "sqlite" : "postgresql"))

            let accessLine = try #require(try await Self.line(of: server) { $0.contains("\"route\":\"/health/ready\"") })
            #expect(accessLine.contains("\"trace_id\":\"\(traceID)\""), "\(accessLine)")
            #expect(accessLine.contains("\"span_id\":\"\(requestSpan.spanID)\""), "\(accessLine)")

            // A job enqueued by a traced request (the sign-up's verification email) runs in a span
            // of the same trace, under the span that enqueued it.
            let signUpTrace = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 1...UInt32.max)) }.joined()
            let signUp = try await LoopbackHTTP.request(
                "POST", port: port, path: "/api/v1/auth/register",
                headers: ["traceparent": "00-\(signUpTrace)-\(callerSpanID)-01"],
                json:
                    #"{"email":"traced@example.com","password":"correct horse battery staple","name":"T","tenant_name":"Traced"}"#
            )
            #expect(signUp.status == 201, "\(signUp.body)")
            var job: ReceivedSpan?
            var trace: [ReceivedSpan] = []
            let jobDeadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < jobDeadline {
                trace = Self.spans(receiver).filter { $0.traceID == signUpTrace }
                job = trace.first { $0.name == "job email" }
                if job != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let jobSpan = try #require(job, "no job span in the sign-up's trace; received: \(receiver.lines)")
            #expect(trace.contains { $0.spanID == jobSpan.parentSpanID && $0.name.hasPrefix("db ") })
            #expect(trace.contains { $0.parentSpanID == jobSpan.spanID }, "the job's database work is under its span")
        }
    }

    @Test("an OTEL_* value the tracer cannot honour stops start-up with exit 64, naming the variable")
    func invalidTracingVariablesAreRefused() async throws {
        let directory = try ServerProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerProcess(
            arguments: ["serve", "--port", "0"],
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_SAMPLER": "sometimes",
                "OTEL_PROPAGATORS": "b3",
            ], directory: directory)
        defer { server.stop() }
        #expect(try await server.waitForExit(timeout: .seconds(60)) == 64, "\(server.lines)")
        #expect(server.lines.contains { $0.contains("OTEL_TRACES_SAMPLER") }, "\(server.lines)")
        #expect(server.lines.contains { $0.contains("OTEL_PROPAGATORS") }, "\(server.lines)")
    }

    @Test("without OTEL_* variables nothing is exported and log lines carry no trace ids")
    func offByDefault() async throws {
        let directory = try ServerProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerProcess(
            arguments: ["serve", "--port", "0"], environment: ["TENANTRY_LOG_FORMAT": "json"], directory: directory)
        defer { server.stop() }
        let port = try await server.waitForListeningPort()
        let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        #expect(
            try await LoopbackHTTP.request(port: port, path: "/health/live", headers: ["traceparent": traceparent]).status == 200)
        let accessLine = try #require(try await Self.line(of: server) { $0.contains("\"route\":\"/health/live\"") })
        #expect(!accessLine.contains("trace_id"))
    }

    @Test(
        "with tracing on, a webhook delivery is a client span and the receiver gets its traceparent",
        arguments: TestDatabase.all)
    func webhookDeliveryCarriesTraceparent(engine: TestDatabase) async throws {
        let collector = try await Self.startCollector()
        defer { collector.stop() }
        try await WebhookProcessTests.withTestDatabaseDirectory(engine) { context, directory in
            let receiver = try await PythonPeer(
                script: "webhook_receiver.py", arguments: ["--port", "0", "--exit-on-stdin-eof"],
                hint: "is standardwebhooks installed? scripts/test installs it")
            defer { receiver.stop() }
            var environment = WebhookProcessTests.environment(context, directory: directory)
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:\(collector.port)"
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "100"
            let server = try ServerProcess(arguments: ["serve", "--port", "0"], environment: environment, directory: directory)
            defer { server.stop() }
            let port = try await server.waitForListeningPort()
            let token = try await WebhookProcessTests.tenantWithEndpoint(
                port: port, url: "http://127.0.0.1:\(receiver.port)/ok")
            try await WebhookProcessTests.rename(port: port, token: token, to: "Acme Traced")
            var traceparent: String?
            var span: ReceivedSpan?
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                traceparent =
                    receiver.lines.compactMap { line in
                        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                        return (object?["headers"] as? [String: String])?["traceparent"]
                    }.first
                if let parts = traceparent?.split(separator: "-"), parts.count == 4 {
                    span = Self.spans(collector).first { $0.traceID == parts[1] && $0.spanID == parts[2] }
                }
                if span != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(traceparent != nil, "the delivery carried no traceparent: \(receiver.lines)")
            let delivery = try #require(span, "no span matches \(traceparent ?? "-"): \(collector.lines)")
            #expect(delivery.name == "webhook POST")
            #expect(delivery.attributes["http.request.method"] == "POST")
        }
    }
}
