import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// A tenant's console under `/console`: overview, members and invitations, API keys, the
/// person's profile and second factor. Each page and action calls the use case the API route
/// it mirrors calls, with that route's permission.
struct TenantConsole: Sendable {
    let dependencies: ConsoleDependencies

    var useCases: UseCases { dependencies.useCases }
    var strings: ConsoleStrings { dependencies.strings }

    /// The links a member sees: a page they may not read is not offered.
    /// A link is offered when the member holds its page's permission and, for a module's page,
    /// when the tenant's plan includes the module.
    static func navigation(
        access: TenantAccess?, modules: Set<ModuleID>, current: String, who: String, dependencies: ConsoleDependencies
    ) -> ConsoleNavigation {
        var items = [ConsoleNavigation.Item(href: "/console", label: "nav.overview")]
        let permissions = access?.permissions ?? []
        if permissions.contains(.membersRead) { items.append(.init(href: "/console/members", label: "nav.members")) }
        if permissions.contains(.apiKeysRead), modules.contains(.apiKeys) {
            items.append(.init(href: "/console/api-keys", label: "nav.api_keys"))
        }
        if permissions.contains(.teamsRead), modules.contains(.teams) {
            items.append(.init(href: "/console/teams", label: "nav.teams"))
        }
        if permissions.contains(.rolesRead) { items.append(.init(href: "/console/roles", label: "nav.roles")) }
        if permissions.contains(.webhooksRead), modules.contains(.webhooks) {
            items.append(.init(href: "/console/webhooks", label: "nav.webhooks"))
        }
        if permissions.contains(.ssoRead), modules.contains(.sso) {
            items.append(.init(href: "/console/sso", label: "nav.sso"))
        }
        if permissions.contains(.domainsRead) { items.append(.init(href: "/console/domains", label: "nav.domains")) }
        if permissions.contains(.usageRead) { items.append(.init(href: "/console/usage", label: "nav.usage")) }
        if permissions.contains(.auditRead) { items.append(.init(href: "/console/audit", label: "nav.audit")) }
        if permissions.contains(.tenantRead) { items.append(.init(href: "/console/settings", label: "nav.settings")) }
        if permissions.contains(.billingManage) { items.append(.init(href: "/console/billing", label: "nav.billing")) }
        if permissions.contains(.tenantExport) || permissions.contains(.tenantDelete) {
            items.append(.init(href: "/console/data", label: "nav.data"))
        }
        items.append(.init(href: "/console/profile", label: "nav.profile"))
        items.append(.init(href: "/console/security", label: "nav.security"))
        return ConsoleNavigation(items: items, current: current, who: who)
    }

    func register(on routes: ConsoleRoutes) {
        routes.get("", mirrors: nil) { console in try await overview(console) }
        routes.post("/sign-out", mirrors: nil) { console in
            try await useCases.sessions.signOut(console.caller, origin: console.origin)
            return dependencies.sessions.withoutCookies(
                ConsoleView.redirect("/console/sign-in?notice=signed_out"), kind: .tenant)
        }
        registerMembers(on: routes)
        registerAPIKeys(on: routes)
        registerProfile(on: routes)
        registerWebhooks(on: routes)
        registerTeamsAndRoles(on: routes)
        registerRecords(on: routes)
        registerTenant(on: routes)
        registerSources(on: routes)
        registerSignOn(on: routes)
    }

    // MARK: Page building

    func page(
        _ console: ConsoleRequest, _ template: String, title: String, values: [String: Any] = [:], error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        dependencies.page(console, template, title: title, values: values, error: error, status: status)
    }

    /// Re-shows a page after a refused action: the error in words, the API's status.
    func refused(
        _ error: any Error, _ console: ConsoleRequest, render: (String?, HTTPResponse.Status) async throws -> Response
    ) async throws -> Response {
        guard let domainError = error as? TenantryError else { throw error }
        let entry = ProblemCatalog.entry(for: domainError.code)
        // Authorization and missing resources keep their own pages.
        guard entry.status.code < 500, entry.status != .forbidden, entry.status != .notFound else { throw error }
        return try await render(dependencies.message(for: domainError, console.language), entry.status)
    }

