import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

/// Every write operation of openapi.json says which domain events it records (`x-events`), and
/// records exactly those: each operation is driven through the real application by a driver
/// from ``EventCoverageDrivers``, and the outbox rows it added are compared with the document.
@Suite("Domain events: every write operation records what its x-events documents")
struct EventCoverageTests {
    @Test("every x-events name is an event type of the catalogue, listed once per operation")
    func documentedNamesExist() throws {
        let writes = try DocumentedWrite.all()
        #expect(writes.count > 40)
        let known = Set(EventType.allCases.map(\.rawValue))
        for write in writes {
            #expect(write.events.allSatisfy(known.contains), "\(write): \(write.events) names an unknown event type")
            #expect(Set(write.events).count == write.events.count, "\(write): an event type is listed twice")
        }
    }

    @Test(
        "each write operation, driven with a valid request, adds exactly its documented event types to the right tenant's outbox",
        arguments: TestDatabase.all)
    func everyWriteRecordsItsDocumentedEvents(engine: TestDatabase) async throws {
        let writes = try DocumentedWrite.all()
        let drivers = EventCoverageDrivers.table
        // A route added to the document without a driver fails here, so none can skip its events.
        let undriven = writes.map(\.operationID).filter { drivers[$0] == nil }
        #expect(undriven.isEmpty, "write operations without an event driver: \(undriven.sorted())")
        let stale = Set(drivers.keys).subtracting(writes.map(\.operationID))
        #expect(stale.isEmpty, "drivers of operations the document no longer has: \(stale.sorted())")
        var limits = AttemptLimits()
        limits.registrationsPerIPPerHour = 10_000
        let dnsPort = try DnsmasqServer.reservedPort()
        // Billing's writes run against localstripe, with `pro` and `enterprise` for sale.
        let stripe = try await LocalStripe()
        defer { stripe.stop() }
        try await stripe.createPlan("ls_basic", amount: 1000)
        try await stripe.createPlan("ls_pro", amount: 3000)
        // The backup drivers write real backups here.
        let backups = TestDatabase.exportDirectory()
        defer { try? FileManager.default.removeItem(atPath: backups) }
        try await withTestApplication(
            engine,
            configure: {
                $0.rateLimitsEnabled = false
                $0.dnsServer = "127.0.0.1:\(dnsPort)"
                $0.stripe.apiKey = LocalStripe.apiKey
                $0.stripe.apiBase = stripe.base
                $0.stripe.webhookSecret = BillingTests.webhookSecret
                $0.backupDirectory = backups
            }, limits: limits
        ) {
            client, context in
            let harness = EventHarness(
                client: client, context: context, operatorToken: try await client.signedInOperator(context.identity).token,
                dnsPort: dnsPort)
            for (plan, price) in [("pro", "ls_basic"), ("enterprise", "ls_pro")] {
                try await harness.send(
                    .patch, "/api/v1/platform/plans/\(plan)", ["stripe_price_id": price], token: harness.operatorToken,
                    expect: .ok)
            }
            for write in writes {
                guard let driver = drivers[write.operationID] else { continue }
                let probe = try await driver(harness)
                let before = try await harness.outbox()
                harness.startRecording()
                let tenant = try await probe.act()
                let sent = harness.stopRecording()
                let added = try await harness.outbox().subtracting(before)
                #expect(
                    sent.contains { write.matches(method: $0.method, path: $0.path) },
                    "\(write): the driver did not send \(write.method) \(write.path) (sent \(sent))")
                #expect(
                    Set(added.map(\.type)) == Set(write.events),
                    "\(write): recorded \(added.map(\.type).sorted()), documented \(write.events.sorted())")
                let elsewhere = added.filter { $0.tenantID != tenant }
                #expect(elsewhere.isEmpty, "\(write): recorded outside tenant \(tenant ?? "none"): \(elsewhere)")
            }
        }
    }
}

/// A write operation (POST, PUT, PATCH, DELETE) as openapi.json documents it.
struct DocumentedWrite: Sendable, CustomStringConvertible {
    let operationID: String
    let method: String
    let path: String
    let events: [String]

    var description: String { "\(operationID) (\(method) \(path))" }

