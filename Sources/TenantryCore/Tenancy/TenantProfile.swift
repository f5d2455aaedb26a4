public import Foundation

/// A tenant's look: a logo and colours, each optional.
public struct Branding: Sendable, Equatable, Codable {
    /// An `https://` URL of the logo.
    public var logoURL: String?
    /// `#RRGGBB`.
    public var primaryColor: String?
    /// `#RRGGBB`.
    public var accentColor: String?

    /// Creates branding.
    public init(logoURL: String? = nil, primaryColor: String? = nil, accentColor: String? = nil) {
        self.logoURL = logoURL
        self.primaryColor = primaryColor
        self.accentColor = accentColor
    }

    enum CodingKeys: String, CodingKey {
        case logoURL = "logo_url"
        case primaryColor = "primary_color"
        case accentColor = "accent_color"
    }

    /// Validates a logo URL: absolute `https://` with a host, at most 2048 bytes, no spaces or
    /// control characters.
    public static func validatedLogoURL(_ text: String, field: String) throws(TenantryError) -> String {
        guard text.utf8.count <= 2048, text.lowercased().hasPrefix("https://"),
            !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
            let url = URL(string: text), let host = url.host, !host.isEmpty
        else {
            throw Validator.fail(field, "invalid_format", "Use an absolute https:// URL of at most 2048 characters.")
        }
        return text
    }

    /// The least contrast a brand colour must have against white (WCAG 2 AA for normal text):
    /// the consoles write white text on the primary colour and the primary colour on white.
    public static let minimumContrast = 4.5

    /// Validates a colour: `#RRGGBB` in hexadecimal, with at least ``minimumContrast`` against
    /// white (`low_contrast` otherwise); returned in upper case.
    public static func validatedColor(_ text: String, field: String) throws(TenantryError) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[0] == 0x23,
            bytes.dropFirst().allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66)
            }),
            let value = UInt32(text.dropFirst(), radix: 16)
        else {
            throw Validator.fail(field, "invalid_format", "Use a colour written #RRGGBB.")
        }
        let contrast = contrastWithWhite(
            red: UInt8(value >> 16 & 0xFF), green: UInt8(value >> 8 & 0xFF), blue: UInt8(value & 0xFF))
        guard contrast >= minimumContrast else {
            let shown = (contrast * 100).rounded(.down) / 100
            throw Validator.fail(
                field, "low_contrast",
                "The colour's contrast with white is \(shown):1; choose a darker colour (at least \(minimumContrast):1).")
        }
        return text.uppercased()
    }

    /// The WCAG 2 contrast ratio of a colour with white: (1.05) ÷ (its relative luminance + 0.05).
    public static func contrastWithWhite(red: UInt8, green: UInt8, blue: UInt8) -> Double {
        func linear(_ channel: UInt8) -> Double {
            let value = Double(channel) / 255
            return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
        return 1.05 / (luminance + 0.05)
    }
}

/// A tenant's own settings.
public struct TenantSettings: Sendable, Equatable, Codable {
    /// Email domains the tenant's members may use (empty: any). Lower case.
    public var allowedEmailDomains: [String]
    /// A session lifetime shorter than the platform's, in seconds (`nil`: the platform's).
    public var sessionLifetimeSeconds: Int?
    /// An idle timeout shorter than the platform's, in seconds (`nil`: the platform's).
    public var sessionIdleTimeoutSeconds: Int?
    /// Which members must sign in with a second factor.
    public var mfaPolicy: MFAPolicy
    /// The language Tenantry writes to the tenant's people in when they chose none themselves
    /// (`nil`: English).
    public var defaultLanguage: Language?

    /// Creates settings.
    public init(
        allowedEmailDomains: [String] = [], sessionLifetimeSeconds: Int? = nil, sessionIdleTimeoutSeconds: Int? = nil,
        mfaPolicy: MFAPolicy = .optional, defaultLanguage: Language? = nil
    ) {
        self.allowedEmailDomains = allowedEmailDomains
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.sessionIdleTimeoutSeconds = sessionIdleTimeoutSeconds
        self.mfaPolicy = mfaPolicy
        self.defaultLanguage = defaultLanguage
    }

    enum CodingKeys: String, CodingKey {
        case allowedEmailDomains = "allowed_email_domains"
        case sessionLifetimeSeconds = "session_lifetime_seconds"
        case sessionIdleTimeoutSeconds = "session_idle_timeout_seconds"
        case mfaPolicy = "mfa_policy"
        case defaultLanguage = "default_language"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowedEmailDomains = try container.decodeIfPresent([String].self, forKey: .allowedEmailDomains) ?? []
        sessionLifetimeSeconds = try container.decodeIfPresent(Int.self, forKey: .sessionLifetimeSeconds)
        sessionIdleTimeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .sessionIdleTimeoutSeconds)
        mfaPolicy = try container.decodeIfPresent(MFAPolicy.self, forKey: .mfaPolicy) ?? .optional
        defaultLanguage = try container.decodeIfPresent(Language.self, forKey: .defaultLanguage)
    }

    /// The shortest session lifetime or idle timeout a tenant may choose, in seconds.
    public static let minimumSessionSeconds = 300

    /// Validates an email domain (`example.com`): DNS labels of letters, digits and hyphens,
    /// at least two labels, at most 253 characters; returned in lower case.
    public static func validatedDomain(_ text: String, field: String) throws(TenantryError) -> String {
        let domain = text.lowercased()
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            domain.utf8.count <= 253 && labels.count >= 2
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            }
        guard valid else { throw Validator.fail(field, "invalid_format", "Use a domain name such as example.com.") }
        return domain
    }

    /// Whether an address may join: any when no domains are listed, else one of the domains.
    public func allows(_ email: EmailAddress) -> Bool {
        guard !allowedEmailDomains.isEmpty, let at = email.rawValue.lastIndex(of: "@") else { return true }
        return allowedEmailDomains.contains(String(email.rawValue[email.rawValue.index(after: at)...]).lowercased())
    }

    /// Validates a lifetime against the platform's bound (`300` seconds up to `maximum`).
    public static func validatedSeconds(_ value: Int, maximum: Int, field: String) throws(TenantryError) -> Int {
        guard (minimumSessionSeconds...max(minimumSessionSeconds, maximum)).contains(value) else {
            throw Validator.fail(
                field, "out_of_range", "Choose \(minimumSessionSeconds) to \(maximum) seconds (the platform's bound).")
        }
        return value
    }
}

