import Crypto
public import Foundation

/// The person an erasure anonymises: who they were, and the pseudonym that replaces them
/// everywhere (`docs/privacy.md`, decision 0025).
public struct ErasureSubject: Sendable, Equatable {
    /// The identity; its id stays, so foreign keys and audit references keep pointing at it.
    public var userID: UserID
    /// The address being erased.
    public var email: EmailAddress
    /// The display name being erased.
    public var name: String

    /// Creates a subject.
    public init(userID: UserID, email: EmailAddress, name: String) {
        self.userID = userID
        self.email = email
        self.name = name
    }

    /// The pseudonymous tag of the identity: the first 16 hex digits of the SHA-256 of its id.
    /// It names nothing about the person; the same identity always gets the same tag, so an
    /// interrupted erasure repeated writes the same values.
    public var tag: String {
        String(FastFormatting.hex(SHA256.hash(data: Array("tenantry.erasure\n\(userID)".utf8))).prefix(16))
    }

    /// What replaces the address: `erased-<tag>@erased.invalid` (`.invalid` is reserved, RFC 2606).
    public var pseudonymousEmail: String { "erased-\(tag)@erased.invalid" }

    /// What replaces the name.
    public var pseudonymousName: String { "Erased user \(tag)" }

    /// The texts to replace and their pseudonyms, in order: the address, then the name.
    public var replacements: [(text: String, pseudonym: String)] {
        [(email.rawValue, pseudonymousEmail), (name, pseudonymousName)]
    }

    /// The fragments that find a copy inside stored JSON or free text: the address, the name as
    /// a JSON encoder writes it inside a string (with and without escaped slashes).
    public var needles: [String] {
        let quoted = JSONString.quoted(name)
        let inner = String(quoted.dropFirst().dropLast())
        return Array(Set([email.rawValue, name, inner, inner.replacingOccurrences(of: "/", with: "\\/")]))
            .sorted()
    }

    /// The replacements for text that is JSON or free text, where the name can only be replaced
    /// as a whole substring: the address; the name as written inside a JSON string, with its
    /// quotes (a whole JSON value) and, when it cannot be mistaken for JSON syntax or a key
    /// (it has a space or six characters or more), also without them.
    public var textReplacements: [(text: String, pseudonym: String)] {
        let quoted = JSONString.quoted(name)
        var pairs: [(text: String, pseudonym: String)] = [
            (email.rawValue, pseudonymousEmail), (quoted, JSONString.quoted(pseudonymousName)),
        ]
        if name.contains(" ") || name.count >= 6 {
            let inner = String(quoted.dropFirst().dropLast())
            pairs.append((inner, pseudonymousName))
            if inner.contains("/") { pairs.append((inner.replacingOccurrences(of: "/", with: "\\/"), pseudonymousName)) }
        }
        return pairs
    }
}

/// What an erasure removed.
public struct ErasureReport: Sendable, Equatable {
    /// The tenants the person was a member of (each recorded `user.erased`).
    public var tenants: [TenantID]
    /// Audit events redacted, in the tenants and the platform's own.
    public var redactedAuditEvents: Int

    /// Creates a report.
    public init(tenants: [TenantID], redactedAuditEvents: Int) {
        self.tenants = tenants
        self.redactedAuditEvents = redactedAuditEvents
    }
}

/// Removes or anonymises everything the instance holds about one person, across every tenant
/// and the global tables, in the platform scope's one transaction (`docs/privacy.md` lists
/// what happens to each table). On PostgreSQL the audit events are redacted by
/// `tenantry_redact_audit_events`, a narrowly granted function (the runtime role cannot update
/// audit rows, decision 0006); on SQLite the same steps run in the repository.
public protocol PersonalDataErasure: Sendable {
    /// The tenants where the person is the only active owner: erasure is refused while there
    /// is one.
    func soleOwnerships(of userID: UserID) async throws -> [TenantID]

    /// Erases the subject: memberships, sessions and refresh tokens, API keys they created
    /// (revoked), second factors, single sign-on and social links, invitations to their address,
    /// emailed tokens, queued emails to them; copies of the address and name in the outbox,
    /// webhook messages, attempts and receipts, jobs and audit events are replaced by the
    /// pseudonyms; the identity row is anonymised last. Records `event(tenant)` in each tenant
    /// the person belonged to, after the audit redaction.
    func erase(_ subject: ErasureSubject, at now: Date, recording event: @Sendable (TenantID) -> DomainEvent)
        async throws -> ErasureReport
}
