public import HTTPTypes

/// The `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers (-11):
/// structured-field lists with one item per policy that applied, e.g.
/// `RateLimit-Policy: "tenant";q=600;w=60` and `RateLimit: "tenant";r=599;t=1`.
public struct RateLimitHeaders: Sendable {
    /// `RateLimit-Policy`.
    public static let policyField = HTTPField.Name.constant("RateLimit-Policy")
    /// `RateLimit`.
    public static let stateField = HTTPField.Name.constant("RateLimit")

    private var policies = ""
    private var states = ""
    /// The longest wait among refusing policies, when any refused.
    public private(set) var refusedFor: Int?

    /// No policy yet.
    public init() {}

    /// Whether no policy applied.
    public var isEmpty: Bool { policies.isEmpty }

    /// Adds one policy's decision.
    public mutating func add(_ name: String, _ policy: RateLimitPolicy, _ decision: RateLimitDecision) {
        if !policies.isEmpty {
            policies += ", "
            states += ", "
        }
        policies += "\"\(name)\";q=\(policy.quota);w=\(policy.window)"
        states += "\"\(name)\";r=\(decision.remaining);t=\(decision.resetSeconds)"
        if !decision.allowed { refusedFor = max(refusedFor ?? 0, decision.resetSeconds) }
    }

    /// Sets both fields on `headers` (when any policy applied).
    public func apply(to headers: inout HTTPFields) {
        guard !policies.isEmpty else { return }
        headers[Self.policyField] = policies
        headers[Self.stateField] = states
    }
}