    func text(_ console: ConsoleRequest, _ key: String, _ values: [String: String] = [:]) -> String {
        strings.text(console.language, key, values)
    }

    // MARK: Overview

    private func overview(_ console: ConsoleRequest) async throws -> Response {
        let access = try console.tenantAccess()
        let detail = try await useCases.tenants.get(access)
        let language = console.language
        var values: [String: Any] = [
            "tenantName": detail.profile.tenant.name,
            "plan": detail.profile.planID,
            "role": text(console, "roles.\(access.rank.rawValue)"),
            "since": ConsoleFormat.date(detail.profile.tenant.createdAt, language),
        ]
        if detail.profile.tenant.status == .pendingDeletion {
            var pending: [String: Any] = [
                "until": detail.profile.purgeAfter.map { ConsoleFormat.dateTime($0, language) } ?? ""
            ]
            if access.permissions.contains(.tenantDelete) { pending["canRestore"] = true }
            values["pendingDeletion"] = pending
        }
        if access.permissions.contains(.membersRead) {
            let members = try await useCases.members.list(access, filter: MemberFilter(), page: PageRequest(limit: 5))
            values["recentMembers"] = members.items.map { member in
                ["name": member.name, "email": member.email.rawValue]
            }
            values["hasRecentMembers"] = !members.items.isEmpty
        }
        var limits: [[String: Any]] = []
        for name in Limit.allCases {
            limits.append([
                "name": text(console, "limits.\(name.rawValue)"),
                "value": detail.entitlements.limits[name].map { ConsoleFormat.integer($0, language) }
                    ?? text(console, "limits.unlimited"),
            ])
        }
        values["limits"] = limits
        return page(console, "overview", title: "overview.title", values: values)
    }

    // MARK: Members

