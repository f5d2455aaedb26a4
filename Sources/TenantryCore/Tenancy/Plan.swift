public import Foundation

/// A countable allowance a plan grants. A missing allowance means unlimited.
public enum Limit: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// Memberships of the tenant (pending invitations reserve seats when invitations are made).
    case members
    /// API keys that are neither revoked nor expired.
    case apiKeys = "api_keys"
    /// Outbound webhook endpoints.
    case webhookEndpoints = "webhook_endpoints"
    /// Teams.
    case teams
    /// Tenant API requests per minute (read by the rate limiter).
    case requestsPerMinute = "requests_per_minute"
    /// Tenant API calls per calendar month (read by usage metering).
    case apiCallsPerMonth = "api_calls_per_month"
    /// Days audit events are kept (read by audit retention).
    case auditRetentionDays = "audit_retention_days"
    /// Days delivered and failed webhook messages and their attempts are kept (read by the
    /// webhook retention sweep).
    case webhookRetentionDays = "webhook_retention_days"
    /// Scheduled backups kept per tenant; older ones are removed after each backup (read by
    /// the backup job).
    case backupsKept = "backups_kept"

    public static func < (lhs: Limit, rhs: Limit) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The largest allowance that can be set.
    public static let maximum = 1_000_000_000
}

/// A plan: allowances, feature flags and modules. Plans are global; every tenant has one.
public struct Plan: Sendable, Equatable {
    /// Its id, a slug such as `free` (never changes).
    public var id: String
    public var name: String
    public var description: String?
    /// Allowances; a limit not listed is unlimited.
    public var limits: [Limit: Int]
    /// Feature flags that are on.
    public var features: Set<String>
    /// Modules that are on (always-on modules are on regardless).
    public var modules: Set<ModuleID>
    /// The Stripe price (`price_…`) or legacy Stripe plan id that subscribing to this plan
    /// buys; `nil`: the plan cannot be subscribed to through billing.
    public var stripePriceID: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a plan value.
    public init(
        id: String, name: String, description: String?, limits: [Limit: Int], features: Set<String>, modules: Set<ModuleID>,
        stripePriceID: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.stripePriceID = stripePriceID
        self.name = name
        self.description = description
        self.limits = limits
        self.features = features
        self.modules = modules
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The plan new tenants get unless configured otherwise.
    public static let defaultID = "free"

    /// Validates an optional description: at most 1000 characters, trimmed, no control
    /// characters but line breaks; empty means none.
    public static func validatedDescription(_ text: String?, field: String = "description") throws(TenantryError)
        -> String?
    {
        try StoredText.optionalDescription(text, field: field, maximum: 1000)
    }

    /// Validates a plan id: a slug of 2 to 63 characters (same alphabet as tenant slugs).
    public static func validatedID(_ text: String, field: String = "id") throws(TenantryError) -> String {
        guard (2...63).contains(text.utf8.count),
            text.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }),
            text.utf8.first.map({ $0 >= 0x61 && $0 <= 0x7A }) == true
        else {
            throw Validator.fail(
                field, "invalid_format", "A plan id has 2 to 63 lower-case letters, digits, '-' or '_', starting with a letter.")
        }
        return text
    }

    /// Validates a Stripe price or plan id: 1 to 255 letters, digits, `_`, `-` or `.`.
    public static func validatedStripePriceID(_ text: String, field: String = "stripe_price_id") throws(TenantryError)
        -> String
    {
        guard (1...255).contains(text.utf8.count),
            text.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0))
            })
        else {
            throw Validator.fail(
                field, "invalid_format", "A Stripe price or plan id has 1 to 255 letters, digits, '_', '-' or '.'.")
        }
        return text
    }

    /// Validates allowances given as JSON (`null` = unlimited), collecting field errors.
    public static func validatedLimits(_ given: [String: Int?], field: String, into validator: inout Validator) -> [Limit: Int?] {
        var result: [Limit: Int?] = [:]
        for (name, value) in given {
            guard let limit = Limit(rawValue: name) else {
                validator.add("\(field).\(name)", "unknown_limit", "\(String(name.prefix(100))) is not a known limit.")
                continue
            }
            if let value, !(0...Limit.maximum).contains(value) {
                validator.add("\(field).\(name)", "out_of_range", "An allowance is 0 to \(Limit.maximum), or null for unlimited.")
                continue
            }
            result[limit] = value
        }
        return result
    }

    /// Validates feature flag names against the module registry.
    public static func validatedFeatures(_ names: [String], field: String, into validator: inout Validator) -> Set<String> {
        var result = Set<String>()
        for (index, name) in names.enumerated() {
            if ModuleRegistry.featureNames.contains(name) {
                result.insert(name)
            } else {
                validator.add("\(field).\(index)", "unknown_feature", "\(String(name.prefix(100))) is not a known feature.")
            }
        }
        return result
    }
}

/// Per-tenant exceptions to its plan: an allowance (`nil` = unlimited), a feature or a module
/// switched on or off. Anything not listed follows the plan.
public struct EntitlementOverrides: Sendable, Equatable, Codable {
    public var limits: [Limit: Int?]
    public var features: [String: Bool]
    public var modules: [ModuleID: Bool]

    /// Creates overrides.
    public init(limits: [Limit: Int?] = [:], features: [String: Bool] = [:], modules: [ModuleID: Bool] = [:]) {
        self.limits = limits
        self.features = features
        self.modules = modules
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        limits = try container.decodeIfPresent([Limit: Int?].self, forKey: .limits) ?? [:]
        features = try container.decodeIfPresent([String: Bool].self, forKey: .features) ?? [:]
        modules = try container.decodeIfPresent([ModuleID: Bool].self, forKey: .modules) ?? [:]
    }

    /// No exceptions.
    public static let none = EntitlementOverrides()
}

/// What a tenant may use now: its plan with its overrides applied.
public struct Entitlements: Sendable, Equatable {
    /// Allowances; a limit not listed is unlimited.
    public var limits: [Limit: Int]
    /// Feature flags that are on.
    public var features: Set<String>
    /// Modules that are on, dependencies resolved.
    public var modules: Set<ModuleID>

    /// Creates entitlements.
    public init(limits: [Limit: Int], features: Set<String>, modules: Set<ModuleID>) {
        self.limits = limits
        self.features = features
        self.modules = modules
    }

    /// The plan's entitlements with `overrides` applied.
    public init(plan: Plan, overrides: EntitlementOverrides) {
        var limits = plan.limits
        for (limit, value) in overrides.limits { limits[limit] = value }
        var features = plan.features
        for (feature, on) in overrides.features {
            if on { features.insert(feature) } else { features.remove(feature) }
        }
        var modules = plan.modules
        for (module, on) in overrides.modules {
            if on { modules.insert(module) } else { modules.remove(module) }
        }
        self.init(limits: limits, features: features, modules: ModuleRegistry.resolve(modules))
    }

    /// The allowance for `limit`; `nil` when unlimited.
    public func allowance(_ limit: Limit) -> Int? { limits[limit] }

    /// Throws 403 `limit_exceeded` when `current` items already use up the allowance, so one
    /// more would exceed it.
    public func requireRoom(for limit: Limit, current: Int) throws(TenantryError) {
        guard let allowed = limits[limit], current >= allowed else { return }
        throw TenantryError(
            .limitExceeded,
            "The plan allows \(allowed) \(limit.rawValue.replacingOccurrences(of: "_", with: " ")); the tenant has \(current).",
            detail: .limitExceeded(LimitExceeded(limit: limit, current: current, allowed: allowed)))
    }
}
