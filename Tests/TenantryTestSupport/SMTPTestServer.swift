public import Foundation
import Synchronization

/// A real SMTP server for a test: `scripts/test-peers/smtp_server.py` (aiosmtpd) in its own
/// temporary folder, started on a free loopback port and stopped, folder and all, when the test
/// body ends.
public final class SMTPTestServer: Sendable {
    /// The port the server listens on (127.0.0.1).
    public let port: Int
    /// The temporary folder: `mail/` holds delivered messages, `pki/` the test certificates.
    public let folder: URL

    private let process: Process
    private let input: Pipe
    private let output: CapturedText
    private let errors: CapturedText

    /// The CA that signed the server's certificate (when started with TLS).
    public var caFile: String { folder.appendingPathComponent("pki/ca.pem").path }
    /// A CA that signed nothing the server uses.
    public var unrelatedCAFile: String { folder.appendingPathComponent("pki/other-ca.pem").path }
    /// Where delivered messages are written.
    public var maildir: URL { folder.appendingPathComponent("mail") }

    /// The repository's root, found from this file's place in it.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts a server with `options` (see smtp_server.py), runs `body`, then stops the server
    /// and removes its folder, whether `body` succeeded or not.
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
        let script = Self.repositoryRoot.appendingPathComponent("scripts/test-peers/smtp_server.py").path
        var arguments = [
            "python3", script, "--port", "0", "--exit-on-stdin-eof", "--maildir", folder.appendingPathComponent("mail").path,
        ]
        if tls { arguments += ["--generate-tls", folder.appendingPathComponent("pki").path] }
        arguments += options

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let input = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = stderr
        let output = CapturedText()
        let errors = CapturedText()
        stdout.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        stderr.fileHandleForReading.readabilityHandler = { handle in errors.append(handle.availableData) }
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }

        var port: Int?
        // Generous: starting Python and making throwaway certificates is slow on a loaded machine.
        let deadline = ContinuousClock.now + .seconds(60)
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            let text = output.text
            let firstLine = text.firstIndex(of: "\n").map { String(text[..<$0]) }
            if let firstLine {
                port = Int(firstLine.trimmingCharacters(in: .whitespaces))
                if port == nil { break }
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        self.process = process
        self.input = input
        self.output = output
        self.errors = errors
        self.folder = folder
        guard let port else {
            let log = errors.text + output.text
            self.port = 0
            stop()
            throw SMTPTestServerError(
                message: "smtp_server.py did not report its port (is aiosmtpd installed? scripts/test installs it)",
                output: log
            )
        }
        self.port = port
    }

    /// Stops the process and removes the folder.
    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        (process.standardOutput as? Pipe)?.fileHandleForReading.readabilityHandler = nil
        (process.standardError as? Pipe)?.fileHandleForReading.readabilityHandler = nil
        try? FileManager.default.removeItem(at: folder)
    }

    /// What the server wrote to standard error so far (for failure messages).
    public var log: String { errors.text }

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

/// The test server did not start.
public struct SMTPTestServerError: Error, CustomStringConvertible {
    public var message: String
    public var output: String
    public var description: String { "\(message)\n\(output)" }
}
