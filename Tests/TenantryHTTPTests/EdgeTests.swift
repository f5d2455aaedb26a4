import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

@Suite("HTTP edge: request ids, problems, limits, headers")
struct EdgeTests {
    @Test("liveness answers 200 with the security headers and a generated request id", arguments: TestDatabase.all)
    func liveness(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
                let requestID = try #require(response.headers[.xRequestID])
                #expect(RequestIDPolicy.accept(requestID) == requestID)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true)
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test("readiness answers 200 naming the engine", arguments: TestDatabase.all)
    func readiness(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"database":"\#(engine.rawValue)","status":"ok"}"#)
            }
        }
    }

    @Test("a well-formed X-Request-ID is echoed", arguments: TestDatabase.all)
    func requestIDEchoed(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let id = "client-abc_123:4.5"
            try await client.execute(uri: "/health/live", method: .get, headers: [.xRequestID: id]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.xRequestID] == id)
            }
        }
    }

    @Test(
        "an over-long or malformed X-Request-ID gets 400 invalid_request_id with a generated id",
        arguments: [String(repeating: "a", count: 129), "has space", "semi;colon", "<script>", "quote\"d"]
    )
    func badRequestID(value: String) async throws {
        try await withTestApplication(.sqlite) { client, _ in
            try await client.execute(uri: "/health/live", method: .get, headers: [.xRequestID: value]) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.problem()
                #expect(problem.code == "invalid_request_id")
                #expect(problem.type == "urn:tenantry:problem:invalid_request_id")
                #expect(problem.requestID != value)
                #expect(problem.requestID == response.headers[.xRequestID])
            }
            try await expectStillServing(client)
        }
    }

    @Test("an unknown route gets 404 route_not_found problem+json", arguments: TestDatabase.all)
    func unknownRoute(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: [.xRequestID: "r-404"]) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.problem()
                #expect(problem.code == "route_not_found")
                #expect(problem.status == 404)
                #expect(problem.requestID == "r-404")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            try await expectStillServing(client)
        }
    }

    @Test("a known path with the wrong method gets 405 with Allow", arguments: TestDatabase.all)
    func wrongMethod(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            for method in [HTTPRequest.Method.post, .delete, .put, .patch] {
                try await client.execute(uri: "/health/ready", method: method, headers: [.xRequestID: "r-405"]) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "GET")
                    let problem = try response.problem()
                    #expect(problem.code == "method_not_allowed")
                    #expect(problem.requestID == "r-405")
                }
            }
            try await expectStillServing(client)
        }
    }

    @Test("malformed JSON gets 400 malformed_json", arguments: TestDatabase.all)
    func malformedJSON(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            for body in [#"{"name": "x", "count": "#, "not json", #"{"name":"x","count":1}}"#, ""] {
                try await client.execute(
                    uri: "/test/echo",
                    method: .post,
                    headers: [.contentType: "application/json", .xRequestID: "r-400"],
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "body: \(body)")
                    let problem = try response.problem()
                    #expect(problem.code == "malformed_json")
                    #expect(problem.requestID == "r-400")
                }
            }
            try await expectStillServing(client)
        }
    }

    @Test("a lone surrogate escape is read as U+FFFD, a proper pair as its character", arguments: TestDatabase.all)
    func loneSurrogates(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let cases: [(String, String)] = [
                (#"{"name": "a\udc00b", "count": 1}"#, "a\u{FFFD}b"),
                (#"{"name": "\ud800", "count": 1}"#, "\u{FFFD}"),
                (#"{"name": "\ud83d\ude00 \\ud800", "count": 1}"#, "\u{1F600} \\ud800"),
                (#"{"name": "x", "count": 1, "\udfff": 2}"#, "x"),
            ]
            for (body, name) in cases {
                try await client.execute(
                    uri: "/test/echo", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .ok, "body: \(body)")
                    let echoed = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(echoed?["name"] as? String == name, "body: \(body)")
                }
            }
        }
    }

    @Test("JSON of the wrong shape gets 422 validation_failed naming the fields", arguments: TestDatabase.all)
    func wrongShape(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let cases: [(String, String, String)] = [
                (#"{"count": 1}"#, "name", "required"),
                (#"{"name": "x", "count": "one"}"#, "count", "invalid_type"),
                (#"{"name": "x", "count": 1, "nested": {"display_name": 5}}"#, "nested.display_name", "invalid_type"),
                (#"{"name": null, "count": 1}"#, "name", "required"),
            ]
            for (body, field, code) in cases {
                try await client.execute(
                    uri: "/test/echo",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .unprocessableContent, "body: \(body)")
                    let problem = try response.problem()
                    #expect(problem.code == "validation_failed")
                    #expect(problem.errors?.first?.field == field, "body: \(body)")
                    #expect(problem.errors?.first?.code == code, "body: \(body)")
                }
            }
            try await client.execute(
                uri: "/test/echo",
                method: .post,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: #"{"name": "x", "count": 2, "nested": {"display_name": "y"}}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"count":2,"name":"x","nested":{"display_name":"y"}}"#)
            }
        }
    }

    @Test("a body that is not JSON by content type gets 415", arguments: TestDatabase.all)
    func wrongContentType(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            for headers: HTTPFields in [[.contentType: "text/plain"], [.contentType: "application/x-www-form-urlencoded"], [:]] {
                try await client.execute(
                    uri: "/test/echo",
                    method: .post,
                    headers: headers + [.xRequestID: "r-415"],
                    body: ByteBuffer(string: #"{"name":"x","count":1}"#)
                ) { response in
                    #expect(response.status == .unsupportedMediaType)
                    let problem = try response.problem()
                    #expect(problem.code == "unsupported_media_type")
                    #expect(problem.requestID == "r-415")
                }
            }
            try await expectStillServing(client)
        }
    }

    @Test("a 2 MiB body gets 413 payload_too_large, with or without Content-Length", arguments: TestDatabase.all)
    func oversizedBody(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let big = #"{"name":""# + String(repeating: "x", count: 2 * 1024 * 1024) + #"","count":1}"#
            for declareLength in [true, false] {
                var headers: HTTPFields = [.contentType: "application/json", .xRequestID: "r-413"]
                if declareLength { headers[.contentLength] = String(big.utf8.count) }
                try await client.execute(uri: "/test/echo", method: .post, headers: headers, body: ByteBuffer(string: big)) {
                    response in
                    #expect(response.status == .contentTooLarge)
                    let problem = try response.problem()
                    #expect(problem.code == "payload_too_large")
                    #expect(problem.requestID == "r-413")
                }
            }
            // The limit applies to every route, also ones that never read a body.
            try await client.execute(
                uri: "/health/live",
                method: .get,
                headers: [.contentLength: String(big.utf8.count)],
                body: ByteBuffer(string: big)
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await expectStillServing(client)
        }
    }

    @Test("the body limit is configurable")
    func configurableLimit() async throws {
        try await withTestApplication(.sqlite, configure: { $0.maxBodySize = 32 }) { client, _ in
            try await client.execute(
                uri: "/test/echo",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"a-long-enough-name","count":1}"#)
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(
                uri: "/test/echo",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"a","count":1}"#)
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("every error code maps to an error status, and every code shown to clients has a distinct title")
    func catalog() {
        let entries = ErrorCode.allCases.map { ProblemCatalog.entry(for: $0) }
        #expect(entries.allSatisfy { (400...599).contains($0.status.code) })
        let shown = ErrorCode.allCases.filter { ProblemCatalog.entry(for: $0).shownCode == $0 }
        #expect(Set(shown.map { ProblemCatalog.entry(for: $0).title }).count == shown.count)
        // Codes about the server's own state reach a client only as internal errors.
        #expect(ProblemCatalog.entry(for: .migrationsPending).shownCode == .internalError)
        #expect(ProblemCatalog.entry(for: .migrationsPending).status == .internalServerError)
    }

    private func expectStillServing(_ client: any TestClientProtocol) async throws {
        try await client.execute(uri: "/health/live", method: .get) { response in
            #expect(response.status == .ok)
        }
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var result = lhs
        result.append(contentsOf: rhs)
        return result
    }
}
