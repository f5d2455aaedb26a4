public import Foundation
import TenantryCore

/// The API's JSON conventions in one place: snake_case keys, ISO 8601 timestamps with
/// fractional seconds in UTC.
public enum JSONCoding {
    /// Encoder for response bodies: one shared instance (its settings never change, and
    /// encoding does not mutate it), since building one per response costs measurable time.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(FastFormatting.timestamp(date))
        }
        return encoder
    }()

    /// Decoder for request bodies.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = RFC3339.parse(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "Expected an RFC 3339 timestamp, e.g. 2026-01-31T00:00:00Z.")
            }
            return date
        }
        return decoder
    }
}
