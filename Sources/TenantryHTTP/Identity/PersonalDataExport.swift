import Foundation
import Hummingbird
import NIOCore
import TenantryApplication
import TenantryCore

/// `GET /api/v1/me/export`: one JSON document with everything the instance holds about the
/// caller. The audit events about them are streamed in batches (one short transaction each),
/// tenant by tenant, so memory stays flat however long their history; the rest is small and
/// read before the response starts, so a failure then is still a problem+json answer.
struct PersonalDataExport: Sendable {
    let service: PersonalDataService

    /// The document's fields other than `audit_events`.
    struct Head: Encodable {
        let exportedAt: Date
        let user: UserBody
        let memberships: [MembershipBody]
        let sessions: [SessionBody]
        let mfa: MFA
        let apiKeys: [Key]
        /// Single sign-on and social sign-in keep no lasting link to an identity: a sign-in
        /// matches the verified address each time (decision 0021), so there is none to list.
        let linkedIdentities: [String] = []

        struct MFA: Encodable {
            let totpEnabled: Bool
            let enabledAt: Date?
            let recoveryCodesRemaining: Int
        }

        struct Key: Encodable {
            let id: String
            let tenantId: String
            let name: String
            let prefix: String
            let lastFour: String
            let scopes: [String]
            let createdAt: Date
            let expiresAt: Date?
            let revokedAt: Date?
            let lastUsedAt: Date?
        }
    }

    /// The streamed response for `caller`.
    func response(for caller: AuthenticatedCaller) async throws -> Response {
        let summary = try await service.summary(of: caller)
        let head = Head(
            exportedAt: Date(), user: UserBody(summary.user), memberships: summary.memberships.map(MembershipBody.init),
            sessions: summary.sessions.map { SessionBody($0, current: caller.sessionID) },
            mfa: Head.MFA(
                totpEnabled: summary.totpEnabled, enabledAt: summary.totpEnabledAt,
                recoveryCodesRemaining: summary.recoveryCodesRemaining),
            apiKeys: summary.apiKeys.map {
                Head.Key(
                    id: $0.id.description, tenantId: $0.tenantID.description, name: $0.name, prefix: $0.prefix,
                    lastFour: $0.lastFour, scopes: $0.scopes.map(\.rawValue).sorted(), createdAt: $0.createdAt,
                    expiresAt: $0.expiresAt, revokedAt: $0.revokedAt, lastUsedAt: $0.lastUsedAt)
            })
        // `{"audit_events":[…],` and then the head's fields without its opening brace.
        let tail = Array(try JSONCoding.encoder.encode(head).dropFirst())
        let tenants = summary.memberships.map(\.tenant.id)
        let userID = caller.userID
        let service = self.service
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"personal-data-\(userID).json\""
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: #"{"audit_events":["#))
            var first = true
            for tenant in tenants {
                for role in PersonalDataService.AuditRole.allCases {
                    var after: UUID?
                    repeat {
                        let batch = try await service.auditEvents(about: userID, in: tenant, as: role, after: after)
                        var json = JSONWriter()
                        var bytes: [UInt8] = []
                        for record in batch.records {
                            if !first { bytes.append(UInt8(ascii: ",")) }
                            first = false
                            json.object { AuditEventBody.write(record, to: &$0) }
                            bytes += json.take()
                        }
                        try await writer.write(ByteBuffer(bytes: bytes))
                        after = batch.next
                    } while after != nil
                }
            }
            try await writer.write(ByteBuffer(string: "],"))
            try await writer.write(ByteBuffer(bytes: tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
