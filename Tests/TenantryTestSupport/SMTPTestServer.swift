public import Foundation
import Synchronization

/// A real SMTP server for a test: `scripts/test-peers/smtp_server.py` (aiosmtpd) in its own
/// temporary folder, started on a free loopback port and stopped, folder and all, when the test
/// body ends.
public final class SMTPTestServer: Sendable {
    /// The port the server listens on.
    public var port: Int { peer.port }
    /// The server's folder: its certificates and the delivered mail.
    public let folder: URL
    private let peer: PythonPeer

    public var caFile: String { folder.appendingPathComponent("pki/ca.pem").path }
    public var unrelatedCAFile: String { folder.appendingPathComponent("pki/other-ca.pem").path }
    public var maildir: URL { folder.appendingPathComponent("mail") }

    public static func with<T>(
        _ options: [String] = [],
        tls: Bool = false,
        _ body: (SMTPTestServer) async throws -> T
    ) async throws -> T {
        let server = try await SMTPTestServer(options: options, tls: tls)
        defer { server.stop() }
        return try await body(server)
    }

    private init(options: [String], tls: Bool) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var arguments = ["--port", "0", "--exit-on-stdin-eof", "--maildir", folder.appendingPathComponent("mail").path]
        if tls { arguments += ["--generate-tls", folder.appendingPathComponent("pki").path] }
        arguments += options
        do {
            peer = try await PythonPeer(
                script: "smtp_server.py", arguments: arguments, hint: "is aiosmtpd installed? scripts/test installs it")
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        self.folder = folder
    }

    /// Stops the process and removes the folder.
    public func stop() {
        peer.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// What the server wrote to standard error so far (for failure messages).
    public var log: String { peer.log }

    /// Every message the server accepted, in order.
    public func delivered() throws -> [DeliveredMessage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: maildir.path)) ?? []
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let json = try Data(contentsOf: maildir.appendingPathComponent(name))
            var message = try decoder.decode(DeliveredMessage.self, from: json)
            message.raw = try Data(
                contentsOf: maildir.appendingPathComponent(name.replacingOccurrences(of: ".json", with: ".eml")))
            return message
        }
    }
}

/// Text a process writes, collected as it arrives.
public final class CapturedText: Sendable {
    private let storage = Mutex("")

    /// Everything so far.
    public var text: String { storage.withLock { $0 } }

    /// Adds received bytes.
    public func append(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        storage.withLock { $0 += text }
    }
}

/// One message as the test server received it (see smtp_server.py for the fields).
public struct DeliveredMessage: Decodable, Sendable {
    /// The message as Python's `email` package parses it.
    public struct Parsed: Decodable, Sendable {
        public var headers: [String: String]
        public var defects: [String]
        public var contentType: String
        public var parts: [Part]
        public var fromDisplayName: String?
        public var fromAddress: String?
        public var dateIso: String?
        public var dateError: String?
    }

    /// One leaf part, its text decoded.
    public struct Part: Decodable, Sendable {
        public var contentType: String
        public var charset: String?
        public var transferEncoding: String?
        public var content: String

        /// The text with CRLF line breaks turned into LF.
        public var text: String { content.replacingOccurrences(of: "\r\n", with: "\n") }
    }

    public var mailFrom: String
    public var rcptTos: [String]
    public var tls: Bool
    public var authLogin: String?
    public var authMechanism: String?
    public var ehlo: String?
    public var message: Parsed
    /// The bytes received after DATA, dot-stuffing undone.
    public var raw = Data()

    enum CodingKeys: String, CodingKey {
        case mailFrom, rcptTos, tls, authLogin, authMechanism, ehlo, message
    }
}
