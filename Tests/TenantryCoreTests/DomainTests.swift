import Foundation
import Testing

@testable import TenantryCore

@Suite("Domain values")
struct DomainTests {
    @Test("valid slugs are accepted", arguments: ["acme", "acme-corp", "a1b2c3", "abc", String(repeating: "a", count: 63)])
    func validSlugs(text: String) throws {
        #expect(try Slug(text).rawValue == text)
    }

    @Test(
        "invalid slugs are rejected with a field error",
        arguments: ["ab", "Acme", "-acme", "acme-", "ac--me", "1acme", "ac me", "ácme", String(repeating: "a", count: 64)])
    func invalidSlugs(text: String) {
        let error = #expect(throws: TenantryError.self) { try Slug(text) }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.first?.field == "slug")
    }

    @Test("a slug is derived from a display name")
    func derivedSlug() {
        #expect(Slug.derived(from: "Acme Corp.")?.rawValue == "acme-corp")
        #expect(Slug.derived(from: "  42 Things  ")?.rawValue == "things")
        #expect(Slug.derived(from: "!!") == nil)
    }

    @Test("lengths are counted in Unicode code points, as JSON Schema's maxLength counts them")
    func lengthsInCodePoints() throws {
        // 101 characters on screen, 202 code points (each "é" written as "e" and a combining accent).
        let combining = String(repeating: "e\u{301}", count: 101)
        #expect(combining.count == 101)
        let error = #expect(throws: TenantryError.self) { try Tenant.validatedName(combining) }
        #expect(error?.fieldErrors.first?.code == "too_long")
        #expect(try Tenant.validatedName(String(repeating: "e\u{301}", count: 100)).unicodeScalars.count == 200)
    }

    @Test("a derived slug drops accents instead of splitting the word")
    func derivedSlugFoldsAccents() {
        #expect(Slug.derived(from: "São João Ltda.")?.rawValue == "sao-joao-ltda")
        #expect(Slug.derived(from: "Açaí & Cia")?.rawValue == "acai-cia")
    }

    @Test("a name with nothing to derive a slug from gets a generated one")
    func generatedSlug() throws {
        let first = Slug.derivedOrGenerated(from: "東京")
        let second = Slug.derivedOrGenerated(from: "!!!")
        for slug in [first, second] {
            #expect(slug.rawValue.hasPrefix("tenant-"))
            #expect(slug.rawValue.count == 15)
            #expect(try Slug(slug.rawValue) == slug)
        }
        #expect(first != second)
        #expect(Slug.derivedOrGenerated(from: "Acme").rawValue == "acme")
    }

    @Test("email addresses are normalised and validated")
    func emails() throws {
        #expect(try EmailAddress(" Ada@Example.ORG ").rawValue == "ada@example.org")
        for bad in ["", "ada", "ada@", "@example.org", "ada@example", "a b@example.org", "ada@@example.org", "ada@.example.org"] {
            #expect(throws: TenantryError.self, "\(bad)") { try EmailAddress(bad) }
        }
    }

    @Test("tenant names are trimmed and bounded")
    func names() throws {
        #expect(try Tenant.validatedName("  Acme  ") == "Acme")
        #expect(throws: TenantryError.self) { try Tenant.validatedName("   ") }
        #expect(throws: TenantryError.self) { try Tenant.validatedName(String(repeating: "x", count: 201)) }
        #expect(throws: TenantryError.self) { try Tenant.validatedName("bad\u{0007}name") }
    }

    @Test("role ranks order owner above admin above member above viewer")
    func roles() {
        #expect(TenantRole.allCases.sorted() == [.viewer, .member, .admin, .owner])
        #expect(TenantRole.owner > .admin)
    }

    @Test("version 7 UUIDs carry their version and variant and strictly increase")
    func uuidVersion7() {
        let values = (0..<5000).map { _ in UUID.version7() }
        for value in values {
            let bytes = value.uuid
            #expect(bytes.6 >> 4 == 7)
            #expect(bytes.8 >> 6 == 0b10)
        }
        let texts = values.map { $0.uuidString }
        #expect(texts == texts.sorted())
        #expect(Set(texts).count == texts.count)
    }

