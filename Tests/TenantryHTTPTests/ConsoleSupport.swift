import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A browser for console tests: keeps cookies like a browser does (per name; a cookie set with
/// `Max-Age=0` is dropped), posts forms, and reads the form token from the last page.
final class ConsoleBrowser {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    /// The `csrf` field of the last page shown.
    private(set) var csrf: String?

    init(_ client: any TestClientProtocol, cookies: [String: String] = [:]) {
        self.client = client
        self.cookies = cookies
    }

    /// A browser already holding a session's cookies, as the sign-in form would set them.
    static func signedIn(
        _ client: any TestClientProtocol, accessToken: String, refreshToken: String? = nil, admin: Bool = false
    ) -> ConsoleBrowser {
        let name = admin ? "tenantry_admin" : "tenantry_console"
        var cookies = [name: accessToken]
        if let refreshToken { cookies[name + "_refresh"] = refreshToken }
        return ConsoleBrowser(client, cookies: cookies)
    }

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let html: String
        /// Each `Set-Cookie` of the answer, whole.
        let setCookies: [String]

        var location: String? { headers[.location] }

        /// The `Set-Cookie` line of `name`.
        func setCookie(_ name: String) -> String? {
            setCookies.first { $0.hasPrefix(name + "=") }
        }
    }

    /// `GET path`.
    @discardableResult
    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Page {
        try await send(.get, path, body: nil, headers: headers)
    }

    /// Posts `fields` as a form, with the last page's token unless `csrf` says otherwise
    /// (`.some(nil)` sends none).
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)] = [], csrf: String?? = nil, headers: HTTPFields = [:])
        async throws -> Page
    {
        var fields = fields
        switch csrf {
        case .none: if let token = self.csrf { fields.append(("csrf", token)) }
        case .some(.some(let token)): fields.append(("csrf", token))
        case .some(.none): break
        }
        let body = fields.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, body: ByteBuffer(string: body), headers: headers)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: ByteBuffer?, headers extra: HTTPFields)
        async throws -> Page
    {
        var headers = extra
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let page = try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Page(
                status: response.status, headers: response.headers, html: String(buffer: response.body),
                setCookies: response.headers[values: .setCookie])
        }
        for line in page.setCookies {
            let pair = line.split(separator: ";", maxSplits: 1)[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let name = String(pair[0])
            if line.contains("Max-Age=0") || pair[1].isEmpty {
                cookies[name] = nil
            } else {
                cookies[name] = String(pair[1])
            }
        }
        if let token = Self.field("csrf", in: page.html) { csrf = token }
        return page
    }

    /// The value of the first hidden input `name` in `html`.
    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
