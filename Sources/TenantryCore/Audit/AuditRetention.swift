public import Foundation

/// How long a tenant's audit events are kept: the seam the retention purge reads. The plans
/// feature answers with the tenant's plan (`audit_retention_days`, with overrides); until then,
/// ``ConfiguredAuditRetention`` gives every tenant the configured default.
public protocol AuditRetentionSource: Sendable {
    /// Days the tenant's events are kept (at least 1), or `nil` to keep them forever.
    func retentionDays(for tenant: TenantID) async throws -> Int?
}

/// The same retention for every tenant (tests; the server uses the tenant's plan).
public struct ConfiguredAuditRetention: AuditRetentionSource {
    /// The days every tenant's events are kept.
    public let days: Int

    /// Creates a fixed retention.
    public init(days: Int) {
        self.days = days
    }

    public func retentionDays(for tenant: TenantID) async throws -> Int? { days }
}

extension AuditRetentionSource {
    /// The instant before which a tenant's events may go, or `nil` to keep them all. Never less
    /// than a day before `now`, whatever the source says; a retention reaching back before 1970
    /// (an allowance may be as large as a billion days) keeps everything, since no event is
    /// that old and such an instant is beyond what the databases' timestamps hold.
    public func cutoff(for tenant: TenantID, now: Date) async throws -> Date? {
        guard let days = try await retentionDays(for: tenant) else { return nil }
        let cutoff = now.addingTimeInterval(-Double(max(days, 1)) * 86_400)
        return cutoff.timeIntervalSince1970 > 0 ? cutoff : nil
    }
}
