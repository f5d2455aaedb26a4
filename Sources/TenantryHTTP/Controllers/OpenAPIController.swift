public import Hummingbird

/// `GET /openapi.json`: the API's OpenAPI 3.1 document, served as written.
public struct OpenAPIController: Sendable {
    /// Creates the controller.
    public init() {}

    /// Adds the route.
    public func register(on router: Router<AppRequestContext>) {
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "public, max-age=300"
            let body = ByteBuffer(string: OpenAPIDocument.json)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
        }
    }
}
