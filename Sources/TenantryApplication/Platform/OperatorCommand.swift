import Foundation
public import TenantryCore

/// `tenantry admin create`: makes a platform operator (the first super admin) from the command
/// line, where no operator exists yet to grant the role through the API.
public enum OperatorCommand {
    /// What `create` did.
    public struct Outcome: Sendable {
        /// The operator's account.
        public var user: User
        /// Whether the account was created now (otherwise an existing account was promoted).
        public var created: Bool
        /// The generated password, when one was generated (shown once).
        public var generatedPassword: String?
    }

    /// Gives the account with `email` the platform `role`, creating the account first when
    /// there is none (with `password`, or a generated one). An existing account keeps its
    /// password. Records `operator.role_changed` in the platform audit trail.
    public static func create(
        platform: PlatformService, hashing: PasswordHashingPool, email text: String, name: String?, password: String?,
        role: PlatformRole = .superAdmin
    ) async throws -> Outcome {
        let email = try EmailAddress(text)
        var outcome: Outcome
        if let user = try await platform.database.readGlobal({ scope in try await scope.users.find(email: email) }) {
            outcome = Outcome(user: user, created: false, generatedPassword: nil)
        } else {
            let chosen = password ?? ("op-" + SecretToken.generate(bytes: 18))
            try PasswordPolicy.validate(chosen)
            let hash = try await hashing.hash(chosen)
            let now = Date()
            let user = User(
                id: .generate(), email: email, name: try Tenant.validatedName(name ?? "Platform operator"), createdAt: now,
                updatedAt: now)
            try await platform.database.withGlobal { scope in
                try await scope.users.create(user, passwordHash: hash)
                try await scope.users.markEmailVerified(id: user.id, at: now)
            }
            outcome = Outcome(user: user, created: true, generatedPassword: password == nil ? chosen : nil)
        }
        try await platform.setRole(by: nil, of: outcome.user.id, to: role, origin: .none)
        return outcome
    }
}
