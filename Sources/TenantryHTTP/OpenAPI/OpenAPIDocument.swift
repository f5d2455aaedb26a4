/// The API's OpenAPI 3.1 description: the file `Sources/TenantryHTTP/OpenAPI/openapi.json`
/// (also reachable as `openapi.json` at the repository root), embedded in the binary at build
/// time and served at `GET /openapi.json` byte for byte.
///
/// The file is written by hand; `scripts/format-openapi` keeps its layout canonical and
/// `scripts/generate-client` turns it into the `TenantryClient` library. Tests keep it
/// identical to the registered routes, their `x-permission` and `x-platform-role`, and valid
/// OpenAPI 3.1.
public enum OpenAPIDocument {
    /// The file's bytes, exactly as written (UTF-8 JSON).
    public static let bytes: [UInt8] = PackageResources.openapi_json

    /// The file's text.
    public static let json: String = String(decoding: bytes, as: UTF8.self)
}
