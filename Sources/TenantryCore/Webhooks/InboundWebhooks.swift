import Crypto
public import Foundation

/// A webhook source's identifier.
public typealias WebhookSourceID = Identifier<WebhookSource>

/// How a sender signs the webhooks a source receives.
public enum InboundScheme: Sendable, Equatable {
    /// Standard Webhooks (Svix and others): `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`; the secret is
    /// `whsec_` + base64.
    case standardWebhooks
    /// Stripe: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of t.body>` (several `v1`
    /// during Stripe's own rotation); the secret is Stripe's `whsec_…` text, used as it is.
    case stripe
    /// A plain HMAC of the body in a header the tenant names, hex or base64, optionally after
    /// `sha256=` / `sha512=` (as GitHub sends it). No timestamp; the message id comes from
    /// `idHeader` when given, else from the body's SHA-256.
    case hmac(HMACSettings)

    /// The settings of a plain HMAC scheme.
    public struct HMACSettings: Sendable, Equatable {
        /// SHA-256 or SHA-512.
        public enum Algorithm: String, Sendable {
            case sha256, sha512
        }
        /// How the signature is written.
        public enum Encoding: String, Sendable {
            case hex, base64
        }

        public var algorithm: Algorithm
        public var encoding: Encoding
        /// The header that carries the signature, lower-case.
        public var header: String
        /// The header that carries the sender's message id, lower-case, if it sends one.
        public var idHeader: String?

        /// Creates settings.
        public init(algorithm: Algorithm, encoding: Encoding, header: String, idHeader: String?) {
            self.algorithm = algorithm
            self.encoding = encoding
            self.header = header.lowercased()
            self.idHeader = idHeader?.lowercased()
        }
    }

    /// The scheme's stable name: `standard_webhooks`, `stripe`, `hmac_sha256` or `hmac_sha512`.
    public var name: String {
        switch self {
        case .standardWebhooks: "standard_webhooks"
        case .stripe: "stripe"
        case .hmac(let settings): "hmac_" + settings.algorithm.rawValue
        }
    }
}

/// Where tenants receive webhooks from other services: a scheme, a secret (kept sealed, with
/// the previous one during a rotation), and counters of what arrived.
public struct WebhookSource: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: WebhookSourceID
    /// A name for people.
    public var name: String
    public var scheme: InboundScheme
    /// Whether deliveries are accepted.
    public var enabled: Bool
    /// Verified deliveries stored, and deliveries refused, since the source was made.
    public var receivedTotal: Int
    public var rejectedTotal: Int
    public var lastReceivedAt: Date?
    public var lastRejectedAt: Date?
    /// The problem code of the last refusal.
    public var lastRejection: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, id: WebhookSourceID, name: String, scheme: InboundScheme, enabled: Bool, receivedTotal: Int = 0,
        rejectedTotal: Int = 0, lastReceivedAt: Date? = nil, lastRejectedAt: Date? = nil, lastRejection: String? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.scheme = scheme
        self.enabled = enabled
        self.receivedTotal = receivedTotal
        self.rejectedTotal = rejectedTotal
        self.lastReceivedAt = lastReceivedAt
        self.lastRejectedAt = lastRejectedAt
        self.lastRejection = lastRejection
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The largest body a source accepts: 256 KiB.
    public static let maximumBody = 256 * 1024
    /// How far a signed timestamp may be from the server's clock, either way: 5 minutes.
    public static let timestampTolerance: TimeInterval = 300
    /// How long a message id is remembered to answer duplicates without processing them twice.
    public static let deduplicationWindow: TimeInterval = 24 * 3600

    /// Validates a name: 1 to 100 characters, trimmed, no control characters.
    public static func validatedName(_ text: String, field: String = "name") throws(TenantryError) -> String {
        try StoredText.requiredName(text, field: field, maximum: 100, missing: "Give the source a name.")
    }

    /// Validates a header name given for a plain HMAC scheme: an HTTP token of 1 to 100
    /// characters.
    public static func validatedHeader(_ text: String, field: String) throws(TenantryError) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
        guard (1...100).contains(text.count), text.allSatisfy({ allowed.contains($0) }) else {
            throw Validator.fail(field, "invalid_format", "\(field) is an HTTP header name, e.g. X-Signature.")
        }
        return text.lowercased()
    }

    /// Validates a secret the tenant gives (one the sender made): for Standard Webhooks
    /// `whsec_` and base64 of 24 to 64 bytes, otherwise 16 to 256 printable characters.
    public static func validatedSecret(_ text: String, for scheme: InboundScheme, field: String = "secret")
        throws(TenantryError) -> String
    {
        switch scheme {
        case .standardWebhooks:
            guard WebhookSecret(text: text) != nil else {
                throw Validator.fail(
                    field, "invalid_format", "A Standard Webhooks secret is whsec_ and base64 of 24 to 64 bytes.")
            }
        case .stripe, .hmac:
            guard (16...256).contains(text.unicodeScalars.count),
                text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            else {
                throw Validator.fail(field, "invalid_format", "A secret is 16 to 256 printable characters without spaces.")
            }
        }
        return text
    }

    /// A new secret for a scheme whose sender takes one from us.
    public static func generatedSecret(for scheme: InboundScheme) -> String {
        switch scheme {
        case .standardWebhooks, .stripe: WebhookSecret.generate().text
        case .hmac: SecretToken.generate()
        }
    }
}

