import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The tenant console's enterprise sign-in: single sign-on connections (OpenID Connect or SAML;
/// what to give the identity provider; enable, change, delete) and the email domains the
/// tenant claims (the TXT record that proves one, verification, the join policy) with the
/// requests to join through them.
extension TenantConsole {
    /// The roles a connection or a domain may give a newcomer.
    static let newcomerRoles: [TenantRole] = [.viewer, .member, .admin]

    func registerSignOn(on routes: ConsoleRoutes) {
        let controller = SSOConnectionsController(service: useCases.ssoConnections, singleSignOn: useCases.singleSignOn)
        routes.get("/sso", mirrors: .get("/api/v1/sso/connections")) { console in try await connections(console) }
        routes.post("/sso", mirrors: .post("/api/v1/sso/connections")) { console in
            let access = try console.tenantAccess()
            do {
                let given = try Request.decodeFields(
                    CreateSSOConnectionRequest.self, Self.connectionBody(console.form, creating: true))
                let connection = try await useCases.ssoConnections.create(
                    access, try given.validated(), origin: console.origin)
                return ConsoleView.redirect("/console/sso/\(connection.id)?notice=connection_created")
            } catch {
                return try await refused(error, console) { message, status in
                    try await connections(console, error: message, status: status)
                }
            }
        }
        routes.get("/sso/{id}", mirrors: .get("/api/v1/sso/connections/{id}")) { console in
            try await connection(console, controller: controller)
        }
        routes.post("/sso/{id}", mirrors: .patch("/api/v1/sso/connections/{id}")) { console in
            let access = try console.tenantAccess()
            let id: SSOConnectionID = try console.context.identifier("id", notFound: SSOConnectionService.noSuchConnection)
            do {
                let given = try Request.decodeFields(
                    UpdateSSOConnectionRequest.self, Self.connectionBody(console.form, creating: false))
                _ = try await useCases.ssoConnections.update(access, id: id, try given.validated(), origin: console.origin)
                return ConsoleView.redirect("/console/sso/\(id)?notice=connection_saved")
            } catch {
                return try await refused(error, console) { message, status in
                    try await connection(console, controller: controller, error: message, status: status)
                }
            }
        }
        routes.post("/sso/{id}/delete", mirrors: .delete("/api/v1/sso/connections/{id}")) { console in
            let id: SSOConnectionID = try console.context.identifier("id", notFound: SSOConnectionService.noSuchConnection)
            try await useCases.ssoConnections.delete(try console.tenantAccess(), id: id, origin: console.origin)
            return ConsoleView.redirect("/console/sso?notice=connection_deleted")
        }
        registerDomains(on: routes)
    }