    private func registerMembers(on routes: ConsoleRoutes) {
        routes.get("/members", mirrors: .get("/api/v1/members")) { console in try await members(console) }
        routes.post("/members/invite", mirrors: .post("/api/v1/invitations")) { console in
            let access = try console.tenantAccess()
            do {
                var validator = Validator()
                let email = try validator.capture { try EmailAddress(console.form.text("email") ?? "") }
                let role = try validator.capture { try RoleReference(console.form.text("role") ?? "") }
                try validator.check()
                guard let email, let role else { throw TenantryError(.internalError, "Validation passed without values.") }
                _ = try await useCases.invitations.create(access, email: email, role: role, origin: console.origin)
                return ConsoleView.redirect("/console/members?notice=invited")
            } catch {
                return try await refused(error, console) { message, status in
                    try await members(console, error: message, status: status)
                }
            }
        }
        routes.post("/members/{user_id}/role", mirrors: .patch("/api/v1/members/{user_id}")) { console in
            let access = try console.tenantAccess()
            let userID: UserID = try console.context.identifier("user_id", notFound: MemberService.noSuchMember)
            do {
                let role = try RoleReference(console.form.text("role") ?? "")
                _ = try await useCases.members.update(access, userID: userID, role: role, status: nil, origin: console.origin)
                return ConsoleView.redirect("/console/members?notice=member_updated")
            } catch {
                return try await refused(error, console) { message, status in
                    try await members(console, error: message, status: status)
                }
            }
        }
        routes.post("/members/{user_id}/status", mirrors: .patch("/api/v1/members/{user_id}")) { console in
            let access = try console.tenantAccess()
            let userID: UserID = try console.context.identifier("user_id", notFound: MemberService.noSuchMember)
            do {
                guard let status = MemberStatus(rawValue: console.form.text("status") ?? "") else {
                    throw Validator.fail("status", "invalid_value", "status is active or suspended.")
                }
                _ = try await useCases.members.update(access, userID: userID, role: nil, status: status, origin: console.origin)
                return ConsoleView.redirect("/console/members?notice=member_updated")
            } catch {
                return try await refused(error, console) { message, status in
                    try await members(console, error: message, status: status)
                }
            }
        }
        routes.post("/invitations/{id}/resend", mirrors: .post("/api/v1/invitations/{id}/resend")) { console in
            let id: InvitationID = try console.context.identifier("id", notFound: InvitationService.noSuchInvitation)
            do {
                _ = try await useCases.invitations.resend(try console.tenantAccess(), id: id, origin: console.origin)
                return ConsoleView.redirect("/console/members?notice=invitation_resent")
            } catch {
                return try await refused(error, console) { message, status in
                    try await members(console, error: message, status: status)
                }
            }
        }
        routes.post("/invitations/{id}/revoke", mirrors: .delete("/api/v1/invitations/{id}")) { console in
            let id: InvitationID = try console.context.identifier("id", notFound: InvitationService.noSuchInvitation)
            try await useCases.invitations.revoke(try console.tenantAccess(), id: id, origin: console.origin)
            return ConsoleView.redirect("/console/members?notice=invitation_revoked")
        }
        routes.post("/members/{user_id}/ownership", mirrors: .post("/api/v1/tenant/transfer-ownership")) { console in
            let access = try console.tenantAccess()
            let userID: UserID = try console.context.identifier("user_id", notFound: MemberService.noSuchMember)
            do {
                _ = try await useCases.members.transferOwnership(access, to: userID, origin: console.origin)
                return ConsoleView.redirect("/console/members?notice=ownership_transferred")
            } catch {
                return try await refused(error, console) { message, status in
                    try await members(console, error: message, status: status)
                }
            }
        }
        routes.post("/members/{user_id}/remove", mirrors: .delete("/api/v1/members/{user_id}")) { console in
            let access = try console.tenantAccess()
            let userID: UserID = try console.context.identifier("user_id", notFound: MemberService.noSuchMember)
            do {
                try await useCases.members.remove(access, userID: userID, origin: console.origin)
                return ConsoleView.redirect("/console/members?notice=member_removed")
            } catch {
                return try await refused(error, console) { message, status in
                    try await members(console, error: message, status: status)
                }
            }
        }
    }