/// A tenant with everything the tenant and platform APIs show: plan, overrides, branding,
/// settings and where it is in its lifecycle.
public struct TenantProfile: Sendable, Equatable {
    public var tenant: Tenant
    /// The plan's id.
    public var planID: String
    public var overrides: EntitlementOverrides
    public var branding: Branding
    public var settings: TenantSettings
    /// Why the tenant is suspended (operators only).
    public var statusReason: String?
    /// When a tenant pending deletion is purged.
    public var purgeAfter: Date?

    /// Creates a profile.
    public init(
        tenant: Tenant, planID: String, overrides: EntitlementOverrides, branding: Branding, settings: TenantSettings,
        statusReason: String?, purgeAfter: Date?
    ) {
        self.tenant = tenant
        self.planID = planID
        self.overrides = overrides
        self.branding = branding
        self.settings = settings
        self.statusReason = statusReason
        self.purgeAfter = purgeAfter
    }
}

/// An operator's platform role. Platform roles are separate from tenant roles.
public enum PlatformRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads tenants, plans and the platform audit trail; changes nothing.
    case support
    /// Everything on the platform API.
    case superAdmin = "super_admin"

    /// support < super_admin.
    public static func < (lhs: PlatformRole, rhs: PlatformRole) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// The lifecycle rules: which status changes are allowed, each returning the changed fields
/// for the audit trail. active ⇄ suspended (operators); active or suspended → pending deletion
/// → active (restore) or purged.
extension TenantProfile {
    /// Suspends an active tenant with a reason (1 to 500 characters, no control characters but
    /// line breaks).
    public mutating func suspend(reason: String) throws(TenantryError) -> [String: AuditEvent.Change] {
        let reason = try StoredText.validated(reason, field: "reason", maximum: 500, multiline: true)
        guard !reason.isEmpty else {
            throw Validator.fail("reason", "invalid_length", "Give a reason of 1 to 500 characters.")
        }
        guard tenant.status == .active else { throw Self.wrongStatus(tenant.status, "suspended") }
        return move(to: .suspended, reason: reason, purgeAfter: nil)
    }

    /// Reactivates a suspended tenant.
    public mutating func reactivate() throws(TenantryError) -> [String: AuditEvent.Change] {
        guard tenant.status == .suspended else { throw Self.wrongStatus(tenant.status, "reactivated") }
        return move(to: .active, reason: nil, purgeAfter: nil)
    }

    /// Marks the tenant pending deletion until `purgeAfter`.
    public mutating func requestDeletion(purgeAfter: Date) throws(TenantryError) -> [String: AuditEvent.Change] {
        guard tenant.status == .active || tenant.status == .suspended else { throw Self.wrongStatus(tenant.status, "deleted") }
        return move(to: .pendingDeletion, reason: statusReason, purgeAfter: purgeAfter)
    }

    /// Restores a tenant pending deletion to the status it would have: active (a suspension
    /// that preceded the deletion stays, with its reason).
    public mutating func restore() throws(TenantryError) -> [String: AuditEvent.Change] {
        guard tenant.status == .pendingDeletion else { throw Self.wrongStatus(tenant.status, "restored") }
        return move(to: statusReason == nil ? .active : .suspended, reason: statusReason, purgeAfter: nil)
    }

    private mutating func move(to status: Tenant.Status, reason: String?, purgeAfter: Date?) -> [String: AuditEvent.Change] {
        var changes: [String: AuditEvent.Change] = ["status": .init(before: tenant.status.rawValue, after: status.rawValue)]
        if reason != statusReason { changes["status_reason"] = .init(before: statusReason, after: reason) }
        if purgeAfter != self.purgeAfter {
            changes["purge_after"] = .init(
                before: self.purgeAfter.map(FastFormatting.timestamp), after: purgeAfter.map(FastFormatting.timestamp))
        }
        tenant.status = status
        statusReason = reason
        self.purgeAfter = purgeAfter
        return changes
    }

    private static func wrongStatus(_ status: Tenant.Status, _ verb: String) -> TenantryError {
        TenantryError(
            .conflict, "A tenant that is \(status.rawValue.replacingOccurrences(of: "_", with: " ")) cannot be \(verb).")
    }
}

/// The job that purges a tenant once its grace period ends, queued by its deletion (queue
/// ``queue``; payload `{"tenant_id": "…"}`).
public struct TenantPurgeOrder: Codable, Sendable, Equatable {
    /// The job queue.
    public static let queue = "tenant_purge"

    public var tenantID: TenantID

    public init(tenantID: TenantID) { self.tenantID = tenantID }

    enum CodingKeys: String, CodingKey { case tenantID = "tenant_id" }

    /// The job's payload text.
    public func payload() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }
}
