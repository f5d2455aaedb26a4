import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/tenant` (the caller's tenant: read, change, delete, restore) and
/// `/api/v1/me/config` (what a client needs to build its navigation).
struct TenantController: Sendable {
    let service: TenantService
    /// The platform's session lifetimes, which a tenant's own may only shorten.
    let policy: SessionPolicy

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/tenant", .tenantRead, duringPendingDeletion: true) { request, context in
            try TenantDetailBody(try await service.get(context.access)).response(from: request, context: context)
        }
        routes.on(.patch, "/tenant", .tenantManage) { request, context in
            let body = try await request.decodeJSON(as: UpdateTenantRequest.self, context: context.base)
            let update = try body.validated(policy: policy)
            let detail = try await service.update(context.access, update, origin: context.origin(of: request))
            return try TenantDetailBody(detail).response(from: request, context: context)
        }
        routes.on(.delete, "/tenant", .tenantDelete, usersOnly: true) { request, context in
            let body = try await request.decodeJSONIfPresent(as: ConfirmationRequest.self, context: context.base)
            guard let confirm = body?.confirm else {
                throw Validator.fail("confirm", "required", "Type the tenant's slug in `confirm` to delete it.")
            }
            let detail = try await service.delete(context.access, confirm: confirm, origin: context.origin(of: request))
            return try TenantDetailBody(detail).response(from: request, context: context)
        }
        routes.on(.post, "/tenant/restore", .tenantDelete, usersOnly: true, duringPendingDeletion: true) { request, context in
            try TenantDetailBody(try await service.restore(context.access, origin: context.origin(of: request)))
                .response(from: request, context: context)
        }
        routes.on(.get, "/me/config", .tenantRead) { request, context in
            let detail = try await service.get(context.access)
            let config = ClientConfigBody(detail, permissions: context.access.permissions)
            return try Self.withETag(config, request: request, context: context)
        }
    }

    /// Encodes `body` with a strong ETag (the SHA-256 of the bytes); answers 304 without a body
    /// when `If-None-Match` names it (or is `*`).
    static func withETag(_ body: some Encodable, request: Request, context: TenantRequestContext) throws -> Response {
        let data = try JSONCoding.encoder.encode(body)
        let tag = "\"" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() + "\""
        var headers: HTTPFields = [.eTag: tag, .cacheControl: "private, no-cache"]
        if let condition = request.headers[.ifNoneMatch] {
            let candidates = condition.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if candidates.contains("*") || candidates.contains(where: { $0 == tag || $0 == "W/" + tag }) {
                return Response(status: .notModified, headers: headers)
            }
        }
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `PATCH /tenant`: absent fields stay, `null` clears an optional one.
struct UpdateTenantRequest: Decodable {
    @NotNull var name: String?
    @NotNull var branding: BrandingUpdate?
    @NotNull var settings: SettingsUpdate?

    struct BrandingUpdate: Decodable {
        let logoUrl: String??
        let primaryColor: String??
        let accentColor: String??

        enum CodingKeys: String, CodingKey { case logoUrl, primaryColor, accentColor }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            logoUrl = try container.decodeUpdate(String.self, forKey: .logoUrl)
            primaryColor = try container.decodeUpdate(String.self, forKey: .primaryColor)
            accentColor = try container.decodeUpdate(String.self, forKey: .accentColor)
        }
    }

    struct SettingsUpdate: Decodable {
        let allowedEmailDomains: [String]?
        let sessionLifetimeSeconds: Int??
        let sessionIdleTimeoutSeconds: Int??
        let mfaPolicy: String?
        let defaultLanguage: String??

        enum CodingKeys: String, CodingKey {
            case allowedEmailDomains, sessionLifetimeSeconds, sessionIdleTimeoutSeconds, mfaPolicy, defaultLanguage
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            allowedEmailDomains = try container.decodeIfGiven([String].self, forKey: .allowedEmailDomains)
            sessionLifetimeSeconds = try container.decodeUpdate(Int.self, forKey: .sessionLifetimeSeconds)
            sessionIdleTimeoutSeconds = try container.decodeUpdate(Int.self, forKey: .sessionIdleTimeoutSeconds)
            mfaPolicy = try container.decodeIfGiven(String.self, forKey: .mfaPolicy)
            defaultLanguage = try container.decodeUpdate(String.self, forKey: .defaultLanguage)
        }
    }

    /// Every field checked in one pass; session lifetimes within the platform's bounds.
    func validated(policy: SessionPolicy) throws -> TenantService.Update {
        var validator = Validator()
        var update = TenantService.Update()
        update.name = try name.flatMap { name in try validator.capture { try Tenant.validatedName(name) } }
        func optional<Value>(_ given: Value??, _ parse: (Value) throws -> Value) throws -> Value?? {
            guard let given else { return nil }
            guard let value = given else { return .some(nil) }
            return try validator.capture { try parse(value) }.map { .some($0) }
        }
        if let branding {
            update.logoURL = try optional(branding.logoUrl) { try Branding.validatedLogoURL($0, field: "branding.logo_url") }
            update.primaryColor = try optional(branding.primaryColor) {
                try Branding.validatedColor($0, field: "branding.primary_color")
            }
            update.accentColor = try optional(branding.accentColor) {
                try Branding.validatedColor($0, field: "branding.accent_color")
            }
        }
        if let settings {
            if let domains = settings.allowedEmailDomains {
                if domains.count > 50 {
                    validator.add("settings.allowed_email_domains", "too_many", "At most 50 domains.")
                } else {
                    let parsed = try domains.enumerated().compactMap { index, domain in
                        try validator.capture {
                            try TenantSettings.validatedDomain(domain, field: "settings.allowed_email_domains.\(index)")
                        }
                    }
                    update.allowedEmailDomains = Array(Set(parsed)).sorted()
                }
            }
            update.sessionLifetimeSeconds = try optional(settings.sessionLifetimeSeconds) {
                try TenantSettings.validatedSeconds(
                    $0, maximum: Int(policy.absoluteLifetime), field: "settings.session_lifetime_seconds")
            }
            update.sessionIdleTimeoutSeconds = try optional(settings.sessionIdleTimeoutSeconds) {
                try TenantSettings.validatedSeconds(
                    $0, maximum: Int(policy.idleTimeout), field: "settings.session_idle_timeout_seconds")
            }
            if let given = settings.defaultLanguage {
                if let text = given {
                    update.defaultLanguage = try validator.capture {
                        try Language.validated(text, field: "settings.default_language")
                    }.map { .some($0) }
                } else {
                    update.defaultLanguage = .some(nil)
                }
            }
            if let given = settings.mfaPolicy {
                if let policy = MFAPolicy(rawValue: given) {
                    update.mfaPolicy = policy
                } else {
                    validator.add("settings.mfa_policy", "invalid", "One of optional, admins, everyone.")
                }
            }
        }
        try validator.check()
        return update
    }
}

/// The caller's tenant.
struct TenantDetailBody: ResponseEncodable {
    let id: String
    let slug: String
    let name: String
    let status: String
    let plan: String
    let branding: Branding
    let settings: TenantSettings
    let entitlements: EntitlementsBody
    let purgeAfter: Date?
    let createdAt: Date
    let updatedAt: Date

    init(_ detail: TenantService.Detail) {
        let tenant = detail.profile.tenant
        id = tenant.id.description
        slug = tenant.slug.rawValue
        name = tenant.name
        status = tenant.status.rawValue
        plan = detail.profile.planID
        branding = detail.profile.branding
        settings = detail.profile.settings
        entitlements = EntitlementsBody(detail.entitlements)
        purgeAfter = detail.profile.purgeAfter
        createdAt = tenant.createdAt
        updatedAt = tenant.updatedAt
    }
}

/// `GET /me/config`: branding, enabled modules, features, allowances and the caller's
/// permissions within those modules.
struct ClientConfigBody: Encodable {
    struct TenantSummary: Encodable {
        let id: String
        let slug: String
        let name: String
    }

    struct ModuleSummary: Encodable {
        let id: String
        let name: String
        let version: String
    }

    let tenant: TenantSummary
    let plan: String
    let branding: Branding
    let modules: [ModuleSummary]
    let features: [String]
    let limits: [String: Int?]
    let permissions: [String]

    init(_ detail: TenantService.Detail, permissions held: Set<Permission>) {
        let tenant = detail.profile.tenant
        self.tenant = TenantSummary(id: tenant.id.description, slug: tenant.slug.rawValue, name: tenant.name)
        plan = detail.profile.planID
        branding = detail.profile.branding
        let enabled = detail.entitlements.modules
        modules = ModuleRegistry.modules.filter { enabled.contains($0.id) }.map {
            ModuleSummary(id: $0.id.rawValue, name: $0.name, version: $0.version)
        }
        features = detail.entitlements.features.sorted()
        limits = EntitlementsBody(detail.entitlements).limits
        permissions = held.intersection(ModuleRegistry.permissions(of: enabled)).map(\.rawValue).sorted()
    }
}