    @Test("typed identifiers print lower-case and parse back")
    func identifiers() throws {
        let id = TenantID.generate()
        #expect(id.description == id.description.lowercased())
        #expect(TenantID(id.description) == id)
        #expect(TenantID("not-a-uuid") == nil)
        let encoded = try JSONEncoder().encode(id)
        #expect(try JSONDecoder().decode(TenantID.self, from: encoded) == id)
    }
}

@Suite("Pagination")
struct PaginationTests {
    @Test("a cursor round-trips and foreign cursors are rejected")
    func cursors() throws {
        let position = UUID.version7()
        let cursor = Cursor.encode(position)
        #expect(!cursor.contains("="))
        #expect(try PageRequest.parse(limit: nil, cursor: cursor).after == position)
        for bad in ["", "garbage", "djE6bm90LWEtdXVpZA", String(repeating: "A", count: 200)] {
            let error = #expect(throws: TenantryError.self) { try PageRequest.parse(limit: nil, cursor: bad) }
            #expect(error?.fieldErrors.first?.field == "cursor")
        }
    }

    @Test(
        "limit is 1 to 200, default 50",
        arguments: [("0", false), ("1", true), ("200", true), ("201", false), ("x", false), ("-5", false)])
    func limits(text: String, valid: Bool) throws {
        if valid {
            #expect(try PageRequest.parse(limit: text, cursor: nil).limit == Int(text))
        } else {
            #expect(throws: TenantryError.self) { try PageRequest.parse(limit: text, cursor: nil) }
        }
        #expect(try PageRequest.parse(limit: nil, cursor: nil).limit == 50)
    }

