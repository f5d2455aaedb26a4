import Foundation
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body (a console form, a SAML post):
/// every value of every name, in order. The one form parser.
struct FormBody: Sendable {
    private var fields: [String: [String]] = [:]

    /// Parses `text`; a name or value that is not valid percent-encoding is skipped.
    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            guard let value = parts.count > 1 ? Self.decode(parts[1]) : "" else { continue }
            fields[name, default: []].append(value)
        }
    }

    /// Reads a request's form body, at most `limit` bytes (413 beyond it).
    static func read(_ request: Request, limit: Int) async throws -> FormBody {
        var request = request
        let buffer = try await request.collectBody(limit: limit)
        return FormBody(String(buffer: buffer))
    }

    /// The first value of `name`.
    subscript(_ name: String) -> String? { fields[name]?.first }

    /// Every value of `name` (checkboxes, multiple selects).
    func values(_ name: String) -> [String] { fields[name] ?? [] }

    /// The first value of `name`, trimmed; `nil` when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
