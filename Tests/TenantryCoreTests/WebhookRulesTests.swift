import Foundation
import TenantryCore
import Testing

@Suite("Webhook rules")
struct WebhookRulesTests {
    @Test("a signature is the Standard Webhooks example's, and verifies with that secret only")
    func standardWebhooksExample() throws {
        // The worked example of the Standard Webhooks specification's reference libraries.
        let secret = try #require(WebhookSecret(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(
            WebhookSignature.verify(
                header: "v2,abc \(signature)", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
                secrets: [secret]))
        let other = WebhookSecret.generate()
        #expect(
            !WebhookSignature.verify(
                header: signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secrets: [other]))
        #expect(
            !WebhookSignature.verify(
                header: signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_331, body: body, secrets: [secret]))
    }

    @Test("during a rotation the header carries one signature per secret, each verifying alone")
    func rotationHeader() throws {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        let body = Data("{}".utf8)
        let header = WebhookSignature.header(id: "msg_1", timestamp: 1, body: body, secrets: [new, old])
        #expect(header.split(separator: " ").count == 2)
        #expect(WebhookSignature.verify(header: header, id: "msg_1", timestamp: 1, body: body, secrets: [old]))
        #expect(WebhookSignature.verify(header: header, id: "msg_1", timestamp: 1, body: body, secrets: [new]))
        let sealed = SealedWebhookSecrets(current: "sealed-old").rotated(to: "sealed-new", at: Date(timeIntervalSince1970: 0))
        #expect(sealed.current == "sealed-new" && sealed.previous == "sealed-old")
        let expiry = try #require(sealed.previousExpiresAt)
        let secrets = WebhookSecrets(current: new, previous: (old, expiry))
        #expect(secrets.signing(at: Date(timeIntervalSince1970: 3600)) == [new, old])
        #expect(secrets.signing(at: Date(timeIntervalSince1970: 86_401)) == [new])
    }

    @Test("secrets are whsec_ and base64 of 24 to 64 bytes; their description hides them")
    func secretText() {
        #expect(WebhookSecret(text: "whsec_" + Data(count: 23).base64EncodedString()) == nil)
        #expect(WebhookSecret(text: "whsec_" + Data(count: 24).base64EncodedString()) != nil)
        #expect(WebhookSecret(text: "whsec_" + Data(count: 65).base64EncodedString()) == nil)
        #expect(WebhookSecret(text: "sk_" + Data(count: 32).base64EncodedString()) == nil)
        let secret = WebhookSecret.generate()
        #expect(!"\(secret)".contains(secret.text.dropFirst(6)))
    }

    @Test(
        "refused addresses, IPv4 and IPv6, through mapped, NAT64 and 6to4 forms",
        arguments: [
            "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.100.100.200", "0.0.0.0",
            "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1",
            "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2001:db8::1",
        ])
    func refusedAddresses(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(EgressPolicy().refusal(for: address) != nil, "\(text)")
    }

    @Test("public addresses pass; an allowed network lets a refused address through, mapped forms included")
    func allowedAddresses() throws {
        for text in ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
            #expect(EgressPolicy().refusal(for: try #require(IPAddress(text))) == nil, "\(text)")
        }
        let policy = EgressPolicy(allowedNetworks: [try #require(IPNetwork("127.0.0.0/8"))])
        #expect(policy.refusal(for: try #require(IPAddress("127.0.0.1"))) == nil)
        #expect(policy.refusal(for: try #require(IPAddress("::ffff:127.0.0.1"))) == nil)
        #expect(policy.refusal(for: try #require(IPAddress("10.0.0.1"))) != nil)
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("nonsense/8") == nil)
        #expect(try #require(IPNetwork("10.0.0.0/8")).contains(try #require(IPAddress("10.255.0.1"))))
        #expect(!(try #require(IPNetwork("10.0.0.0/8")).contains(try #require(IPAddress("11.0.0.1")))))
        #expect(try #require(IPNetwork("0.0.0.0/0")).contains(try #require(IPAddress("1.2.3.4"))))
    }

    @Test("filters: exact names and groups, empty means all, unknown names refused by index")
    func filters() throws {
        let filter = try EventTypeFilter(["member.*", "api_key.revoked", "member.*"])
        #expect(filter.patterns == ["api_key.revoked", "member.*"])
        #expect(filter.matches(.memberAdded) && filter.matches(.memberRemoved) && filter.matches(.apiKeyRevoked))
        #expect(!filter.matches(.apiKeyCreated) && !filter.matches(.teamCreated))
        #expect(EventTypeFilter.all.matches(.teamCreated))
        #expect(throws: TenantryError.self) { try EventTypeFilter(["member.added", "members.*"]) }
        let error = #expect(throws: TenantryError.self) { try EventTypeFilter(["member.added", "members.*", "*"]) }
        #expect(error?.fieldErrors.map(\.field) == ["event_types.1", "event_types.2"])
    }

    @Test("the schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with jitter; Retry-After bounded")
    func schedule() {
        let schedule = DeliverySchedule.standard
        let now = Date(timeIntervalSince1970: 0)
        #expect(schedule.attempts == 8)
        let expected: [TimeInterval] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
        for (index, delay) in expected.enumerated() {
            let exact = schedule.nextAttempt(after: index + 1, at: now, random: { _ in 0 })
            #expect(exact == now.addingTimeInterval(delay))
            let early = schedule.nextAttempt(after: index + 1, at: now, random: { $0.lowerBound })
            #expect(early == now.addingTimeInterval(delay * 0.9))
        }
        #expect(schedule.nextAttempt(after: 8, at: now) == nil)
        #expect(schedule.nextAttempt(after: 1, at: now, retryAfter: 120, random: { _ in 0 }) == now.addingTimeInterval(120))
        #expect(schedule.nextAttempt(after: 1, at: now, retryAfter: 1, random: { _ in 0 }) == now.addingTimeInterval(5))
        #expect(
            schedule.nextAttempt(after: 1, at: now, retryAfter: 1e9, random: { _ in 0 })
                == now.addingTimeInterval(DeliverySchedule.maximumRetryAfter))
        #expect(DeliverySchedule.retryAfter("42", now: now) == 42)
        #expect(DeliverySchedule.retryAfter("Thu, 01 Jan 1970 00:01:00 GMT", now: now) == 60)
        #expect(DeliverySchedule.retryAfter("soon", now: now) == nil)
    }
}
