import Foundation
import TenantrySAML

/// The third-party identity provider these tests talk to: `scripts/test-peers/saml_idp.py`,
/// which signs with signxml (lxml, OpenSSL through `cryptography`), never with our code.
enum IdentityProviderPeer {
    static let identityProviderEntityID = "https://idp.example.test/metadata"
    static let serviceProviderEntityID = "https://sp.example.test/saml/metadata"
    static let assertionConsumerServiceURL = "https://sp.example.test/saml/acs"
    static let requestID = "_request-1"

    /// A failure of the peer, with what it printed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let script = repositoryRoot.appendingPathComponent("scripts/test-peers/saml_idp.py").path

    /// The key folder, made once per test run: `idp`, `other` (RSA) and `ec` (P-256).
    private static let keyDirectory: Result<URL, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tenantry-saml-\(UUID().uuidString)")
        _ = try run(["keys", directory.path], input: Data())
        return directory
    }

    /// The DER certificate of key `name`.
    static func certificate(_ name: String) throws -> Data {
        try Data(contentsOf: keyDirectory.get().appendingPathComponent("\(name).der"))
    }

    /// A base64 Response signed by the peer; `overrides` change `RESPONSE_DEFAULTS` in the
    /// script (`NSNull()` omits an optional attribute).
    static func response(now: Date, _ overrides: [String: Any] = [:]) throws -> String {
        var parameters: [String: Any] = [
            "key_dir": try keyDirectory.get().path,
            "now": now.timeIntervalSince1970.rounded(.down),
        ]
        parameters.merge(overrides) { _, new in new }
        let output = try run(["response"], input: JSONSerialization.data(withJSONObject: parameters))
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any],
            let response = object["response"] as? String
        else { throw Failure(description: "saml_idp.py response printed no response") }
        return response
    }

    /// IdP metadata written by the peer.
    static func metadata(_ parameters: [String: Any]) throws -> Data {
        var parameters = parameters
        parameters["key_dir"] = try keyDirectory.get().path
        return try run(["metadata"], input: JSONSerialization.data(withJSONObject: parameters))
    }

    /// What the peer read from an HTTP-Redirect AuthnRequest URL.
    static func inspectRequest(_ url: URL) throws -> [String: Any] {
        let output = try run(
            ["inspect-request"],
            input: JSONSerialization.data(withJSONObject: ["url": url.absoluteString])
        )
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    /// What the peer read from SP metadata.
    static func inspectServiceProviderMetadata(_ xml: String) throws -> [String: Any] {
        let output = try run(["inspect-sp-metadata"], input: Data(xml.utf8))
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    /// Expectations matching the script's defaults, pinning `certificates` (default: `idp`).
    static func expectations(
        now: Date,
        certificates: [String] = ["idp"],
        solicitation: SAMLExpectations.Solicitation = .request(id: requestID),
        clockSkew: Duration = .seconds(60)
    ) throws -> SAMLExpectations {
        SAMLExpectations(
            trustedCertificates: try certificates.map(certificate),
            identityProviderEntityID: identityProviderEntityID,
            serviceProviderEntityID: serviceProviderEntityID,
            assertionConsumerServiceURL: assertionConsumerServiceURL,
            solicitation: solicitation,
            now: now,
            clockSkew: clockSkew
        )
    }

    /// Runs the script with `arguments`, feeding `input`; returns standard output.
    private static func run(_ arguments: [String], input: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: input)
        try stdin.fileHandleForWriting.close()
        let errors = Captured()
        let errorReader = Thread { errors.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errors.done { usleep(1_000) }
        let message = String(decoding: errors.data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let hint =
                process.terminationStatus == 3
                ? " (install the peer's modules: python3 -m pip install signxml lxml cryptography; scripts/test does)"
                : ""
            throw Failure(
                description: "saml_idp.py \(arguments.first ?? "") exited \(process.terminationStatus)\(hint): \(message)"
            )
        }
        return output
    }

    /// Standard error, read on its own thread so neither pipe can fill up and block the script.
    private final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: Data?
        var data: Data {
            get { lock.withLock { storage ?? Data() } }
            set { lock.withLock { storage = newValue } }
        }
        var done: Bool { lock.withLock { storage != nil } }
    }
}
