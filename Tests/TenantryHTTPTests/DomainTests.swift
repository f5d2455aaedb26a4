import Foundation
import HTTPTypes
import HummingbirdTesting
import TenantryCore
import TenantryTestSupport
import Testing

/// Verified domains against a real DNS server (dnsmasq on loopback): the TXT proof, one tenant
/// per domain, auto-join on sign-up, and single sign-on enforcement with the owners' break-glass.
@Suite("Verified domains")
struct DomainTests {
    /// Runs `body` with the application asking the DNS server on `port` (free now; each test
    /// starts dnsmasq there with the records it needs, when it needs them).
    static func withDomainApplication(
        _ engine: TestDatabase,
        _ body: @Sendable (any TestClientProtocol, TestApplicationContext, Int) async throws -> Void
    ) async throws {
        let port = try DnsmasqServer.reservedPort()
        try await withTestApplication(engine, configure: { $0.dnsServer = "127.0.0.1:\(port)" }) { client, context in
            try await body(client, context, port)
        }
    }

    /// The dnsmasq options that publish `value` at the claim's record (and answer for
    /// everything under `.example` from these records alone).
    static func records(_ claims: [[String: Any]]) throws -> [String] {
        try ["--local=/example/"]
            + claims.map { claim in
                let verification = try #require(claim["verification"] as? [String: Any])
                let name = try #require(verification["name"] as? String)
                let value = try #require(verification["value"] as? String)
                return "--txt-record=\(name),\(value)"
            }
    }

    /// Claims `domain` for the owner and verifies it through dnsmasq; returns the domain's id.
    static func claimAndVerify(
        _ domain: String, owner: Registered, client: any TestClientProtocol, port: Int
    ) async throws -> String {
        let claim = try await client.json(.post, "/api/v1/domains", ["domain": domain], token: owner.accessToken)
        #expect(claim.status == .created, "\(claim.raw)")
        let id = try #require(claim.body["id"] as? String)
        try await DnsmasqServer.with(try records([claim.body]), port: port) { _ in
            let verified = try await client.json(.post, "/api/v1/domains/\(id)/verify", token: owner.accessToken)
            #expect(verified.status == .ok, "\(verified.raw)")
            #expect(verified.body["verified"] as? Bool == true)
        }
        return id
    }

    /// The verification link's token in the newest email to `address`.
    static func verificationToken(to address: String, _ context: TestApplicationContext) async throws -> String {
        let email = try #require(try await queuedEmails(context).last { $0.to.rawValue == address.lowercased() })
        return try #require(linkToken(in: email))
    }

    /// The actions of the tenant's audit log.
    static func auditActions(_ client: any TestClientProtocol, token: String) async throws -> [[String: Any]] {
        let log = try await client.json(.get, "/api/v1/audit-events?limit=100", token: token)
        return log.body["items"] as? [[String: Any]] ?? []
    }