    private func members(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let language = console.language
        var filter = MemberFilter()
        var validator = Validator()
        if let text = console.query("q") { filter.text = validator.filterText(text, field: "q", maximum: 200) }
        if let role = console.query("role") { filter.role = try validator.capture { try RoleReference(role) } }
        if let given = console.query("status") {
            filter.status = MemberStatus(rawValue: given)
            if filter.status == nil { validator.add("status", "invalid_value", "status is active or suspended.") }
        }
        let pageRequest = try validator.capture { try console.pageRequest() }
        try validator.check()
        let result = try await useCases.members.list(access, filter: filter, page: pageRequest ?? PageRequest(limit: 50))
        let canManage = access.permissions.contains(.membersManage)
        let roles = TenantRole.allCases.filter { $0 != .owner }.map { role in
            ["value": role.rawValue, "label": text(console, "roles.\(role.rawValue)")]
        }
        // The rows are written by hand (escaped), as the operators' tenant list's are: a long
        // table's cells are most of the page (decision 0026).
        let csrf = console.csrf
        func word(_ key: String) -> String { ConsoleView.escapeHTML(text(console, key)) }
        let (roleOf, changeRole, reactivate, suspend, makeOwner, remove) = (
            word("members.role_of"), word("members.change_role"), word("members.reactivate"), word("members.suspend"),
            word("members.make_owner"), word("members.remove")
        )
        let roleOptions = roles.map { role in (value: role["value"] ?? "", label: ConsoleView.escapeHTML(role["label"] ?? "")) }
        var rows = ""
        rows.reserveCapacity(result.items.count * (canManage ? 1_800 : 400))
        for member in result.items {
            let id = member.membership.userID.description
            let name = ConsoleView.escapeHTML(member.name)
            let email = ConsoleView.escapeHTML(member.email.rawValue)
            let status = member.membership.status.rawValue
            let isOwner = member.membership.role == .owner
            let isSelf = member.membership.userID == console.caller.userID
            let manage = canManage && !isOwner && !isSelf
            let hiddenToken = "<input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">"
            rows += "<tr data-email=\"\(email)\" data-user-id=\"\(id)\">\n    <td>\(name)</td><td>\(email)</td>\n    <td>"
            if manage {
                rows += "<form class=\"inline\" method=\"post\" action=\"/console/members/\(id)/role\">\(hiddenToken)"
                rows += "<label class=\"visually-hidden\" for=\"role-\(id)\">\(roleOf) \(name)</label>"
                rows += "<select id=\"role-\(id)\" name=\"role\">"
                for option in roleOptions {
                    let selected =
                        option.value == member.membership.role.rawValue && member.membership.customRoleID == nil
                    rows += "<option value=\"\(option.value)\"\(selected ? " selected" : "")>\(option.label)</option>"
                }
                rows += "</select><button type=\"submit\" class=\"secondary small\">\(changeRole)</button></form>"
            } else {
                rows += ConsoleView.escapeHTML(
                    member.customRoleName ?? text(console, "roles.\(member.membership.role.rawValue)"))
            }
            rows += "</td>\n    <td data-status=\"\(status)\">\(word("members.status.\(status)"))</td>\n"
            rows += "    <td>\(ConsoleView.escapeHTML(ConsoleFormat.date(member.membership.createdAt, language)))</td>\n    <td>"
            if manage {
                let suspended = member.membership.status == .suspended
                rows += "\n      <form class=\"inline\" method=\"post\" action=\"/console/members/\(id)/status\">\(hiddenToken)"
                rows += "<input type=\"hidden\" name=\"status\" value=\"\(suspended ? "active" : "suspended")\">"
                rows += "<button type=\"submit\" class=\"secondary small\">\(suspended ? reactivate : suspend)"
                rows += "<span class=\"visually-hidden\"> \(name)</span></button></form>\n"
                if access.permissions.contains(.ownershipTransfer) && member.membership.status == .active {
                    rows +=
                        "      <form class=\"inline\" method=\"post\" action=\"/console/members/\(id)/ownership\">\(hiddenToken)"
                    rows += "<button type=\"submit\" class=\"secondary small\">\(makeOwner)"
                    rows += "<span class=\"visually-hidden\"> \(name)</span></button></form>\n"
                }
                rows += "      <form class=\"inline\" method=\"post\" action=\"/console/members/\(id)/remove\">\(hiddenToken)"
                rows += "<button type=\"submit\" class=\"danger small\">\(remove)<span class=\"visually-hidden\"> \(name)</span>"
                rows += "</button></form>\n    "
            }
            rows += "</td>\n  </tr>\n"
        }
        var values: [String: Any] = [
            "memberRows": rows,
            "count": strings.plural(language, "members.shown", count: result.items.count),
            "q": filter.text ?? "",
            "roles": roles,
        ]
        if let cursor = result.nextCursor {
            var query = "cursor=\(FormEncoding.escape(cursor))"
            if let text = filter.text { query += "&q=\(FormEncoding.escape(text))" }
            values["next"] = "/console/members?\(query)"
        }
        if access.permissions.contains(.invitationsManage) {
            values["canInvite"] = true
            values["canManageInvitations"] = true
        }
        if access.permissions.contains(.invitationsRead) {
            let invitations = try await useCases.invitations.list(access, page: PageRequest(limit: 50))
            let now = Date()
            let pending = invitations.items.filter { $0.status(at: now) == .pending }
            values["invitations"] = pending.map { invitation in
                [
                    "id": invitation.id.description,
                    "email": invitation.email.rawValue,
                    "expires": ConsoleFormat.dateTime(invitation.expiresAt, language),
                ]
            }
            values["hasInvitations"] = !pending.isEmpty
        }
        return page(console, "members", title: "members.title", values: values, error: error, status: status)
    }