    /// A connection form's fields as the API's JSON body, so the console's checks are the API's.
    /// Domains come one per line or separated by commas; the protocol's settings only when the
    /// form chose that protocol (a change sends them only when something was filled in).
    static func connectionBody(_ form: FormBody, creating: Bool) -> [String: Any] {
        var body: [String: Any] = [:]
        for (field, key) in [("name", "name"), ("default_role", "default_role"), ("return_url", "return_url")] {
            if let value = form.text(field) { body[key] = value } else if creating, field != "default_role" { body[key] = "" }
        }
        if let domains = form.text("domains") {
            body["domains"] = domains.split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " }).map(String.init)
        } else if creating {
            body["domains"] = [String]()
        }
        if !creating { body["enabled"] = form.text("enabled") == "true" }
        switch form.text("protocol") {
        case "oidc":
            var oidc: [String: Any] = ["client_id": form.text("client_id") ?? ""]
            if let preset = form.text("preset"), preset != "custom" {
                oidc["preset"] = preset
                if preset == "microsoft", let directory = form.text("microsoft_tenant") { oidc["microsoft_tenant"] = directory }
            } else {
                oidc["issuer"] = form.text("issuer") ?? ""
            }
            if let secret = form["client_secret"], !secret.isEmpty { oidc["client_secret"] = secret }
            if creating || form.text("client_id") != nil { body["oidc"] = oidc }
        case "saml":
            var saml: [String: Any] = ["allow_idp_initiated": form.text("allow_idp_initiated") == "true"]
            if let metadata = form["metadata_xml"], !metadata.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                saml["metadata_xml"] = metadata
                body["saml"] = saml
            } else if creating {
                body["saml"] = saml
            }
        default:
            break
        }
        return body
    }

    private func connections(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let access = try console.tenantAccess()
        let result = try await useCases.ssoConnections.list(access, page: try console.pageRequest())
        var values: [String: Any] = [
            "connections": result.items.map { connection -> [String: Any] in
                [
                    "id": connection.id.description, "name": connection.name,
                    "protocol": connection.kind == .oidc ? "OpenID Connect" : "SAML 2.0",
                    "state": text(console, connection.enabled ? "sso.enabled" : "sso.disabled"),
                    "domains": connection.domains.joined(separator: ", "),
                ]
            },
            "hasConnections": !result.items.isEmpty,
            "roles": roleOptions(console, selected: .member),
            "form": [
                "name": console.form.text("name") ?? "", "domains": console.form.text("domains") ?? "",
                "returnURL": console.form.text("return_url") ?? "", "issuer": console.form.text("issuer") ?? "",
                "clientID": console.form.text("client_id") ?? "",
            ],
        ]
        if access.permissions.contains(.ssoManage) { values["canManage"] = true }
        if let cursor = result.nextCursor { values["next"] = "/console/sso?cursor=\(FormEncoding.escape(cursor))" }
        return page(console, "sso", title: "sso.title", values: values, error: error, status: status)
    }

    private func connection(
        _ console: ConsoleRequest, controller: SSOConnectionsController, error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let access = try console.tenantAccess()
        let id: SSOConnectionID = try console.context.identifier("id", notFound: SSOConnectionService.noSuchConnection)
        let connection = try await useCases.ssoConnections.get(access, id: id)
        let body = try controller.body(connection)
        var values: [String: Any] = [
            "id": body.id, "name": connection.name, "enabled": connection.enabled,
            "state": text(console, connection.enabled ? "sso.enabled" : "sso.disabled"),
            "domains": connection.domains.joined(separator: "\n"), "returnURL": connection.returnURL,
            "roles": roleOptions(console, selected: connection.defaultRole),
            "role": text(console, "roles.\(connection.defaultRole.rawValue)"),
            "updated": ConsoleFormat.dateTime(connection.updatedAt, console.language),
        ]
        if let oidc = body.oidc {
            values["oidc"] = ["issuer": oidc.issuer, "clientID": oidc.clientId, "redirectURI": oidc.redirectUri]
        }
        if let saml = body.saml {
            values["saml"] = [
                "idpEntityID": saml.idpEntityId, "ssoURL": saml.ssoUrl, "spEntityID": saml.spEntityId, "acsURL": saml.acsUrl,
                "metadataURL": saml.metadataUrl, "certificates": ConsoleFormat.integer(saml.certificates.count, console.language),
                "allowIdpInitiated": saml.allowIdpInitiated,
            ]
        }
        if access.permissions.contains(.ssoManage) { values["canManage"] = true }
        return page(console, "sso-connection", title: "sso.connection_title", values: values, error: error, status: status)
    }

    /// The newcomer roles as `<option>`s, `selected` chosen.
    func roleOptions(_ console: ConsoleRequest, selected: TenantRole) -> [[String: Any]] {
        Self.newcomerRoles.map { role in
            ["value": role.rawValue, "label": text(console, "roles.\(role.rawValue)"), "selected": role == selected]
        }
    }

    // MARK: Domains

    private func registerDomains(on routes: ConsoleRoutes) {
        routes.get("/domains", mirrors: .get("/api/v1/domains")) { console in try await domains(console) }
        routes.post("/domains", mirrors: .post("/api/v1/domains")) { console in
            let access = try console.tenantAccess()
            do {
                let domain = try TenantSettings.validatedDomain(console.form.text("domain") ?? "", field: "domain")
                let claim = try await useCases.domains.claim(access, domain: domain, origin: console.origin)
                return ConsoleView.redirect("/console/domains/\(claim.id)?notice=domain_claimed")
            } catch {
                return try await refused(error, console) { message, status in
                    try await domains(console, error: message, status: status)
                }
            }
        }
        routes.get("/domains/{id}", mirrors: .get("/api/v1/domains/{id}")) { console in try await domain(console) }
        routes.post("/domains/{id}", mirrors: .patch("/api/v1/domains/{id}")) { console in
            let access = try console.tenantAccess()
            let id = try Self.domainID(console)
            do {
                let change = try UpdateDomainRequest(
                    joinPolicy: console.form.text("join_policy"), defaultRole: console.form.text("default_role"),
                    ssoRequired: console.form.text("sso_required") == "true"
                ).validated()
                _ = try await useCases.domains.update(access, id: id, change, origin: console.origin)
                return ConsoleView.redirect("/console/domains/\(id)?notice=domain_saved")
            } catch {
                return try await refused(error, console) { message, status in
                    try await domain(console, error: message, status: status)
                }
            }
        }
        routes.post("/domains/{id}/verify", mirrors: .post("/api/v1/domains/{id}/verify")) { console in
            let access = try console.tenantAccess()
            let id = try Self.domainID(console)
            do {
                _ = try await useCases.domains.verify(access, id: id, origin: console.origin)
                return ConsoleView.redirect("/console/domains/\(id)?notice=domain_verified")
            } catch {
                return try await refused(error, console) { message, status in
                    try await domain(console, error: message, status: status)
                }
            }
        }
        routes.post("/domains/{id}/delete", mirrors: .delete("/api/v1/domains/{id}")) { console in
            try await useCases.domains.release(try console.tenantAccess(), id: try Self.domainID(console), origin: console.origin)
            return ConsoleView.redirect("/console/domains?notice=domain_released")
        }
        routes.post("/domains/join-requests/{id}/approve", mirrors: .post("/api/v1/domains/join-requests/{id}/approve")) {
            console in
            try await useCases.domains.approve(
                try console.tenantAccess(), request: try Self.joinRequestID(console), origin: console.origin)
            return ConsoleView.redirect("/console/domains?notice=request_approved")
        }
        routes.post("/domains/join-requests/{id}/reject", mirrors: .post("/api/v1/domains/join-requests/{id}/reject")) {
            console in
            try await useCases.domains.reject(
                try console.tenantAccess(), request: try Self.joinRequestID(console), origin: console.origin)
            return ConsoleView.redirect("/console/domains?notice=request_rejected")
        }
    }

    static func domainID(_ console: ConsoleRequest) throws -> TenantDomainID {
        try console.context.identifier("id", notFound: DomainService.noSuchDomain)
    }

    static func joinRequestID(_ console: ConsoleRequest) throws -> JoinRequestID {
        try console.context.identifier("id", notFound: DomainService.noSuchRequest)
    }

    private func domains(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let language = console.language
        let result = try await useCases.domains.list(access, page: try console.pageRequest())
        var values: [String: Any] = [
            "domains": result.items.map { domain -> [String: Any] in
                [
                    "id": domain.id.description, "domain": domain.domain,
                    "state": text(console, domain.isVerified ? "domains.verified" : "domains.unverified"),
                    "policy": text(console, "domains.policy_\(domain.joinPolicy.rawValue)"),
                ]
            },
            "hasDomains": !result.items.isEmpty,
        ]
        if access.permissions.contains(.domainsManage) { values["canManage"] = true }
        if let cursor = result.nextCursor { values["next"] = "/console/domains?cursor=\(FormEncoding.escape(cursor))" }
        if access.permissions.contains(.membersRead) {
            let requests = try await useCases.domains.joinRequests(access, page: PageRequest(limit: 50))
            values["requests"] = requests.items.map { request -> [String: Any] in
                [
                    "id": request.id.description, "email": request.email.rawValue,
                    "role": text(console, "roles.\(request.role.rawValue)"),
                    "at": ConsoleFormat.dateTime(request.createdAt, language),
                ]
            }
            values["hasRequests"] = !requests.items.isEmpty
            values["showRequests"] = true
            if access.permissions.contains(.membersManage) { values["canDecide"] = true }
        }
        return page(console, "domains", title: "domains.title", values: values, error: error, status: status)
    }

    private func domain(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let language = console.language
        let domain = try await useCases.domains.get(access, id: try Self.domainID(console))
        var values: [String: Any] = [
            "id": domain.id.description, "domain": domain.domain, "verified": domain.isVerified,
            "state": text(console, domain.isVerified ? "domains.verified" : "domains.unverified"),
            "recordName": domain.recordName, "recordValue": domain.recordValue,
            "checked": domain.lastCheckedAt.map { ConsoleFormat.dateTime($0, language) } ?? "",
            "verifiedAt": domain.verifiedAt.map { ConsoleFormat.dateTime($0, language) } ?? "",
            "policies": DomainJoinPolicy.allCases.map { policy -> [String: Any] in
                [
                    "value": policy.rawValue, "label": text(console, "domains.policy_\(policy.rawValue)"),
                    "selected": policy == domain.joinPolicy,
                ]
            },
            "roles": roleOptions(console, selected: domain.defaultRole),
            "ssoRequired": domain.ssoRequired,
        ]
        if access.permissions.contains(.domainsManage) { values["canManage"] = true }
        return page(console, "domain", title: "domains.domain_title", values: values, error: error, status: status)
    }
}
