/// Which event types an endpoint receives: exact names (`member.added`) and wildcards over a
/// group (`member.*`). Empty means every type.
public struct EventTypeFilter: Sendable, Equatable {
    /// The patterns as given, sorted and without repeats.
    public let patterns: [String]
    private let exact: Set<EventType>
    private let groups: Set<Substring>

    /// The most patterns one endpoint may list.
    public static let maximumPatterns = 100

    /// A filter that lets every type through.
    public static let all = EventTypeFilter(validated: [])

    /// Validates patterns: each a catalogue type's name or `<group>.*` for a group the
    /// catalogue has; at most ``maximumPatterns``. Problems are named `field.<index>`.
    public init(_ patterns: [String], field: String = "event_types") throws(TenantryError) {
        guard patterns.count <= Self.maximumPatterns else {
            throw Validator.fail(field, "too_many", "At most \(Self.maximumPatterns) event types.")
        }
        var validator = Validator()
        let groups = Set(EventType.allCases.map(\.group))
        for (index, pattern) in patterns.enumerated() {
            if EventType(rawValue: pattern) != nil { continue }
            if pattern.hasSuffix(".*"), groups.contains(pattern.dropLast(2)) { continue }
            validator.add(
                "\(field).\(index)", "unknown_event_type",
                "\(String(pattern.prefix(100))) is neither an event type nor a group of them such as member.*.")
        }
        try validator.check()
        self.init(validated: patterns)
    }

    /// A filter from patterns already validated (read back from storage).
    public init(validated patterns: [String]) {
        self.patterns = Array(Set(patterns)).sorted()
        self.exact = Set(patterns.compactMap(EventType.init(rawValue:)))
        self.groups = Set(patterns.filter { $0.hasSuffix(".*") }.map { $0.dropLast(2) })
    }

    /// Whether an event of `type` passes.
    public func matches(_ type: EventType) -> Bool {
        patterns.isEmpty || exact.contains(type) || groups.contains(type.group)
    }
}

extension EventType {
    /// The part of the name before the dot (`member` for `member.added`).
    public var group: Substring { rawValue.prefix { $0 != "." } }
}
