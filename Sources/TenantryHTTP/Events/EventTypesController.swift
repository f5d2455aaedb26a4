import Foundation
import Hummingbird
import TenantryCore

/// `GET /api/v1/event-types`: the catalogue of domain events (``EventCatalog``), public like
/// the OpenAPI document it belongs with. Encoded once, without the API's snake_case key
/// conversion: the schemas' own keywords (`additionalProperties`, `$schema`) must stay as
/// JSON Schema spells them.
struct EventTypesController: Sendable {
    struct EventTypeList: Encodable {
        let items: [EventCatalog.Entry]
    }

    /// The catalogue as sent.
    static let body: ByteBuffer = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(EventTypeList(items: EventCatalog.entries))) ?? Data(#"{"items":[]}"#.utf8)
        return ByteBuffer(bytes: data)
    }()

    /// Adds the route to the public group (limited per client IP).
    func register(on routes: RouterGroup<AppRequestContext>) {
        routes.get("/event-types") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: Self.body))
        }
    }
}
