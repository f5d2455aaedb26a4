import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import TenantryTestSupport
import Testing

/// The SAML identity provider of the single sign-on tests: `scripts/test-peers/saml_idp.py`,
/// which signs with signxml (never with our code).
enum SAMLPeer {
    static let entityID = "https://idp.example.test/metadata"
    static let ssoURL = "https://idp.example.test/sso"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The key folder, made once per test run.
    private static let keyFolder = Task {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-sso-\(UUID().uuidString)")
        _ = try await run(["keys", directory.path], input: [:])
        return directory.path
    }

    /// The key folder's path.
    static func keys() async throws -> String { try await keyFolder.value }

    /// The identity provider's metadata.
    static func metadata() async throws -> String {
        String(
            decoding: try await run(
                ["metadata"],
                input: [
                    "key_dir": try await keys(), "entity_id": entityID, "sso_redirect": ssoURL, "signing_key": "idp",
                ]),
            as: UTF8.self)
    }

    /// A signed Response (base64) with `parameters` over the script's defaults.
    static func response(_ parameters: [String: Any]) async throws -> String {
        var input = parameters
        input["key_dir"] = try await keys()
        input["now"] = Date().timeIntervalSince1970.rounded(.down)
        input["issuer"] = entityID
        let output = try await run(["response"], input: input)
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any],
            let response = object["response"] as? String
        else { throw Failure(description: "saml_idp.py printed no response") }
        return response
    }

    /// What the identity provider reads from an AuthnRequest redirect.
    static func inspect(_ url: String) async throws -> [String: Any] {
        let output = try await run(["inspect-request"], input: ["url": url])
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    private static func run(_ arguments: [String], input: [String: Any]) async throws -> Data {
        let script = CommandRunner.repositoryRoot.appendingPathComponent("scripts/test-peers/saml_idp.py").path
        let result = try await CommandRunner.run(
            ["python3", script] + arguments, input: try JSONSerialization.data(withJSONObject: input))
        guard result.status == 0 else {
            throw Failure(
                description:
                    "saml_idp.py \(arguments.first ?? "") failed (pip install signxml lxml cryptography): \(result.errors)")
        }
        return result.output
    }
}

/// Talks to a peer over loopback without following redirects, as a browser's steps are checked.
enum PeerHTTP {
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static func send(_ url: String, method: HTTPMethod = .GET, contentType: String? = nil, body: String? = nil) async throws
        -> (status: UInt, location: String?)
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1024 * 1024)
        return (response.status.code, response.headers.first(name: "Location"))
    }
}

/// The query parameters of a URL.
func queryItems(_ text: String?) -> [String: String] {
    var items: [String: String] = [:]
    for item in URLComponents(string: text ?? "")?.queryItems ?? [] { items[item.name] = item.value }
    return items
}

/// `application/x-www-form-urlencoded` of `fields`.
func formEncoded(_ fields: [String: String]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return fields.sorted { $0.key < $1.key }.map { name, value in
        "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
    }.joined(separator: "&")
}

extension TestClientProtocol {
    /// Sends a request and returns the status, the `Location` and the parsed JSON body.
    func raw(
        _ method: HTTPRequest.Method, _ uri: String, contentType: String? = nil, body: String? = nil
    ) async throws -> (status: HTTPResponse.Status, location: String?, body: [String: Any]) {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            response in
            let parsed = (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any]
            return (response.status, response.headers[.location], parsed ?? [:])
        }
    }
}
