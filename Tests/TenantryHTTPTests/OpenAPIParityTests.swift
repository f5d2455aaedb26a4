import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

@Suite("OpenAPI document")
struct OpenAPIParityTests {
    static let methods: Set<String> = ["get", "put", "post", "patch", "delete", "head", "options", "trace"]

    static func documentedOperations() throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        let document = try #require(object as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations = Set<String>()
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for key in item.keys where methods.contains(key) {
                operations.insert("\(key.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// Follows a local `$ref` ("#/components/...") to what it names; `nil` when it leads nowhere.
    /// A value without `$ref` is returned as it is.
    static func resolved(_ value: [String: Any], in document: [String: Any]) -> [String: Any]? {
        var current = value
        var hops = 0
        while let reference = current["$ref"] as? String {
            hops += 1
            guard hops < 10, reference.hasPrefix("#/") else { return nil }
            var node: Any? = document
            for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            guard let next = node as? [String: Any] else { return nil }
            current = next
        }
        return current
    }

    /// A response's description as a reader sees it: a `$ref`'s own `description` replaces the
    /// referenced one (OpenAPI 3.1 reference objects).
    static func description(of response: [String: Any], in document: [String: Any]) -> String? {
        if let own = response["description"] as? String { return own }
        return resolved(response, in: document)?["description"] as? String
    }

    @Test("every registered route is documented and every documented operation is registered")
    func parity() async throws {
        try await withTestDatabase(.sqlite) { context in
            let router = try makeTestRouter(context)
            let registered = Set(
                router.routes.filter { !APIRouter.isConsolePage($0.path) }.map { "\($0.method.rawValue) \($0.path)" })
            let documented = try Self.documentedOperations()
            #expect(!registered.isEmpty)
            #expect(
                registered.subtracting(documented).isEmpty,
                "routes missing from the document: \(registered.subtracting(documented).sorted())")
            #expect(
                documented.subtracting(registered).isEmpty,
                "documented but not served: \(documented.subtracting(registered).sorted())")
        }
    }

    @Test("every write operation under /api/v1 takes Idempotency-Key and documents its 409 and 422; reads do not")
    func idempotencyKeyOnWrites() async throws {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        let document = try #require(object as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        let parameter = "#/components/parameters/IdempotencyKey"
        #expect(
            (Self.resolved(["$ref": parameter], in: document))?["name"] as? String == "Idempotency-Key",
            "\(parameter) is not the Idempotency-Key header")
        try await withTestDatabase(.sqlite) { context in
            let router = try makeTestRouter(context)
            var writes = 0
            for route in router.routes where route.path.hasPrefix("/api/v1/") {
                let method = route.method.rawValue.lowercased()
                let name = "\(route.method.rawValue) \(route.path)"
                let operation = try #require((paths[route.path] as? [String: Any])?[method] as? [String: Any], "\(name)")
                let references = (operation["parameters"] as? [[String: Any]] ?? []).compactMap { $0["$ref"] as? String }
                guard IdempotencyGuard.writeMethods.contains(route.method) else {
                    #expect(!references.contains(parameter), "\(name) ignores Idempotency-Key but documents it")
                    continue
                }
                // Inbound webhooks are deduplicated by the sender's message id instead (documented
                // as `x-idempotency: message-id`), and take no Idempotency-Key.
                if operation["x-idempotency"] as? String == "message-id" {
                    #expect(
                        !references.contains(parameter), "\(name) is deduplicated by message id but documents Idempotency-Key")
                    continue
                }
                writes += 1
                #expect(references.contains(parameter), "\(name) does not document the Idempotency-Key parameter")
                let responses = operation["responses"] as? [String: Any] ?? [:]
                for (status, code) in [("409", "idempotency_in_progress"), ("422", "idempotency_key_reused")] {
                    let response = responses[status] as? [String: Any] ?? [:]
                    let description = Self.description(of: response, in: document)
                    #expect(description?.contains(code) == true, "\(name) does not document \(status) `\(code)`")
                    #expect(
                        Self.resolved(response, in: document)?["content"] != nil,
                        "\(name): \(status) has no problem+json body")
                }
            }
            #expect(writes > 0)
        }
    }

    @Test("the document is OpenAPI 3.1 with unique operation ids and resolvable references")
    func wellFormed() throws {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        let document = try #require(object as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var operationIDs: [String] = []
        for case let item as [String: Any] in paths.values {
            for (key, operation) in item where Self.methods.contains(key) {
                let operation = try #require(operation as? [String: Any])
                operationIDs.append(try #require(operation["operationId"] as? String))
                #expect(operation["responses"] is [String: Any])
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count)
        // Every "$ref" points at something that exists.
        var references: [String] = []
        func collect(_ value: Any) {
            if let dictionary = value as? [String: Any] {
                if let reference = dictionary["$ref"] as? String { references.append(reference) }
                dictionary.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        for reference in references {
            let parts = reference.dropFirst(2).split(separator: "/").map(String.init)
            var node: Any? = document
            for part in parts { node = (node as? [String: Any])?[part] }
            #expect(node != nil, "unresolvable \(reference)")
        }
    }

    @Test("the document's permission, module, feature and limit names are exactly the server's")
    func catalogueEnums() throws {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        let schemas = try #require(((object as? [String: Any])?["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func names(_ schema: String) -> Set<String> {
            Set(((schemas[schema] as? [String: Any])?["enum"] as? [String]) ?? [])
        }
        #expect(names("Permission") == Set(PermissionCatalogue.all.map(\.rawValue)))
        #expect(names("ModuleID") == Set(ModuleRegistry.modules.map(\.id.rawValue)))
        #expect(names("FeatureName") == ModuleRegistry.featureNames)
        #expect(names("LimitName") == Set(Limit.allCases.map(\.rawValue)))
        let overrides = try #require((schemas["Overrides"] as? [String: Any])?["properties"] as? [String: Any])
        let switchable = ((overrides["modules"] as? [String: Any])?["propertyNames"] as? [String: Any])?["enum"] as? [String]
        #expect(Set(switchable ?? []) == Set(ModuleRegistry.modules.filter { !$0.alwaysOn }.map(\.id.rawValue)))
        for schema in ["Limits", "LimitsRequest"] {
            let limits = try #require((schemas[schema] as? [String: Any])?["properties"] as? [String: Any])
            #expect(Set(limits.keys) == Set(Limit.allCases.map(\.rawValue)), "\(schema)")
        }
        // Every role name the server parses matches the document's pattern, and a wrong one does not.
        let pattern = try #require((schemas["RoleReference"] as? [String: Any])?["pattern"] as? String)
        let expression = try Regex(pattern)
        for role in TenantRole.allCases.map(\.rawValue) + [RoleID.generate().description] {
            #expect(try RoleReference(role).description == role)
            #expect(role.wholeMatch(of: expression) != nil, "\(role)")
        }
        for wrong in ["", "Owner", "superuser"] {
            #expect(wrong.wholeMatch(of: expression) == nil)
            #expect(throws: TenantryError.self) { try RoleReference(wrong) }
        }
    }
}
