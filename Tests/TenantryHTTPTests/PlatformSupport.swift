import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

/// A signed-in platform operator.
struct SignedInOperator: Sendable {
    let userID: String
    let email: String
    let token: String
}

extension TestClientProtocol {
    /// Makes a platform operator as `tenantry admin create` does and signs them in.
    func signedInOperator(_ identity: TenantryEnvironment, role: PlatformRole = .superAdmin) async throws -> SignedInOperator {
        let email = "op-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let password = "operator pass phrase"
        let outcome = try await OperatorCommand.create(
            platform: UseCases(identity).platform, hashing: identity.hashing, email: email, name: "Operator", password: password,
            role: role)
        let login = try await self.login(email: email, password: password)
        #expect(login.status == .ok, "operator login: \(login.body)")
        return SignedInOperator(userID: outcome.user.id.description, email: email, token: try #require(login.accessToken))
    }
}

/// The platform audit trail's actions, oldest first.
func platformAuditActions(_ database: any DatabaseClient) async throws -> [String] {
    try await database.withGlobal { scope in try await scope.platformAuditEvents.actions() }
}

/// The tenant audit trail's actions, oldest first.
func tenantAuditActions(_ database: any DatabaseClient, tenantID: String) async throws -> [String] {
    let id = try #require(TenantID(tenantID))
    return try await database.withTenant(id) { scope in try await scope.auditEvents.list(PageRequest(limit: 200)) }.items.map(
        \.action)
}

/// Polls `request` until it answers `expected` (at most 3 seconds, far below the caches'
/// 30-second lifetime, so on another node only a notice can explain the change).
func eventually(
    _ expected: HTTPResponse.Status, _ request: () async throws -> HTTPResponse.Status
) async throws -> HTTPResponse.Status {
    var status = try await request()
    let deadline = ContinuousClock.now + .seconds(3)
    while status != expected, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
        status = try await request()
    }
    return status
}