    @Test("a page of limit + 1 fetched items has a next cursor pointing at its last item")
    func pageFromFetched() {
        let ids = (0..<3).map { _ in UUID.version7() }
        let full = Page(fetched: ids, limit: 2) { $0 }
        #expect(full.items == Array(ids.prefix(2)))
        #expect(full.nextCursor.flatMap(Cursor.decode) == ids[1])
        let last = Page(fetched: Array(ids.prefix(2)), limit: 2) { $0 }
        #expect(last.nextCursor == nil)
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults apply when nothing is set")
    func defaults() throws {
        let configuration = try TenantryConfiguration.resolve(flags: .init(), environment: [:])
        #expect(configuration == TenantryConfiguration())
        #expect(configuration.databaseURL == "sqlite:.tenantry/tenantry.db")
        #expect(configuration.port == 8080)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.maxBodySize == 1_048_576)
    }

    @Test("flags win over the environment, which wins over defaults")
    func precedence() throws {
        var flags = TenantryConfiguration.Flags()
        flags.port = 9000
        let configuration = try TenantryConfiguration.resolve(
            flags: flags,
            environment: ["TENANTRY_PORT": "7000", "TENANTRY_HOST": "0.0.0.0", "TENANTRY_MIGRATE_ON_START": "false"]
        )
        #expect(configuration.port == 9000)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.migrateOnStart == false)
    }

    @Test("every bad value is reported at once, naming its variable")
    func badValues() {
        let error = #expect(throws: TenantryError.self) {
            try TenantryConfiguration.resolve(
                flags: .init(),
                environment: [
                    "TENANTRY_PORT": "99999", "TENANTRY_LOG_FORMAT": "xml", "TENANTRY_MAX_BODY_SIZE": "big",
                    "TENANTRY_SHUTDOWN_TIMEOUT": "-1", "TENANTRY_MIGRATE_ON_START": "maybe", "TENANTRY_LOG_LEVEL": "loud",
                    "TENANTRY_DATABASE_POOL_SIZE": "3",
                ]
            )
        }
        let fields = Set(error?.fieldErrors.map(\.field) ?? [])
        #expect(
            fields == [
                "TENANTRY_PORT", "TENANTRY_LOG_FORMAT", "TENANTRY_MAX_BODY_SIZE", "TENANTRY_SHUTDOWN_TIMEOUT",
                "TENANTRY_MIGRATE_ON_START", "TENANTRY_LOG_LEVEL", "TENANTRY_DATABASE_POOL_SIZE",
            ]
        )
    }

    @Test("TENANTRY_EVENT_RETENTION: 30 days by default, seconds from an hour to ten years, a bad value named")
    func eventRetention() throws {
        #expect(try TenantryConfiguration.resolve(flags: .init(), environment: [:]).eventRetention == 30 * 86_400)
        let week = try TenantryConfiguration.resolve(flags: .init(), environment: ["TENANTRY_EVENT_RETENTION": "604800"])
        #expect(week.eventRetention == 604_800)
        for (bad, code) in [("30d", "invalid_format"), ("59", "out_of_range"), ("400000000", "out_of_range")] {
            let error = #expect(throws: TenantryError.self) {
                try TenantryConfiguration.resolve(flags: .init(), environment: ["TENANTRY_EVENT_RETENTION": bad])
            }
            #expect(error?.fieldErrors.map(\.field) == ["TENANTRY_EVENT_RETENTION"], "\(bad)")
            #expect(error?.fieldErrors.map(\.code) == [code], "\(bad)")
        }
    }

    @Test(
        "tracing is off without OTEL_* variables, on with an OTLP endpoint or exporter, off when disabled; other exporters and protocols are named"
    )
    func tracingSwitch() throws {
        func tracing(_ environment: [String: String]) throws -> Bool {
            try TenantryConfiguration.resolve(flags: .init(), environment: environment).tracing
        }
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"]
        #expect(try !tracing([:]))
        #expect(try tracing(endpoint))
        #expect(try tracing(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"]))
        #expect(try tracing(["OTEL_TRACES_EXPORTER": "otlp"]))
        #expect(try !tracing(endpoint.merging(["OTEL_SDK_DISABLED": "true"]) { $1 }))
        #expect(try !tracing(endpoint.merging(["OTEL_TRACES_EXPORTER": "none"]) { $1 }))
        #expect(try tracing(endpoint.merging(["OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"]) { $1 }))
        for (variable, bad) in [
            ("OTEL_TRACES_EXPORTER", "zipkin"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"), ("OTEL_SDK_DISABLED", "maybe"),
        ] {
            let error = #expect(throws: TenantryError.self) {
                try TenantryConfiguration.resolve(flags: .init(), environment: [variable: bad])
            }
            #expect(error?.fieldErrors.map(\.field) == [variable], "\(bad)")
        }
    }

    @Test("TENANTRY_METRICS_ADDRESS and TENANTRY_METRICS_TOKEN: both off by default, each checked and named when bad")
    func metricsExposure() throws {
        let defaults = try TenantryConfiguration.resolve(flags: .init(), environment: [:])
        #expect(defaults.metricsAddress == nil)
        #expect(defaults.metricsToken == nil)
        for (text, host, port) in [
            ("0.0.0.0:9464", "0.0.0.0", 9464), ("[::1]:9464", "::1", 9464), ("localhost:0", "localhost", 0),
        ] {
            let configuration = try TenantryConfiguration.resolve(
                flags: .init(), environment: ["TENANTRY_METRICS_ADDRESS": text])
            #expect(configuration.metricsAddress == .init(host: host, port: port), "\(text)")
        }
        let token = String(repeating: "a1", count: 16)
        #expect(
            try TenantryConfiguration.resolve(flags: .init(), environment: ["TENANTRY_METRICS_TOKEN": token]).metricsToken
                == token)
        let refused: [(String, String, String)] = [
            ("TENANTRY_METRICS_ADDRESS", "9464", "invalid_format"),
            ("TENANTRY_METRICS_ADDRESS", "0.0.0.0:99999", "invalid_format"),
            ("TENANTRY_METRICS_ADDRESS", "::1:9464", "invalid_format"),
            ("TENANTRY_METRICS_ADDRESS", "127.0.0.1:8080", "conflict"),
            ("TENANTRY_METRICS_TOKEN", "short", "invalid_format"),
            ("TENANTRY_METRICS_TOKEN", token + " " + token, "invalid_format"),
        ]
        for (variable, bad, code) in refused {
            let error = #expect(throws: TenantryError.self) {
                try TenantryConfiguration.resolve(flags: .init(), environment: [variable: bad])
            }
            #expect(error?.fieldErrors.map(\.field) == [variable], "\(bad)")
            #expect(error?.fieldErrors.map(\.code) == [code], "\(bad)")
        }
    }
}