    // MARK: API keys

    private func registerAPIKeys(on routes: ConsoleRoutes) {
        routes.get("/api-keys", mirrors: .get("/api/v1/api-keys")) { console in try await apiKeys(console) }
        routes.post("/api-keys", mirrors: .post("/api/v1/api-keys")) { console in
            let access = try console.tenantAccess()
            do {
                // A key gets every permission its creator holds that a key may carry, unless
                // the form picks some.
                let picked = console.form.values("scope")
                let scopes = picked.isEmpty ? access.permissions.map(\.rawValue).sorted() : picked
                let new = try APIKeysController.validate(
                    name: console.form.text("name") ?? "", scopes: scopes, expiresAt: nil, resource: nil,
                    rateLimitPerMinute: nil)
                let (key, secret) = try await useCases.apiKeys.create(access, new, origin: console.origin)
                var response = try await apiKeys(
                    console, created: ["name": key.name, "secret": secret.value], status: .created)
                response.headers[.cacheControl] = "no-store"
                return response
            } catch {
                return try await refused(error, console) { message, status in
                    try await apiKeys(console, error: message, status: status)
                }
            }
        }
        routes.post("/api-keys/{id}/rotate", mirrors: .post("/api/v1/api-keys/{id}/rotate")) { console in
            let access = try console.tenantAccess()
            let id: APIKeyID = try console.context.identifier("id", notFound: APIKeyService.noSuchKey)
            let (key, secret, until) = try await useCases.apiKeys.rotate(
                access, id: id, overlap: APIKey.defaultOverlap, origin: console.origin)
            let created = [
                "name": key.name, "secret": secret.value, "until": ConsoleFormat.dateTime(until, console.language),
            ]
            var response = try await apiKeys(console, created: created)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.post("/api-keys/{id}/revoke", mirrors: .delete("/api/v1/api-keys/{id}")) { console in
            let access = try console.tenantAccess()
            let id: APIKeyID = try console.context.identifier("id", notFound: APIKeyService.noSuchKey)
            try await useCases.apiKeys.revoke(access, id: id, origin: console.origin)
            return ConsoleView.redirect("/console/api-keys?notice=key_revoked")
        }
    }

    private func apiKeys(
        _ console: ConsoleRequest, created: [String: String]? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let result = try await useCases.apiKeys.list(access, page: try console.pageRequest())
        let now = Date()
        let canManage = access.permissions.contains(.apiKeysManage)
        let rows: [[String: Any]] = result.items.map { key in
            let active = key.isUsable(at: now)
            var row: [String: Any] = [
                "id": key.id.description,
                "name": key.name,
                "hint": "\(key.prefix)…\(key.lastFour)",
                "scopes": key.scopes.map(\.rawValue).sorted().joined(separator: ", "),
                "created": ConsoleFormat.date(key.createdAt, language),
                "status": active ? "active" : "revoked",
                "statusLabel": text(console, active ? "api_keys.status.active" : "api_keys.status.revoked"),
                "lastUsed": key.lastUsedAt.map { ConsoleFormat.dateTime($0, language) } ?? text(console, "api_keys.never"),
            ]
            if active && canManage { row["revocable"] = true }
            return row
        }
        var values: [String: Any] = ["keys": rows]
        if canManage { values["canCreate"] = true }
        if let created { values["created"] = created }
        if let cursor = result.nextCursor { values["next"] = "/console/api-keys?cursor=\(FormEncoding.escape(cursor))" }
        return page(console, "api-keys", title: "api_keys.title", values: values, error: error, status: status)
    }

    // MARK: Profile and security

    private func registerProfile(on routes: ConsoleRoutes) {
        routes.get("/profile", mirrors: nil) { console in profile(console) }
        routes.post("/profile", mirrors: nil) { console in
            do {
                var validator = Validator()
                let name = try console.form.text("name").flatMap { given in
                    try validator.capture { try User.validatedName(given) }
                }
                var locale: String??
                if let given = console.form["locale"] {
                    if given.isEmpty {
                        locale = .some(nil)
                    } else if let language = Language(rawValue: given) {
                        locale = .some(language.rawValue)
                    } else {
                        validator.add("locale", "invalid_value", "Use en or pt-BR.")
                    }
                }
                try validator.check()
                _ = try await useCases.profile.updateProfile(console.caller, name: name, locale: locale, origin: console.origin)
                return ConsoleView.redirect("/console/profile?notice=profile_saved")
            } catch {
                return try await refused(error, console) { message, status in
                    profile(console, error: message, status: status)
                }
            }
        }
        routes.get("/security", mirrors: nil) { console in try await security(console) }
        routes.post("/security/totp", mirrors: nil) { console in
            let enrolment = try await useCases.multiFactor.beginEnrolment(console.caller)
            return try await security(console, values: ["enrolment": ["secret": enrolment.secret, "uri": enrolment.uri]])
        }
        routes.post("/security/totp/confirm", mirrors: nil) { console in
            do {
                let codes = try await useCases.multiFactor.confirmEnrolment(
                    console.caller, code: console.form.text("code") ?? "", origin: console.origin)
                var response = try await security(console, values: ["recoveryCodes": codes, "hasRecoveryCodes": !codes.isEmpty])
                response.headers[.cacheControl] = "no-store"
                return response
            } catch {
                return try await refused(error, console) { message, status in
                    try await security(console, error: message, status: status)
                }
            }
        }
        routes.post("/security/password", mirrors: nil) { console in
            do {
                try await useCases.profile.changePassword(
                    console.caller, current: console.form["current_password"] ?? "", new: console.form["new_password"] ?? "",
                    origin: console.origin)
                return ConsoleView.redirect("/console/security?notice=password_changed")
            } catch {
                return try await refused(error, console) { message, status in
                    try await security(console, error: message, status: status)
                }
            }
        }
        routes.post("/sessions/{session_id}/revoke", mirrors: nil) { console in
            let id: SessionID = try console.context.identifier(
                "session_id", notFound: TenantryError(.notFound, "No such session."))
            try await useCases.sessions.revokeSession(id, caller: console.caller, origin: console.origin)
            if id == console.caller.sessionID {
                return dependencies.sessions.withoutCookies(ConsoleView.redirect("/console/sign-in"), kind: .tenant)
            }
            return ConsoleView.redirect("/console/security?notice=session_revoked")
        }
    }

    private func profile(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let locale = console.user.locale.flatMap(Language.matching)
        let languages: [[String: Any]] = Language.allCases.map { language in
            var option: [String: Any] = ["value": language.rawValue, "label": text(console, "languages.\(language.rawValue)")]
            if language == locale { option["selected"] = true }
            return option
        }
        var values: [String: Any] = [
            "name": console.user.name, "email": console.user.email.rawValue, "languages": languages,
        ]
        if locale == nil { values["noLocale"] = true }
        return page(console, "profile", title: "profile.title", values: values, error: error, status: status)
    }

    private func security(
        _ console: ConsoleRequest, values extra: [String: Any] = [:], error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = console.language
        let mfa = try await useCases.multiFactor.status(of: console.caller)
        let sessions = try await useCases.sessions.sessions(of: console.caller)
        var values = extra
        values["totpEnabled"] = mfa.totpEnabled
        values["email"] = console.user.email.rawValue
        values["recoveryRemaining"] = strings.plural(language, "security.recovery_remaining", count: mfa.recoveryCodesRemaining)
        values["sessions"] = sessions.map { session -> [String: Any] in
            var row: [String: Any] = [
                "id": session.id.description,
                "started": ConsoleFormat.dateTime(session.createdAt, language),
                "agent": session.userAgent ?? "",
                "ip": session.ip ?? "",
            ]
            if session.id == console.caller.sessionID { row["current"] = true }
            return row
        }
        return page(console, "security", title: "security.title", values: values, error: error, status: status)
    }
}
