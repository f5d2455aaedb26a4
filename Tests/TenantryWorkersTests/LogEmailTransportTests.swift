import Logging
import Synchronization
import TenantryCore
import TenantryWorkers
import Testing

@Suite("Log email transport")
struct LogEmailTransportTests {
    final class Captured: LogHandler, @unchecked Sendable {
        let lines = Mutex<[(String, Logger.Metadata)]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.withLock { $0.append(("\(event.message)", event.metadata ?? [:])) }
        }
    }

    @Test("the log transport writes recipient, subject and body to the log")
    func logsMessage() async throws {
        let captured = Captured()
        let transport = LogEmailTransport(logger: Logger(label: "mail") { _ in captured })
        try await transport.send(
            EmailMessage(to: try EmailAddress("ada@example.org"), subject: "Verify", textBody: "Open https://x/verify?t=abc")
        )
        let entries = captured.lines.withLock { $0 }
        #expect(entries.count == 1)
        #expect(entries.first?.1["email.to"] == "ada@example.org")
        let body = "\(entries.first?.1["email.body"] ?? "")"
        #expect(body.contains("https://x/verify?t=abc"))
    }
}
