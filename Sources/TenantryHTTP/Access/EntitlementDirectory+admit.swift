import TenantryApplication
import TenantryCore

extension EntitlementDirectory {
    /// Lets a tenant route run for this tenant, or refuses: 404 when the route's module is off
    /// for the tenant (as if the route did not exist), 403 `tenant_pending_deletion` while the
    /// tenant is pending deletion (except the routes that read and restore it), 404 when the
    /// tenant is gone. Runs before the permission check.
    func admit(_ route: RouteAccess, in tenantID: TenantID) async throws {
        guard let state = try await state(of: tenantID), state.status != .deleted else {
            throw TenantryError(.notFound, "No such tenant.")
        }
        guard state.entitlements.modules.contains(route.module) else {
            throw TenantryError(.routeNotFound, "No route matches \(route.method.rawValue) \(route.path) for this tenant.")
        }
        if state.status == .pendingDeletion && !route.duringPendingDeletion {
            throw TenantryError(
                .tenantPendingDeletion,
                "This tenant is pending deletion; an owner can restore it with POST /api/v1/tenant/restore.")
        }
    }
}
