import Foundation
public import Hummingbird
import NIOCore
import TenantryCore

extension Request {
    /// The one way a route reads a JSON body: checks the content type (415), reads at most the
    /// configured body size (413), and turns decoding failures into 400 `malformed_json` (not
    /// JSON at all) or 422 `validation_failed` with the offending field (JSON of the wrong shape).
    public func decodeJSON<Value: Decodable>(as type: Value.Type, context: AppRequestContext) async throws -> Value {
        guard let contentType = headers[.contentType], Self.isJSON(contentType) else {
            throw TenantryError(.unsupportedMediaType, "Send the body as application/json.")
        }
        var request = self
        let buffer = try await request.collectBody(within: context)
        let data = Data(buffer: buffer)
        do {
            return try context.requestDecoder.decode(Value.self, from: data)
        } catch DecodingError.dataCorrupted(let failure) where failure.codingPath.isEmpty {
            // Valid JSON that Foundation cannot read only when it escapes a lone surrogate.
            guard let repaired = LoneSurrogates.replaced(in: data) else {
                throw Self.problem(for: .dataCorrupted(failure))
            }
            do {
                return try context.requestDecoder.decode(Value.self, from: repaired)
            } catch let error as DecodingError {
                throw Self.problem(for: error)
            }
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }

    /// Reads the whole body, at most the configured body size (413 `payload_too_large` beyond
    /// it), and keeps it in the request so that it can be read again.
    mutating func collectBody(within context: AppRequestContext) async throws -> ByteBuffer {
        try await collectBody(limit: context.maxUploadSize)
    }

    /// Reads the whole body, at most `limit` bytes (413 `payload_too_large` beyond it, whether
    /// the body streams in or came whole), and keeps it in the request.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        let tooLarge = TenantryError(.payloadTooLarge, "The body is larger than \(limit) bytes.")
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        guard buffer.readableBytes <= limit else { throw tooLarge }
        return buffer
    }

    /// Reads a JSON body when the request has one (a content type or a length above zero), with
    /// the checks of ``decodeJSON(as:context:)``; `nil` for a request without a body.
    public func decodeJSONIfPresent<Value: Decodable>(as type: Value.Type, context: AppRequestContext) async throws
        -> Value?
    {
        guard headers[.contentType] != nil || (headers[.contentLength].flatMap(Int.init) ?? 0) > 0 else { return nil }
        return try await decodeJSON(as: type, context: context)
    }

    /// The `limit` and `cursor` query parameters of a list request (422 for bad ones).
    func pageRequest() throws -> PageRequest {
        let query = uri.queryParameters
        return try PageRequest.parse(limit: query["limit"].map(String.init), cursor: query["cursor"].map(String.init))
    }

    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1)[0]
            .trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// Decodes a request value from fields gathered elsewhere (a console form read as the API's
    /// JSON body), with the API's answers for a field of the wrong kind.
    static func decodeFields<Value: Decodable>(_ type: Value.Type, _ fields: [String: Any]) throws -> Value {
        let data = try JSONSerialization.data(withJSONObject: fields)
        do {
            return try JSONCoding.decoder.decode(Value.self, from: data)
        } catch let error as DecodingError {
            throw problem(for: error)
        }
    }

    private static func problem(for error: DecodingError) -> TenantryError {
        func path(_ codingPath: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (key.map { [$0] } ?? [])
            return keys.map { key in key.intValue.map(String.init) ?? snakeCase(key.stringValue) }
                .joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return TenantryError(.malformedJSON, "The body is not valid JSON.")
        case .dataCorrupted(let context):
            return Validator.fail(path(context.codingPath), "invalid_value", "The value is not valid here.")
        case .keyNotFound(let key, let context):
            return Validator.fail(path(context.codingPath, key), "required", "This field is required.")
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty {
                return TenantryError(.malformedJSON, "The body is not the JSON object this endpoint expects.")
            }
            return Validator.fail(path(context.codingPath), "invalid_type", "Expected \(describe(type)).")
        case .valueNotFound(let type, let context):
            return Validator.fail(path(context.codingPath), "required", "Expected \(describe(type)), found null.")
        @unknown default:
            return TenantryError(.malformedJSON, "The body could not be read.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default: "a value of another type"
        }
    }

    /// A camelCase key (as `convertFromSnakeCase` leaves it) back in snake_case.
    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}
