/// Whether a member may act in the tenant.
public enum MemberStatus: String, Sendable, Codable, CaseIterable {
    /// The member has access.
    case active
    /// The member keeps their place but has no access until reactivated.
    case suspended
}
