public import Hummingbird

/// `GET /openapi.json`: the API's OpenAPI 3.1 document, the embedded `openapi.json` byte for byte.
public struct OpenAPIController: Sendable {
    /// The document, in the buffer every response shares.
    private static let body = ByteBuffer(bytes: OpenAPIDocument.bytes)

    /// Creates the controller.
    public init() {}

    /// Adds the route.
    public func register(on router: Router<AppRequestContext>) {
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "public, max-age=300"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: Self.body))
        }
    }
}