    /// Every write operation of the served document, in path order.
    static func all() throws -> [DocumentedWrite] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        let paths = try #require((object as? [String: Any])?["paths"] as? [String: Any])
        var writes: [DocumentedWrite] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            let item = try #require(item as? [String: Any])
            for method in ["post", "put", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let operationID = try #require(operation["operationId"] as? String, "\(method) \(path) has no operationId")
                let events = try #require(operation["x-events"] as? [String], "\(operationID) has no x-events array")
                writes.append(DocumentedWrite(operationID: operationID, method: method.uppercased(), path: path, events: events))
            }
        }
        return writes
    }

    /// Whether a request sent to `path` with `method` is this operation (`{name}` matches one segment).
    func matches(method: String, path: String) -> Bool {
        let template = self.path.split(separator: "/"), concrete = path.split(separator: "/")
        return method == self.method && template.count == concrete.count
            && zip(template, concrete).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}

/// One operation ready to be driven: `act` sends the request(s) whose events are compared, and
/// returns the tenant whose outbox they belong in (`nil` when the operation concerns none).
struct EventProbe: Sendable {
    let act: @Sendable () async throws -> String?

    init(_ act: @escaping @Sendable () async throws -> String?) {
        self.act = act
    }
}

/// What drivers share: the client, the application, a signed-in super admin, and the requests
/// sent while a probe acts.
final class EventHarness: Sendable {
    let client: any TestClientProtocol
    let context: TestApplicationContext
    let operatorToken: String
    /// Where the application asks for TXT records (a driver starts dnsmasq there).
    let dnsPort: Int
    private let sent = Mutex<[(method: String, path: String)]?>(nil)

    init(client: any TestClientProtocol, context: TestApplicationContext, operatorToken: String, dnsPort: Int) {
        self.client = client
        self.context = context
        self.operatorToken = operatorToken
        self.dnsPort = dnsPort
    }

    func startRecording() { sent.withLock { $0 = [] } }

    func stopRecording() -> [(method: String, path: String)] {
        sent.withLock { sent in
            defer { sent = nil }
            return sent ?? []
        }
    }

    /// The Stripe signing secret of the drivers' inbound sources.
    static let stripeSecret = "whsec_" + String(repeating: "s", count: 32)