@Suite("Fast formatting")
struct FastFormattingTests {
    @Test("UUIDs render as Foundation's text, lower-cased")
    func uuids() {
        var samples = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))]
        samples.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        samples += (0..<500).map { _ in UUID() } + (0..<500).map { _ in UUID.version7() }
        for uuid in samples {
            #expect(FastFormatting.uuid(uuid) == uuid.uuidString.lowercased())
            #expect(UserID(uuid).description == uuid.uuidString.lowercased())
        }
    }

    @Test("timestamps match Foundation's ISO 8601 rendering, across eras and leap days")
    func timestamps() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
        var generator = SystemRandomNumberGenerator()
        var samples: [Double] = [0, 951_782_400.5, 1_709_164_800.999, -86_400.25, 4_102_444_799.001, 1_795_458_984.329]
        for _ in 0..<500 {
            samples.append(Double(Int64.random(in: -2_000_000_000_000...8_000_000_000_000, using: &generator)) / 1000)
        }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let fast = FastFormatting.timestamp(date), reference = date.formatted(style)
            // Same calendar fields to the second; the milliseconds may differ by one where the
            // binary double lies just below a whole millisecond.
            #expect(fast.prefix(20) == reference.prefix(20), "\(seconds)")
            let fastMillis = Int(fast.dropFirst(20).prefix(3)) ?? -9,
                referenceMillis = Int(reference.dropFirst(20).prefix(3)) ?? -9
            #expect(abs(fastMillis - referenceMillis) <= 1 || abs(fastMillis - referenceMillis) == 999, "\(seconds)")
        }
    }

    @Test("hex is lower-case, two digits a byte")
    func hex() {
        #expect(FastFormatting.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(FastFormatting.hex([]) == "")
    }

    @Test("decimals match String(format:) to the given digits")
    func decimals() {
        #expect(FastFormatting.decimal(12.3456, fractionDigits: 3) == "12.346")
        #expect(FastFormatting.decimal(7, fractionDigits: 3) == "7.000")
        #expect(FastFormatting.decimal(0.0004, fractionDigits: 3) == "0.000")
        #expect(FastFormatting.decimal(-0.5, fractionDigits: 3) == "-0.500")
        #expect(FastFormatting.decimal(2.5, fractionDigits: 0) == "3")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            // Values away from a rounding tie, where binary doubles may round either way.
            let value = (Double(Int.random(in: 0...100_000_000, using: &generator)) + 0.25) / 10_000
            #expect(FastFormatting.decimal(value, fractionDigits: 3) == String(format: "%.3f", value), "\(value)")
        }
    }

    @Test("TENANTRY_DNS_SERVER: the system resolver by default, an IP address with an optional port, anything else named")
    func dnsServer() throws {
        #expect(try TenantryConfiguration.resolve(flags: .init(), environment: [:]).dnsServer == nil)
        for good in ["192.0.2.53", "127.0.0.1:5353", "::1", "[::1]:53", "[2001:db8::53]:5353", "2001:db8::53"] {
            let configuration = try TenantryConfiguration.resolve(flags: .init(), environment: ["TENANTRY_DNS_SERVER": good])
            #expect(configuration.dnsServer == good)
        }
        for bad in ["dns.example.com", "127.0.0.1:0", "127.0.0.1:70000", "300.1.1.1", "[::1", "[::1]:", "1.2.3"] {
            let error = #expect(throws: TenantryError.self) {
                try TenantryConfiguration.resolve(flags: .init(), environment: ["TENANTRY_DNS_SERVER": bad])
            }
            #expect(error?.fieldErrors.map(\.field) == ["TENANTRY_DNS_SERVER"], "\(bad)")
        }
    }
}
