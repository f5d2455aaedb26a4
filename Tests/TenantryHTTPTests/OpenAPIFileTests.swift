import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryHTTP
import TenantryTestSupport
import Testing

/// The contract file itself: what is embedded, what is served, and that it is valid OpenAPI 3.1.
@Suite("OpenAPI file")
struct OpenAPIFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let file = root.appendingPathComponent("Sources/TenantryHTTP/OpenAPI/openapi.json")

    @Test("GET /openapi.json serves the embedded file byte for byte, which is the file on disk")
    func servedByteForByte() async throws {
        let onDisk = try [UInt8](Data(contentsOf: Self.file))
        #expect(!onDisk.isEmpty)
        #expect(OpenAPIDocument.bytes == onDisk, "the embedded document differs from \(Self.file.path): rebuild")
        #expect(try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("openapi.json"))) == onDisk)
        try await withTestApplication(.sqlite) { client, _ in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(Array(response.body.readableBytesView) == onDisk)
            }
        }
    }

    @Test("the file validates against the OpenAPI 3.1 schema (openapi-spec-validator)")
    func validates() async throws {
        let result = try await Self.validate(Self.file)
        #expect(result.status == 0, "openapi-spec-validator rejects \(Self.file.lastPathComponent):\n\(result.output)")
    }

    @Test("the validator rejects a broken copy of the file, naming what is wrong")
    func validatorRejectsBrokenCopy() async throws {
        var document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        var info = try #require(document["info"] as? [String: Any])
        info["title"] = nil
        document["info"] = info
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-broken-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: document).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let result = try await Self.validate(copy)
        #expect(result.status != 0)
        #expect(result.output.contains("'title' is a required property"), "\(result.output)")
    }

    @Test("the file is in the canonical layout of scripts/format-openapi")
    func canonicalLayout() async throws {
        let result = try await Self.run([
            "python3", Self.root.appendingPathComponent("scripts/format-openapi").path, "--check", Self.file.path,
        ])
        #expect(result.status == 0, "\(result.output)")
    }

    /// Runs `python3 -m openapi_spec_validator` on `file` (scripts/test installs the package).
    static func validate(_ file: URL) async throws -> (status: Int32, output: String) {
        let result = try await run(["python3", "-m", "openapi_spec_validator", file.path])
        if result.output.contains("No module named openapi_spec_validator") {
            Issue.record("openapi-spec-validator is missing: run scripts/test, or python3 -m pip install openapi-spec-validator")
        }
        return result
    }

    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await CommandRunner.run(arguments)
    }
}