    /// Posts a signed inbound webhook (no bearer) and expects 200.
    func sendSigned(_ path: String, body: String, headers: HTTPFields) async throws {
        sent.withLock { sent in
            guard sent != nil else { return }
            sent?.append(("POST", path))
        }
        let status = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            $0.status
        }
        #expect(status == .ok, "POST \(path): \(status)")
    }

    /// Sends a request, expects `status`, and returns the parsed body.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil, token: String? = nil,
        expect status: HTTPResponse.Status
    ) async throws -> [String: Any] {
        sent.withLock { sent in
            guard sent != nil else { return }
            sent?.append((method.rawValue, path))
        }
        let response = try await client.json(method, path, body, token: token)
        #expect(response.status == status, "\(method) \(path): \(response.raw)")
        return response.body
    }

    /// A new tenant and its signed-in owner.
    func owner() async throws -> Registered { try await client.register() }

    /// Gives the owner's tenant `name` as a verified domain with these policies, straight in the
    /// database (set-up outside a probe: no event, no DNS).
    func verifiedDomain(
        _ owner: Registered, _ name: String, policy: DomainJoinPolicy = .off, ssoRequired: Bool = false
    ) async throws -> TenantDomain {
        let tenantID = try #require(TenantID(owner.tenantID))
        let now = Date()
        let domain = TenantDomain(
            tenantID: tenantID, id: .generate(), domain: name, verificationToken: "seeded", verifiedAt: now, lastCheckedAt: now,
            joinPolicy: policy, defaultRole: .member, ssoRequired: ssoRequired, createdAt: now, updatedAt: now)
        try await context.database.database.withTenant(tenantID) { scope in
            try await scope.domains.create(domain)
            _ = try await scope.global.verifiedDomains.claim(domain: name, tenantID: tenantID, domainID: domain.id, at: now)
        }
        return domain
    }

    /// A pending join request of a new person to the owner's tenant, through a verified domain.
    func joinRequest(_ owner: Registered) async throws -> String {
        let domain = try await verifiedDomain(owner, "join-\(Self.unique()).example", policy: .approval)
        let applicant = try Fixtures.user(name: "Applicant")
        let request = JoinRequest(
            tenantID: domain.tenantID, id: .generate(), userID: applicant.id, email: applicant.email, domainID: domain.id,
            role: .member, createdAt: Date())
        try await context.database.database.withTenant(domain.tenantID) { scope in
            try await scope.users.create(applicant)
            _ = try await scope.domains.addJoinRequest(request)
        }
        return request.id.description
    }

    /// Posts a SAML response to an assertion consumer (a form, no bearer); returns the status
    /// and `Location`.
    @discardableResult
    func postSAML(_ path: String, response: String, relayState: String?) async throws -> (HTTPResponse.Status, String?) {
        sent.withLock { sent in
            guard sent != nil else { return }
            sent?.append(("POST", path))
        }
        var fields = ["SAMLResponse": response]
        if let relayState { fields["RelayState"] = relayState }
        let answer = try await client.raw(
            .post, path, contentType: "application/x-www-form-urlencoded", body: formEncoded(fields))
        return (answer.status, answer.location)
    }

    /// An owner's tenant with a SAML connection (from `saml_idp.py`'s metadata), and a started
    /// sign-in: the assertion consumer's path and the response parameters that answer it.
    func samlSignInStarted() async throws -> SAMLStart {
        let owner = try await owner()
        let created = try await send(
            .post, "/api/v1/sso/connections",
            [
                "name": "IdP", "domains": ["acme.example"], "return_url": "http://127.0.0.1:9/back",
                "saml": ["metadata_xml": try SAMLPeer.metadata()],
            ], token: owner.accessToken, expect: .created)
        let settings = try #require(created["saml"] as? [String: Any])
        let acs = try #require(settings["acs_url"] as? String)
        let start = try await client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)")
        let request = try await SAMLPeer.inspect(try #require(start.location))
        let response: [String: String] = [
            "in_response_to": request["id"] as? String ?? "", "destination": acs, "recipient": acs,
            "audience": settings["sp_entity_id"] as? String ?? "",
            "name_id": "new-\(UUID().uuidString.prefix(8))@acme.example", "assertion_id": "_a-\(UUID().uuidString)",
        ]
        return SAMLStart(
            owner: owner, acsPath: try #require(URL(string: acs)?.path), relayState: request["relay_state"] as? String,
            response: response)
    }

    /// A started SAML sign-in: its tenant's owner, the assertion consumer's path, the flow's
    /// RelayState, and the response parameters that answer it.
    struct SAMLStart: Sendable {
        let owner: Registered
        let acsPath: String
        let relayState: String?
        let response: [String: String]
    }

    /// A new tenant that requires a second factor of everyone, and the second-step token of its
    /// owner's sign-in (who has none yet).
    func enrolmentRequired() async throws -> (owner: Registered, token: String) {
        let owner = try await owner()
        try await send(.patch, "/api/v1/tenant", ["settings": ["mfa_policy": "everyone"]], token: owner.accessToken, expect: .ok)
        let step = try await send(
            .post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password], expect: .accepted)
        return (owner, try #require(step["mfa_token"] as? String))
    }

    /// A new member of the owner's tenant, signed in there.
    func member(of owner: Registered, role: String = "member") async throws -> AccessFixture.Person {
        try await client.addSignedInMember(context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: role)
    }

    /// The token of the newest email to `email` whose link goes to `page` (e.g. `verify-email`).
    func emailedToken(to email: String, page: String) async throws -> String {
        let message = try #require(
            try await queuedEmails(context).last { $0.to.rawValue == email.lowercased() && $0.textBody.contains(page) },
            "no \(page) email to \(email)")
        return try #require(linkToken(in: message))
    }

    /// Every tenant's outbox rows (read in the platform scope, so a row in the wrong tenant shows too).
    func outbox() async throws -> Set<OutboxRow> {
        let rows = try await context.database.database.withPlatform { scope in
            try await scope.sql.raw("SELECT tenant_id, id, type FROM domain_events").all().map { row in
                OutboxRow(
                    tenantID: try row.decode(column: "tenant_id", as: UUID.self).uuidString.lowercased(),
                    id: try row.decode(column: "id", as: UUID.self), type: try row.decode(column: "type", as: String.self))
            }
        }
        return Set(rows)
    }

    /// A fresh, unique suffix for names and addresses.
    static func unique() -> String { UUID().uuidString.prefix(8).lowercased() }
}

/// One row of `domain_events`.
struct OutboxRow: Hashable, Sendable {
    let tenantID: String
    let id: UUID
    let type: String
}

extension [String: Any] {
    /// The string at a path of keys, e.g. `["tenant", "id"]`.
    func string(_ keys: String...) throws -> String {
        var node: Any = self
        for key in keys { node = try #require((node as? [String: Any])?[key], "no \(keys.joined(separator: ".")) in \(self)") }
        return try #require(node as? String)
    }
}