    @Test(
        "a claim is verified only when the DNS server has its TXT record, and a domain is verified by one tenant at a time",
        arguments: TestDatabase.all)
    func verification(engine: TestDatabase) async throws {
        try await Self.withDomainApplication(engine) { client, _, port in
            let owner = try await client.register()
            let claim = try await client.json(.post, "/api/v1/domains", ["domain": "Acme.Example"], token: owner.accessToken)
            #expect(claim.status == .created, "\(claim.raw)")
            #expect(claim.body["domain"] as? String == "acme.example")
            #expect(claim.body["verified"] as? Bool == false)
            let verification = try #require(claim.body["verification"] as? [String: Any])
            #expect(verification["type"] as? String == "TXT")
            #expect(verification["name"] as? String == "_tenantry-challenge.acme.example")
            let value = try #require(verification["value"] as? String)
            #expect(value.hasPrefix("tenantry-domain-verification="))
            let id = try #require(claim.body["id"] as? String)

            let twice = try await client.json(.post, "/api/v1/domains", ["domain": "acme.example"], token: owner.accessToken)
            #expect(twice.status == .conflict, "\(twice.raw)")
            let bad = try await client.json(.post, "/api/v1/domains", ["domain": "not a domain"], token: owner.accessToken)
            #expect(bad.status == .unprocessableContent, "\(bad.raw)")

            // A record with another value, then the right one: the server's answer decides.
            try await DnsmasqServer.with(
                ["--local=/example/", "--txt-record=_tenantry-challenge.acme.example,tenantry-domain-verification=other"],
                port: port
            ) { dns in
                let refused = try await client.json(.post, "/api/v1/domains/\(id)/verify", token: owner.accessToken)
                #expect(refused.status == .unprocessableContent, "\(refused.raw)")
                #expect((refused.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "txt_record_not_found")
                #expect(try await dns.queriedNames(atLeast: 1).contains("_tenantry-challenge.acme.example"))
            }
            let checked = try await client.json(.get, "/api/v1/domains/\(id)", token: owner.accessToken)
            #expect(checked.body["verified"] as? Bool == false)
            #expect(checked.body["last_checked_at"] is String)
            let early = try await client.json(
                .patch, "/api/v1/domains/\(id)", ["join_policy": "join"], token: owner.accessToken)
            #expect(early.status == .unprocessableContent, "\(early.raw)")
            #expect((early.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "not_verified")

            try await DnsmasqServer.with(try Self.records([claim.body]), port: port) { _ in
                let verified = try await client.json(.post, "/api/v1/domains/\(id)/verify", token: owner.accessToken)
                #expect(verified.status == .ok, "\(verified.raw)")
                #expect(verified.body["verified"] as? Bool == true)
                #expect(verified.body["verified_at"] is String)
                let again = try await client.json(.post, "/api/v1/domains/\(id)/verify", token: owner.accessToken)
                #expect(again.status == .ok)
                #expect(again.body["verified_at"] as? String == verified.body["verified_at"] as? String)
            }

            // Another tenant can claim nothing that is verified elsewhere.
            let other = try await client.register()
            let taken = try await client.json(.post, "/api/v1/domains", ["domain": "acme.example"], token: other.accessToken)
            #expect(taken.status == .conflict, "\(taken.raw)")
            #expect((taken.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "verified_elsewhere")

            // Released, the domain is free again: the other tenant claims and verifies it.
            let released = try await client.json(.delete, "/api/v1/domains/\(id)", token: owner.accessToken)
            #expect(released.status == .noContent)
            #expect(try await client.json(.get, "/api/v1/domains/\(id)", token: owner.accessToken).status == .notFound)
            _ = try await Self.claimAndVerify("acme.example", owner: other, client: client, port: port)

            let actions = try await Self.auditActions(client, token: owner.accessToken).compactMap { $0["action"] as? String }
            for action in ["domain.claimed", "domain.verified", "domain.released"] {
                #expect(actions.contains(action), "\(action) in \(actions)")
            }
        }
    }

    @Test(
        "while two tenants hold the same record, only the first verification wins the domain",
        arguments: TestDatabase.all)
    func oneTenantAtATime(engine: TestDatabase) async throws {
        try await Self.withDomainApplication(engine) { client, _, port in
            let first = try await client.register()
            let second = try await client.register()
            let claimA = try await client.json(.post, "/api/v1/domains", ["domain": "shared.example"], token: first.accessToken)
            let claimB = try await client.json(.post, "/api/v1/domains", ["domain": "shared.example"], token: second.accessToken)
            #expect(claimA.status == .created && claimB.status == .created, "\(claimA.raw) \(claimB.raw)")
            let idA = try #require(claimA.body["id"] as? String)
            let idB = try #require(claimB.body["id"] as? String)
            try await DnsmasqServer.with(try Self.records([claimA.body, claimB.body]), port: port) { _ in
                async let a = client.json(.post, "/api/v1/domains/\(idA)/verify", token: first.accessToken)
                async let b = client.json(.post, "/api/v1/domains/\(idB)/verify", token: second.accessToken)
                let statuses = [try await a.status, try await b.status]
                #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
                #expect(statuses.filter { $0 == .conflict }.count == 1, "\(statuses)")
            }
        }
    }