/// Why an inbound delivery was refused; each has a stable problem code.
public enum InboundRejection: Error, Sendable, Equatable {
    /// A header the scheme needs is missing or malformed.
    case missingSignature
    /// No signature matches any valid secret.
    case invalidSignature
    /// The signed timestamp is more than the tolerance away from now.
    case timestampOutOfRange

    /// The problem code: `invalid_webhook_signature` or `webhook_timestamp_out_of_range`.
    public var error: TenantryError {
        switch self {
        case .missingSignature:
            TenantryError(.invalidWebhookSignature, "The webhook carries no signature this source's scheme can read.")
        case .invalidSignature: TenantryError(.invalidWebhookSignature, "The webhook's signature does not match.")
        case .timestampOutOfRange:
            TenantryError(.webhookTimestampOutOfRange, "The webhook's signed timestamp is more than 5 minutes from now.")
        }
    }
}

/// Verifies an inbound webhook against its source's secrets, in constant time per comparison.
public enum InboundVerifier {
    /// What a verified delivery is known by.
    public struct Verified: Sendable, Equatable {
        /// The sender's message id (or the body's SHA-256 when the scheme has none): duplicates
        /// share it.
        public var messageID: String
        /// The signed time, when the scheme signs one.
        public var timestamp: Date?
    }

    /// Checks `body` with `headers` (names lower-case) against `secrets` (as given to the
    /// source); throws the reason for a refusal.
    public static func verify(
        scheme: InboundScheme, secrets: [String], headers: [String: String], body: [UInt8], now: Date
    ) throws(InboundRejection) -> Verified {
        switch scheme {
        case .standardWebhooks:
            guard let id = headers["webhook-id"], !id.isEmpty, let timestampText = headers["webhook-timestamp"],
                let timestamp = Int64(timestampText), let signature = headers["webhook-signature"]
            else { throw .missingSignature }
            try checkTolerance(timestamp, now: now)
            let keys = secrets.compactMap { WebhookSecret(text: $0) }
            guard WebhookSignature.verify(header: signature, id: id, timestamp: timestamp, body: body, secrets: keys) else {
                throw .invalidSignature
            }
            return Verified(messageID: id, timestamp: Date(timeIntervalSince1970: TimeInterval(timestamp)))
        case .stripe:
            guard let header = headers["stripe-signature"] else { throw .missingSignature }
            var timestamp: Int64?
            var signatures: [Data] = []
            for part in header.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                if pair[0] == "t" { timestamp = Int64(pair[1]) }
                if pair[0] == "v1", let bytes = Hex.decode(pair[1]) { signatures.append(bytes) }
            }
            guard let timestamp, !signatures.isEmpty else { throw .missingSignature }
            try checkTolerance(timestamp, now: now)
            var signed = Data("\(timestamp).".utf8)
            signed.append(contentsOf: body)
            guard matches(signatures, secrets: secrets, content: signed, algorithm: .sha256) else { throw .invalidSignature }
            return Verified(
                messageID: stripeEventID(body) ?? sha256Hex(body), timestamp: Date(timeIntervalSince1970: TimeInterval(timestamp))
            )
        case .hmac(let settings):
            guard var value = headers[settings.header]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw .missingSignature
            }
            let prefix = settings.algorithm.rawValue + "="
            if value.lowercased().hasPrefix(prefix) { value = String(value.dropFirst(prefix.count)) }
            let presented: Data? =
                switch settings.encoding {
                case .hex: Hex.decode(value)
                case .base64: Data(base64Encoded: value)
                }
            guard let presented else { throw .missingSignature }
            guard matches([presented], secrets: secrets, content: Data(body), algorithm: settings.algorithm) else {
                throw .invalidSignature
            }
            let id = settings.idHeader.flatMap { headers[$0] }.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            return Verified(messageID: id ?? sha256Hex(body), timestamp: nil)
        }
    }

    static func checkTolerance(_ timestamp: Int64, now: Date) throws(InboundRejection) {
        let signed = TimeInterval(timestamp)
        guard abs(now.timeIntervalSince1970 - signed) <= WebhookSource.timestampTolerance else {
            throw .timestampOutOfRange
        }
    }

    /// Whether any presented MAC is the MAC of `content` under any secret; every pair is
    /// compared (in constant time), so the time taken does not say which matched.
    static func matches(
        _ presented: [Data], secrets: [String], content: Data, algorithm: InboundScheme.HMACSettings.Algorithm
    ) -> Bool {
        var matched = false
        for secret in secrets {
            let key = SymmetricKey(data: Data(secret.utf8))
            switch algorithm {
            case .sha256:
                let expected = HMAC<SHA256>.authenticationCode(for: content, using: key)
                for mac in presented where expected == mac { matched = true }
            case .sha512:
                let expected = HMAC<SHA512>.authenticationCode(for: content, using: key)
                for mac in presented where expected == mac { matched = true }
            }
        }
        return matched
    }

    /// Stripe's event id (`"id": "evt_…"`) at the top of the body, if it is there.
    static func stripeEventID(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let id = object["id"] as? String, !id.isEmpty
        else { return nil }
        return String(id.prefix(200))
    }

    static func sha256Hex(_ body: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
    }
}

