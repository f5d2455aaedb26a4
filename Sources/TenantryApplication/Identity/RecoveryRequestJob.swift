import Foundation
public import TenantryCore

/// A recovery email asked for through `POST /api/v1/auth/forgot-password` or
/// `POST /api/v1/auth/verify-email/resend`, queued by the request (queue `account_recovery`) and
/// carried out afterwards by ``RecoveryRequestJob``.
public struct RecoveryRequest: Codable, Sendable, Equatable {
    /// Which email is asked for.
    public enum Kind: String, Codable, Sendable {
        /// A password reset link.
        case resetPassword = "reset_password"
        /// A new email verification link.
        case verifyEmail = "verify_email"
    }

    /// The job queue.
    public static let queue = "account_recovery"

    /// Which email.
    public var kind: Kind
    /// The address as given (well-formed; not known to belong to anyone).
    public var email: String
    /// The tenant whose name the reset email should carry, when the person belongs to several.
    public var tenantSlug: String?
    /// The request that asked, for the audit event.
    public var origin: AuditEvent.Origin

    /// Creates a request.
    public init(kind: Kind, email: String, tenantSlug: String?, origin: AuditEvent.Origin) {
        self.kind = kind
        self.email = email
        self.tenantSlug = tenantSlug
        self.origin = origin
    }

    enum CodingKeys: String, CodingKey {
        case kind, email, origin
        case tenantSlug = "tenant_slug"
    }

    /// The job payload.
    func payload() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }
}

/// Carries out queued recovery requests. The payload holds the address someone typed, so what
/// is kept of a finished job is only its kind.
public struct RecoveryRequestJob: JobHandler {
    let recovery: RecoveryService

    /// Creates the handler.
    public init(recovery: RecoveryService) {
        self.recovery = recovery
    }

    public var queue: String { RecoveryRequest.queue }

    public func handle(payload: String) async throws {
        guard let order = try? JSONDecoder().decode(RecoveryRequest.self, from: Data(payload.utf8)) else {
            throw JobFailure(permanent: true, reason: "unreadable account recovery payload")
        }
        try await recovery.carryOut(order)
    }

    public func redactedPayload(_ payload: String) -> String? {
        let kind = (try? JSONDecoder().decode(RecoveryRequest.self, from: Data(payload.utf8)))?.kind.rawValue ?? "unknown"
        return #"{"kind":"\#(kind)"}"#
    }
}
