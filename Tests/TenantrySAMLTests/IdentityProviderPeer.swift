import Foundation
import TenantrySAML
import TenantryTestSupport

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
    private static let keys = Task {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tenantry-saml-\(UUID().uuidString)")
        _ = try await run(["keys", directory.path], input: Data())
        return directory
    }

    private static func keyDirectory() async throws -> URL { try await keys.value }

    /// The DER certificate of key `name`.
    static func certificate(_ name: String) async throws -> Data {
        try await Data(contentsOf: keyDirectory().appendingPathComponent("\(name).der"))
    }

    /// A base64 Response signed by the peer; `overrides` change `RESPONSE_DEFAULTS` in the
    /// script (`NSNull()` omits an optional attribute).
    static func response(now: Date, _ overrides: [String: Any] = [:]) async throws -> String {
        var parameters: [String: Any] = [
            "key_dir": try await keyDirectory().path,
            "now": now.timeIntervalSince1970.rounded(.down),
        ]
        parameters.merge(overrides) { _, new in new }
        let output = try await run(["response"], input: JSONSerialization.data(withJSONObject: parameters))
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any],
            let response = object["response"] as? String
        else { throw Failure(description: "saml_idp.py response printed no response") }
        return response
    }

    /// IdP metadata written by the peer.
    static func metadata(_ parameters: [String: Any]) async throws -> Data {
        var parameters = parameters
        parameters["key_dir"] = try await keyDirectory().path
        return try await run(["metadata"], input: JSONSerialization.data(withJSONObject: parameters))
    }

    /// What the peer read from an HTTP-Redirect AuthnRequest URL.
    static func inspectRequest(_ url: URL) async throws -> [String: Any] {
        let output = try await run(
            ["inspect-request"],
            input: JSONSerialization.data(withJSONObject: ["url": url.absoluteString])
        )
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    /// What the peer read from SP metadata.
    static func inspectServiceProviderMetadata(_ xml: String) async throws -> [String: Any] {
        let output = try await run(["inspect-sp-metadata"], input: Data(xml.utf8))
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    /// Expectations matching the script's defaults, pinning `certificates` (default: `idp`).
    static func expectations(
        now: Date,
        certificates: [String] = ["idp"],
        solicitation: SAMLExpectations.Solicitation = .request(id: requestID),
        clockSkew: Duration = .seconds(60)
    ) async throws -> SAMLExpectations {
        var trusted: [Data] = []
        for name in certificates { trusted.append(try await certificate(name)) }
        return SAMLExpectations(
            trustedCertificates: trusted,
            identityProviderEntityID: identityProviderEntityID,
            serviceProviderEntityID: serviceProviderEntityID,
            assertionConsumerServiceURL: assertionConsumerServiceURL,
            solicitation: solicitation,
            now: now,
            clockSkew: clockSkew
        )
    }

    /// Runs the script with `arguments`, feeding `input`; returns standard output.
    private static func run(_ arguments: [String], input: Data) async throws -> Data {
        let result = try await CommandRunner.run(["python3", script] + arguments, input: input)
        guard result.status == 0 else {
            let hint =
                result.status == 3
                ? " (install the peer's modules: python3 -m pip install signxml lxml cryptography; scripts/test does)"
                : ""
            throw Failure(
                description: "saml_idp.py \(arguments.first ?? "") exited \(result.status)\(hint): \(result.errors)"
            )
        }
        return result.output
    }
}