    @Test(
        "auto-join: a sign-up at a verified domain joins once the address is verified, or waits for an admin's approval",
        arguments: TestDatabase.all)
    func autoJoin(engine: TestDatabase) async throws {
        try await Self.withDomainApplication(engine) { client, context, port in
            let owner = try await client.register()
            let id = try await Self.claimAndVerify("acme.example", owner: owner, client: client, port: port)
            let policy = try await client.json(
                .patch, "/api/v1/domains/\(id)", ["join_policy": "join", "default_role": "viewer"], token: owner.accessToken)
            #expect(policy.status == .ok, "\(policy.raw)")

            // Without a tenant and without a domain that admits people: name the tenant.
            let nowhere = try await client.json(
                .post, "/api/v1/auth/register", ["email": "x@elsewhere.example", "password": owner.password, "name": "X"])
            #expect(nowhere.status == .unprocessableContent, "\(nowhere.raw)")
            #expect((nowhere.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "tenant_name")

            let pat = try await client.json(
                .post, "/api/v1/auth/register", ["email": "Pat@Acme.Example", "password": owner.password, "name": "Pat"])
            #expect(pat.status == .accepted, "\(pat.raw)")
            #expect(pat.body["status"] as? String == "verification_required")
            #expect(pat.body["join_policy"] as? String == "join")
            #expect((pat.body["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID)
            #expect(pat.body["tokens"] == nil)
            // An unproven address joins nothing.
            let early = try await client.login(email: "pat@acme.example", password: owner.password)
            #expect(early.status == .ok)
            #expect((early.body["tenants"] as? [Any])?.isEmpty == true)

            let token = try await Self.verificationToken(to: "pat@acme.example", context)
            #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": token]).status == .ok)
            let joined = try await client.login(email: "pat@acme.example", password: owner.password)
            #expect(joined.status == .ok, "\(joined.body)")
            #expect((joined.body["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID)
            #expect(joined.body["role"] as? String == "viewer")
            let added = try await Self.auditActions(client, token: owner.accessToken).first {
                $0["action"] as? String == "member.added"
            }
            let via = ((added?["changes"] as? [String: Any])?["via"] as? [String: Any])?["after"] as? String
            #expect(via == "domain:acme.example")

            // Approval: the request waits; an admin approves one and rejects another.
            #expect(
                try await client.json(.patch, "/api/v1/domains/\(id)", ["join_policy": "approval"], token: owner.accessToken)
                    .status == .ok)
            for name in ["sam", "rob"] {
                let registered = try await client.json(
                    .post, "/api/v1/auth/register",
                    ["email": "\(name)@acme.example", "password": owner.password, "name": name])
                #expect(registered.status == .accepted, "\(registered.raw)")
                #expect(registered.body["join_policy"] as? String == "approval")
                let token = try await Self.verificationToken(to: "\(name)@acme.example", context)
                #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": token]).status == .ok)
            }
            let waiting = try await client.json(.get, "/api/v1/domains/join-requests", token: owner.accessToken)
            let requests = try #require(waiting.body["items"] as? [[String: Any]], "\(waiting.raw)")
            #expect(Set(requests.compactMap { $0["email"] as? String }) == ["sam@acme.example", "rob@acme.example"])
            let waitingSam = try await client.login(email: "sam@acme.example", password: owner.password)
            #expect((waitingSam.body["tenants"] as? [Any])?.isEmpty == true)
            for request in requests {
                let requestID = try #require(request["id"] as? String)
                let decision = request["email"] as? String == "sam@acme.example" ? "approve" : "reject"
                let answered = try await client.json(
                    .post, "/api/v1/domains/join-requests/\(requestID)/\(decision)", token: owner.accessToken)
                #expect(answered.status == .noContent, "\(decision): \(answered.raw)")
                let twice = try await client.json(
                    .post, "/api/v1/domains/join-requests/\(requestID)/\(decision)", token: owner.accessToken)
                #expect(twice.status == .notFound)
            }
            let sam = try await client.login(email: "sam@acme.example", password: owner.password)
            #expect((sam.body["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID, "\(sam.body)")
            #expect(sam.body["role"] as? String == "viewer")
            let rob = try await client.login(email: "rob@acme.example", password: owner.password)
            #expect((rob.body["tenants"] as? [Any])?.isEmpty == true)
            let remaining = try await client.json(.get, "/api/v1/domains/join-requests", token: owner.accessToken)
            #expect((remaining.body["items"] as? [Any])?.isEmpty == true)
            let actions = try await Self.auditActions(client, token: owner.accessToken).compactMap { $0["action"] as? String }
            for action in ["domain.updated", "domain.join_requested", "domain.join_approved", "domain.join_rejected"] {
                #expect(actions.contains(action), "\(action) in \(actions)")
            }
        }
    }

    @Test(
        "SSO enforcement: password sign-in and sign-up at the domain are refused naming the SSO route; an owner's break-glass sign-in is audited",
        arguments: TestDatabase.all)
    func ssoEnforcement(engine: TestDatabase) async throws {
        try await Self.withDomainApplication(engine) { client, context, port in
            let owner = try await client.register(email: "boss@acme.example")
            let id = try await Self.claimAndVerify("acme.example", owner: owner, client: client, port: port)
            let early = try await client.json(.patch, "/api/v1/domains/\(id)", ["sso_required": true], token: owner.accessToken)
            #expect(early.status == .unprocessableContent, "\(early.raw)")
            #expect((early.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "no_sso_connection")
            let connection = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "Acme IdP", "domains": ["acme.example"], "return_url": "http://127.0.0.1:9/app",
                    "oidc": ["issuer": "https://id.acme.example", "client_id": "acme"],
                ], token: owner.accessToken)
            #expect(connection.status == .created, "\(connection.raw)")
            let connectionID = try #require(connection.body["id"] as? String)

            // A member at the domain, by auto-join, before single sign-on is required.
            #expect(
                try await client.json(.patch, "/api/v1/domains/\(id)", ["join_policy": "join"], token: owner.accessToken)
                    .status == .ok)
            _ = try await client.json(
                .post, "/api/v1/auth/register", ["email": "mia@acme.example", "password": owner.password, "name": "Mia"])
            let token = try await Self.verificationToken(to: "mia@acme.example", context)
            #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": token]).status == .ok)
            #expect(try await client.login(email: "mia@acme.example", password: owner.password).status == .ok)

            let required = try await client.json(
                .patch, "/api/v1/domains/\(id)", ["sso_required": true], token: owner.accessToken)
            #expect(required.status == .ok, "\(required.raw)")
            #expect(required.body["sso_required"] as? Bool == true)

            let refused = try await client.json(
                .post, "/api/v1/auth/login", ["email": "mia@acme.example", "password": owner.password])
            #expect(refused.status == .forbidden, "\(refused.raw)")
            #expect(refused.body["code"] as? String == "sso_required")
            #expect(
                refused.body["sso_url"] as? String
                    == "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)&connection_id=\(connectionID)")
            #expect(refused.body["tokens"] == nil)
            // The refusal comes only after the password: a wrong one is the usual answer.
            let wrong = try await client.json(
                .post, "/api/v1/auth/login", ["email": "mia@acme.example", "password": "wrong pass"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body["code"] as? String == "invalid_credentials")

            for body: [String: Any] in [
                ["email": "neo@acme.example", "password": owner.password, "name": "Neo"],
                ["email": "neo@acme.example", "password": owner.password, "name": "Neo", "tenant_name": "Neo's own"],
            ] {
                let signUp = try await client.json(.post, "/api/v1/auth/register", body)
                #expect(signUp.status == .forbidden, "\(signUp.raw)")
                #expect(signUp.body["code"] as? String == "sso_required")
            }

            // The owner keeps a password sign-in, audited; other domains are untouched.
            let breakGlass = try await client.login(email: "boss@acme.example", password: owner.password)
            #expect(breakGlass.status == .ok, "\(breakGlass.body)")
            let entry = try await Self.auditActions(client, token: owner.accessToken).first {
                $0["action"] as? String == "auth.sso_break_glass"
            }
            let domain = ((entry?["changes"] as? [String: Any])?["domain"] as? [String: Any])?["after"] as? String
            #expect(domain == "acme.example")
            let outsider = try await client.register()
            #expect(try await client.login(email: outsider.email, password: outsider.password).status == .ok)

            // Lifting the requirement lets the member sign in with a password again.
            #expect(
                try await client.json(.patch, "/api/v1/domains/\(id)", ["sso_required": false], token: owner.accessToken)
                    .status == .ok)
            #expect(try await client.login(email: "mia@acme.example", password: owner.password).status == .ok)
        }
    }
}
