import Hummingbird
import TenantryApplication
import TenantryCore

extension RequestContext {
    /// The identifier in path parameter `name`; a missing or malformed one names nothing, so it
    /// throws `notFound` (the resource's 404).
    func identifier<Entity>(_ name: String, notFound: TenantryError) throws -> Identifier<Entity> {
        guard let id = parameters.get(name).flatMap(Identifier<Entity>.init) else { throw notFound }
        return id
    }
}
