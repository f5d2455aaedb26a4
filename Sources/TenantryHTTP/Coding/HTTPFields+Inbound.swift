import HTTPTypes

extension HTTPFields {
    /// Each header's first value by its lower-case name: how inbound webhook verification
    /// (``InboundVerifier``) reads a delivery's headers.
    var firstValuesByLowercasedName: [String: String] {
        var headers: [String: String] = [:]
        for field in self where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        return headers
    }
}
