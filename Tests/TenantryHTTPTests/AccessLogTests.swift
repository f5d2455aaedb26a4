import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

/// Collects log events in memory.
final class CapturedLogs: Sendable {
    struct Event: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Event]>([])

    var events: [Event] { storage.withLock { $0 } }

    func append(_ event: Event) { storage.withLock { $0.append(event) } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(sink: self) }
    }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            sink.append(Event(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

@Suite("Access log")
struct AccessLogTests {
    @Test("each request writes one access line with id, method, route, status and duration")
    func oneLinePerRequest() async throws {
        let logs = CapturedLogs()
        try await withTestApplication(.sqlite, logger: logs.logger) { client, _ in
            try await client.execute(uri: "/health/live", method: .get, headers: [.xRequestID: "log-1"]) { _ in }
            try await client.execute(uri: "/missing", method: .get, headers: [.xRequestID: "log-2"]) { _ in }
        }
        let lines = logs.events.filter { $0.metadata["component"] == "access" }
        #expect(lines.count == 2)
        let first = try #require(lines.first { $0.metadata["request_id"] == "log-1" })
        #expect(first.metadata["method"] == "GET")
        #expect(first.metadata["route"] == "/health/live")
        #expect(first.metadata["status"] == "200")
        #expect(Double(first.metadata["duration_ms"] ?? "") != nil)
        let second = try #require(lines.first { $0.metadata["request_id"] == "log-2" })
        #expect(second.metadata["status"] == "404")
    }

    @Test("a failed request's cause is logged by type only, never its message")
    func causesStayOutOfLogs() async throws {
        let logs = CapturedLogs()
        struct SecretFailure: Error, CustomStringConvertible {
            var description: String { "password=hunter2" }
        }
        try await withTestDatabase(.sqlite) { context in
            let identity = try TenantryEnvironment.make(
                configuration: context.configuration, database: context.database, logger: logs.logger)
            let router = APIRouter(
                configuration: context.configuration, database: context.database, environment: identity, logger: logs.logger)
            router.router.get("/test/fail") { _, _ -> String in throw SecretFailure() }
            let application = buildApplication(
                router: router, configuration: context.configuration, database: context.database, environment: identity,
                logger: logs.logger)
            try await application.test(.router) { client in
                try await client.execute(uri: "/test/fail", method: .get) { response in
                    #expect(response.status == .internalServerError)
                    let problem = try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: response.body))
                    #expect(problem.code == "internal_error")
                    #expect(!String(buffer: response.body).contains("hunter2"))
                }
            }
        }
        let everything = logs.events.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("hunter2"))
        #expect(everything.contains("SecretFailure"))
    }
}
