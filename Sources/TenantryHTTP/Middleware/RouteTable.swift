public import HTTPTypes

/// The registered routes as path patterns, to tell "no such path" (404) from "no such method
/// on this path" (405, with `Allow`). Built once from the router after every route is added.
public struct RouteTable: Sendable {
    struct Entry: Sendable {
        let segments: [Substring]
        var methods: Set<HTTPRequest.Method>
    }

    private var entries: [Entry] = []

    /// Creates a table from `(path, method)` pairs, with `{name}` marking a parameter.
    public init(routes: [(path: String, method: HTTPRequest.Method)]) {
        var byPath: [String: Set<HTTPRequest.Method>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        entries = byPath.sorted { $0.key < $1.key }.map { path, methods in
            Entry(segments: path.split(separator: "/"), methods: methods)
        }
    }

    /// The methods registered for the route the router would pick for `path`, sorted; empty
    /// when none match. Like the router, a literal segment wins over a parameter and a
    /// parameter over a wildcard (`/invitations/accept` is not `/invitations/{id}`), so only the
    /// most specific matching patterns count.
    public func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var best: [Int] = []
        var methods = Set<HTTPRequest.Method>()
        for entry in entries {
            guard let rank = Self.rank(entry.segments, segments) else { continue }
            if rank.lexicographicallyPrecedes(best) { continue }
            if rank != best {
                best = rank
                methods = []
            }
            methods.formUnion(entry.methods)
        }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }

    /// How specifically `pattern` matches `segments`, one number per pattern segment (2 for a
    /// literal, 1 for a parameter, 0 for a wildcard), compared lexicographically; `nil` when it
    /// does not match.
    private static func rank(_ pattern: [Substring], _ segments: [Substring]) -> [Int]? {
        var rank: [Int] = []
        for (index, part) in pattern.enumerated() {
            if part == "**" { return rank + [0] }
            guard index < segments.count else { return nil }
            if part == segments[index] {
                rank.append(2)
            } else if part == "*" || (part.hasPrefix("{") && part.hasSuffix("}")) {
                rank.append(part == "*" ? 0 : 1)
            } else {
                return nil
            }
        }
        return pattern.count == segments.count ? rank : nil
    }
}
