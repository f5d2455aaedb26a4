import Foundation
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@testable import TenantryHTTP

@Suite("Hand-written JSON")
struct JSONWriterTests {
    @Test("GET /me's hand-written body is byte for byte what the response encoder writes")
    func meMatchesEncoder() throws {
        let plain = try Fixtures.user()
        var odd = try Fixtures.user(name: "Zoë \"Q\" \\ / O'Brien \u{7} \u{8}\u{c}\n\r\t\u{1f} 🚀 \u{2028}")
        odd.locale = "pt-BR"
        odd.emailVerifiedAt = Date(timeIntervalSince1970: 1_795_458_984.329)
        var tenant = try Fixtures.tenant(name: "Acme \"&\" Co. </script>")
        tenant.status = .suspended
        let other = try Fixtures.tenant(name: "Other")
        let memberships = [
            TenantMembership(tenant: tenant, role: .owner),
            TenantMembership(tenant: other, role: .viewer),
        ]
        let cases: [MeResponse] = [
            MeResponse(
                user: UserBody(plain), tenant: nil, role: nil, tenants: [], sessionId: SessionID.generate().description),
            MeResponse(
                user: UserBody(odd), tenant: TenantBody(tenant), role: "owner",
                tenants: memberships.map(MembershipBody.init), sessionId: SessionID.generate().description),
            MeResponse(
                user: UserBody(plain), tenant: nil, role: nil, tenants: memberships.map(MembershipBody.init),
                sessionId: "s"),
        ]
        for me in cases {
            var writer = JSONWriter()
            me.write(to: &writer)
            let expected = try JSONCoding.encoder.encode(me)
            #expect(
                String(decoding: writer.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }

    @Test("GET /members' hand-written page is byte for byte what the response encoder writes")
    func memberPageMatchesEncoder() throws {
        let tenantID = TenantID.generate()
        func member(_ name: String, role: TenantRole, custom: String?, status: MemberStatus) throws -> MemberBody {
            MemberBody(
                Member(
                    membership: Membership(
                        tenantID: tenantID, userID: .generate(), role: role, customRoleID: custom == nil ? nil : .generate(),
                        status: status, createdAt: Date(timeIntervalSince1970: 1_795_458_984.329), updatedAt: Date()),
                    email: try EmailAddress("person-\(UUID())@example.com"), name: name, customRoleName: custom))
        }
        let items = [
            try member("Ada", role: .owner, custom: nil, status: .active),
            try member("Zoë \"Q\" \\ / \u{7}\n 🚀 \u{2028}", role: .viewer, custom: "Auditor \"x\"", status: .suspended),
        ]
        for page in [MemberPage(items: [], nextCursor: nil), MemberPage(items: items, nextCursor: "djE6abc_-")] {
            var writer = JSONWriter()
            page.write(to: &writer)
            let expected = try JSONCoding.encoder.encode(page)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }
}