/// Hexadecimal text to bytes.
enum Hex {
    static func decode(_ text: String) -> Data? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var bytes = Data(capacity: digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }
}

extension InboundScheme {
    /// Reads a scheme back from its stored parts; `nil` for parts no scheme has.
    public init?(name: String, header: String?, encoding: String?, idHeader: String?) {
        switch name {
        case "standard_webhooks": self = .standardWebhooks
        case "stripe": self = .stripe
        case "hmac_sha256", "hmac_sha512":
            guard let header, let encoding = encoding.flatMap(HMACSettings.Encoding.init(rawValue:)),
                let algorithm = HMACSettings.Algorithm(rawValue: String(name.dropFirst("hmac_".count)))
            else { return nil }
            self = .hmac(HMACSettings(algorithm: algorithm, encoding: encoding, header: header, idHeader: idHeader))
        default: return nil
        }
    }

    /// The plain HMAC settings, when the scheme is one.
    public var hmacSettings: HMACSettings? {
        if case .hmac(let settings) = self { return settings }
        return nil
    }
}

/// A webhook receipt's identifier.
public typealias WebhookReceiptID = Identifier<WebhookReceipt>

/// A verified inbound delivery, as stored and listed in its source's log.
public struct WebhookReceipt: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: WebhookReceiptID
    public var sourceID: WebhookSourceID
    /// The sender's message id (or the body's SHA-256): a second delivery with it is a duplicate.
    public var messageID: String
    /// The body's `type` when it is JSON with one (Stripe's `invoice.paid`, …).
    public var eventType: String?
    /// The body as received: UTF-8 text, or base64 when it is not valid UTF-8 or holds NUL.
    public var body: String
    /// Whether ``body`` is base64.
    public var bodyIsBase64: Bool
    public var receivedAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, id: WebhookReceiptID, sourceID: WebhookSourceID, messageID: String, eventType: String?,
        body: String, bodyIsBase64: Bool, receivedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.sourceID = sourceID
        self.messageID = messageID
        self.eventType = eventType
        self.body = body
        self.bodyIsBase64 = bodyIsBase64
        self.receivedAt = receivedAt
    }

    /// A receipt of `body`: kept as text when it is UTF-8 without NUL, else as base64, so no
    /// byte accepted is lost.
    public static func make(
        tenantID: TenantID, sourceID: WebhookSourceID, messageID: String, body: [UInt8], at now: Date
    ) -> WebhookReceipt {
        var text: String? = String(validating: body, as: UTF8.self)
        if text?.utf8.contains(0) == true { text = nil }
        var eventType: String?
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let type = object["type"] as? String, !type.isEmpty, !StoredText.hasControlCharacter(type)
        {
            eventType = String(type.prefix(200))
        }
        return WebhookReceipt(
            tenantID: tenantID, id: .generate(), sourceID: sourceID, messageID: messageID, eventType: eventType,
            body: text ?? Data(body).base64EncodedString(), bodyIsBase64: text == nil, receivedAt: now)
    }
}
