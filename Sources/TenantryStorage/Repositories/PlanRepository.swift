public import Foundation
import SQLKit
public import TenantryCore

/// Plans: a global table. Every change announces that entitlements changed for every tenant
/// (payload `*` on ``TenantScope/accessChangedChannel``), so each node drops its cached
/// entitlements when the change commits.
public struct SQLPlanRepository: PlanRepository {
    let sql: any SQLDatabase

    private static let columns = "id, name, description, limits, features, modules, stripe_price_id, created_at, updated_at"

    /// Every plan, ordered by id.
    public func all() async throws -> [Plan] {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM plans ORDER BY id").all().map(Self.decode)
    }

    /// The plan with this id, if any.
    public func find(id: String) async throws -> Plan? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM plans WHERE id = \(bind: id)").first().map(Self.decode)
    }

    /// Stores a new plan; a taken id is a `conflict` naming `id`.
    public func create(_ plan: Plan) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO plans (\(unsafeRaw: Self.columns))
                VALUES (\(bind: plan.id), \(bind: plan.name), \(bind: plan.description), \(bind: try Self.text(plan.limits)),
                        \(bind: try Self.text(plan.features.sorted())), \(bind: try Self.text(plan.modules.sorted())),
                        \(bind: plan.stripePriceID), \(bind: plan.createdAt), \(bind: plan.updatedAt))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw TenantryError(
                .conflict, "A plan with this id exists.",
                fieldErrors: [FieldError(field: "id", code: "taken", message: "Another plan has this id.")])
        }
        try await TenantScope.announceEntitlementsChange(nil, on: sql)
    }

    /// Saves a plan's name, description, limits, features, modules and Stripe price.
    public func update(_ plan: Plan) async throws {
        let rows = try await sql.raw(
            """
            UPDATE plans SET name = \(bind: plan.name), description = \(bind: plan.description),
                limits = \(bind: try Self.text(plan.limits)), features = \(bind: try Self.text(plan.features.sorted())),
                modules = \(bind: try Self.text(plan.modules.sorted())), stripe_price_id = \(bind: plan.stripePriceID),
                updated_at = \(bind: plan.updatedAt)
            WHERE id = \(bind: plan.id) RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such plan.") }
        try await TenantScope.announceEntitlementsChange(nil, on: sql)
    }

    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.sortedKeys.encode(value), as: UTF8.self)
    }

    static func json<Value: Decodable>(_ row: any SQLRow, _ column: String, as type: Value.Type) throws -> Value {
        let text = try row.decode(column: column, as: String.self)
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw TenantryError(.internalError, "A stored \(column) value is unreadable.", cause: error)
        }
    }

    static func decode(_ row: any SQLRow) throws -> Plan {
        Plan(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            limits: try json(row, "limits", as: [Limit: Int?].self).compactMapValues { $0 },
            features: Set(try json(row, "features", as: [String].self)),
            modules: Set(try json(row, "modules", as: [ModuleID].self)),
            stripePriceID: try row.decode(column: "stripe_price_id", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}

/// Platform operators and their roles: a global table, read per request by the platform API.
public struct SQLPlatformOperatorRepository: PlatformOperatorRepository {
    let sql: any SQLDatabase

    /// The user's platform role, or `nil` when they are no operator.
    public func role(of userID: UserID) async throws -> PlatformRole? {
        guard let row = try await sql.raw("SELECT role FROM platform_operators WHERE user_id = \(bind: userID.rawValue)").first()
        else { return nil }
        return try row.enumeration("role", as: PlatformRole.self)
    }

    /// Gives a user a platform role (creating or changing their operator row); returns the
    /// role they had before.
    @discardableResult
    public func grant(_ role: PlatformRole, to userID: UserID, at time: Date) async throws -> PlatformRole? {
        let previous = try await self.role(of: userID)
        if previous == nil {
            try await sql.raw(
                """
                INSERT INTO platform_operators (user_id, role, created_at, updated_at)
                VALUES (\(bind: userID.rawValue), \(bind: role.rawValue), \(bind: time), \(bind: time))
                """
            ).run()
        } else {
            try await sql.raw(
                """
                UPDATE platform_operators SET role = \(bind: role.rawValue), updated_at = \(bind: time)
                WHERE user_id = \(bind: userID.rawValue)
                """
            ).run()
        }
        return previous
    }

    /// Takes a user's platform role away; returns whether they had one.
    @discardableResult
    public func revoke(_ userID: UserID) async throws -> Bool {
        !(try await sql.raw("DELETE FROM platform_operators WHERE user_id = \(bind: userID.rawValue) RETURNING user_id").all())
            .isEmpty
    }

    /// Every operator, with their account's address and name, longest-serving first.
    public func list() async throws -> [PlatformOperatorEntry] {
        try await sql.raw(
            """
            SELECT o.user_id, o.role, o.created_at, u.email, u.name FROM platform_operators o
            JOIN users u ON u.id = o.user_id ORDER BY o.created_at, o.user_id
            """
        ).all().map { row in
            PlatformOperatorEntry(
                userID: try row.identifier("user_id"), email: try row.decode(column: "email", as: String.self),
                name: try row.decode(column: "name", as: String.self), role: try row.enumeration("role", as: PlatformRole.self),
                since: try row.decode(column: "created_at", as: Date.self))
        }
    }
}
