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

    /// The methods registered for the routes matching `path`, sorted; empty when none match.
    public func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods = Set<HTTPRequest.Method>()
        for entry in entries where Self.matches(entry.segments, segments) {
            methods.formUnion(entry.methods)
        }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }

    private static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        var index = 0
        for (position, part) in pattern.enumerated() {
            if part == "**" { return true }
            guard index < segments.count else { return false }
            if part == "*" || (part.hasPrefix("{") && part.hasSuffix("}")) || part == segments[index] {
                index += 1
                continue
            }
            _ = position
            return false
        }
        return index == segments.count
    }
}
