import Foundation
public import TenantryCore

extension PlatformService {
    /// Disables or re-enables a user's sign-in; disabling ends every session at once, on every
    /// node. (Operator tooling calls this.)
    public func setUserStatus(_ userID: UserID, to status: User.Status, actor: AuditEvent.Actor, origin: AuditEvent.Origin)
        async throws
    {
        _ = try await database.withGlobal { scope -> [SessionID] in
            guard let user = try await scope.users.find(id: userID), user.status != .erased else {
                throw TenantryError(.notFound, "No such user.")
            }
            try await scope.users.setStatus(status, id: userID, at: Date())
            guard status == .disabled else { return [] }
            return try await scope.sessions.revokeAll(userID: userID, except: nil, reason: "user_disabled", at: Date())
        }
        try await UserEvents(database: database).record(
            status == .disabled ? .userDisabled : .userEnabled, about: userID, origin: origin, in: nil, actor: actor)
    }
}
