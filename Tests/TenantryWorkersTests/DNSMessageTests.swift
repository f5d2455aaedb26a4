import Testing

@testable import TenantryDNS

/// The DNS message encoding and reading on their own, without a server: the query's bytes, the
/// checks that tell our answer from a stray one, and that no malformed answer traps or loops.
@Suite("DNS messages")
struct DNSMessageTests {
    static let name = try! DNSName(validating: "_tenantry.example.test")
    static let query = DNSQuery(id: 0xBEEF, name: name)

    /// A response header with `flags` (QR, RD, RA set by default) and the query's question.
    static func response(
        id: UInt16 = 0xBEEF, flags: UInt16 = 0x8180, answers: [[UInt8]] = [], answerCount: Int? = nil
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendUInt16(id)
        bytes.appendUInt16(flags)
        bytes.appendUInt16(1)
        bytes.appendUInt16(UInt16(answerCount ?? answers.count))
        bytes.appendUInt16(0)
        bytes.appendUInt16(0)
        bytes += name.wireFormat
        bytes.appendUInt16(16)
        bytes.appendUInt16(1)
        return bytes + answers.flatMap { $0 }
    }

    /// A resource record; `owner` defaults to a pointer to the question's name (offset 12).
    static func record(owner: [UInt8] = [0xC0, 12], type: UInt16 = 16, rdata: [UInt8], length: Int? = nil) -> [UInt8] {
        var bytes = owner
        bytes.appendUInt16(type)
        bytes.appendUInt16(1)
        bytes += [0, 0, 0, 60]
        bytes.appendUInt16(UInt16(length ?? rdata.count))
        return bytes + rdata
    }

    static func strings(_ strings: String...) -> [UInt8] {
        strings.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
    }

    static func wire(_ text: String) -> [UInt8] {
        DNSName(labels: text.split(separator: ".").map { Array($0.utf8) }).wireFormat
    }

    static func parse(_ message: [UInt8]) throws(DNSLookupError) -> DNSTXTAnswer {
        try DNSTXTAnswer(parsing: message, for: query)
    }

    // MARK: - Query

    @Test("the query: the id, RD set, one question for the name (lower case), type TXT, class IN, nothing else")
    func queryBytes() throws {
        let query = DNSQuery(id: 0x1234, name: try DNSName(validating: "_Tenantry.Example.test."))
        let expected: [UInt8] =
            [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
            + [9] + Array("_tenantry".utf8) + [7] + Array("example".utf8) + [4] + Array("test".utf8) + [0]
            + [0, 16, 0, 1]
        #expect(query.bytes == expected)
    }

    @Test("each query gets a random id")
    func randomIDs() {
        let ids = Set((0..<32).map { _ in DNSQuery(name: Self.name).id })
        #expect(ids.count > 16)
    }

    @Test("names: letters, digits, hyphen and underscore; labels of 1-63 octets; 253 octets at most")
    func nameValidation() {
        for valid in [
            "a", "example.test", "_tenantry-verification.example.com", "xn--bcher-kva.example", "0.example.",
            String(repeating: "a", count: 63),
        ] {
            #expect((try? DNSName(validating: valid)) != nil, "\(valid)")
        }
        for invalid in ["", ".", "a..b", String(repeating: "a", count: 64), "a b", "a@b", "ä.test", "a.b/c", "a\\.b"] {
            #expect(throws: DNSLookupError.invalidName, "\(invalid)") { try DNSName(validating: invalid) }
        }
    }

    // MARK: - Telling our answer from others

    @Test("an answer is ours only with our id, QR set, opcode 0, one question that is ours")
    func answerMatching() {
        #expect(Self.query.isAnswered(by: Self.response()))
        #expect(!Self.query.isAnswered(by: Self.response(id: 0xBEEE)))
        #expect(!Self.query.isAnswered(by: Self.response(flags: 0x0100)))  // a query, not a response
        #expect(!Self.query.isAnswered(by: Self.response(flags: 0x8980)))  // opcode 1
        #expect(!Self.query.isAnswered(by: []))
        #expect(!Self.query.isAnswered(by: Array(Self.response().prefix(11))))
        #expect(!Self.query.isAnswered(by: Array(Self.response().dropLast())))  // question cut short
        var otherName = Self.response()
        otherName[13] = UInt8(ascii: "x")
        #expect(!Self.query.isAnswered(by: otherName))
        var otherType = Self.response()
        otherType[otherType.count - 3] = 1  // A, not TXT
        #expect(!Self.query.isAnswered(by: otherType))
        var twoQuestions = Self.response()
        twoQuestions[5] = 2
        #expect(!Self.query.isAnswered(by: twoQuestions))
        var upperCase = Self.response()
        upperCase[14] = UInt8(ascii: "T")
        #expect(Self.query.isAnswered(by: upperCase))
    }

    // MARK: - Reading answers

    @Test("TXT records are read, their strings joined; other types skipped; flags and rcode kept")
    func readsRecords() throws {
        let answer = try Self.parse(
            Self.response(
                flags: 0x8383,
                answers: [
                    Self.record(rdata: Self.strings("v=1", " two")),
                    Self.record(type: 1, rdata: [127, 0, 0, 1]),
                    Self.record(rdata: []),
                    Self.record(rdata: Self.strings("", "x")),
                ]))
        #expect(answer.records == ["v=1 two", "", "x"])
        #expect(answer.rcode == 3)
        #expect(answer.isTruncated)
    }

    @Test("CNAME chains are followed within the answer; records of names outside the chain are left out")
    func followsCNAMEChains() throws {
        let a = Self.wire("a.example.test")
        let b = Self.wire("b.example.test")
        let answer = try Self.parse(
            Self.response(answers: [
                Self.record(type: 5, rdata: a),
                Self.record(owner: Self.wire("a.example.test"), type: 5, rdata: b),
                Self.record(owner: b, rdata: Self.strings("at b")),
                Self.record(owner: Self.wire("c.example.test"), rdata: Self.strings("at c")),
            ]))
        #expect(answer.records == ["at b"])
    }

    @Test("a CNAME loop in the answer ends; the records found on the way are kept")
    func cnameLoopEnds() throws {
        let a = Self.wire("a.example.test")
        let answer = try Self.parse(
            Self.response(answers: [
                Self.record(type: 5, rdata: a),
                Self.record(owner: a, type: 5, rdata: Self.name.wireFormat),
                Self.record(owner: a, rdata: Self.strings("at a")),
            ]))
        #expect(answer.records == ["at a"])
    }

    @Test("compression pointers backwards are followed, even in chains")
    func compressionPointers() throws {
        // Record 1 owner: "x" + pointer to the question's "example.test" (offset 12 + 10).
        var message = Self.response()
        let owner: [UInt8] = [1, UInt8(ascii: "x"), 0xC0, 22]
        let first = message.count
        message += Self.record(owner: owner, type: 5, rdata: [0xC0, 12])
        // Record 2 owner: a pointer to record 1's owner, itself ending in a pointer.
        message += Self.record(owner: [0xC0, UInt8(first)], rdata: Self.strings("via pointers"))
        message[7] = 2
        var reader = DNSMessageReader(message)
        reader.offset = first
        let owner1 = try reader.readName()
        #expect(owner1 == [Array("x".utf8), Array("example".utf8), Array("test".utf8)])
        #expect(reader.offset == first + 4)
        #expect(try Self.parse(message).records == [])  // x.example.test is not in the chain
    }

    @Test(
        "malformed answers throw .malformedResponse",
        arguments: [
            ("pointer to itself", DNSMessageTests.record(owner: [0xC0, 40], rdata: DNSMessageTests.strings("x"))),
            ("pointer forward", DNSMessageTests.record(owner: [0xC0, 60], rdata: DNSMessageTests.strings("x"))),
            ("pointer cut short", [0xC0]),
            ("label past the end", [5, 1, 2]),
            ("extended label type", DNSMessageTests.record(owner: [0x40, 0], rdata: [])),
            ("RDLENGTH past the end", DNSMessageTests.record(rdata: DNSMessageTests.strings("short"), length: 200)),
            ("string longer than its record", DNSMessageTests.record(rdata: [10, 1, 2, 3])),
            ("CNAME target past its RDATA", DNSMessageTests.record(type: 5, rdata: [3, 1, 2, 3, 0], length: 3)),
            ("CNAME RDATA longer than its name", DNSMessageTests.record(type: 5, rdata: [0xC0, 12, 0])),
            ("record cut short", Array(DNSMessageTests.record(rdata: DNSMessageTests.strings("x")).prefix(7))),
        ] as [(String, [UInt8])])
    func malformed(_ what: String, _ answer: [UInt8]) {
        #expect(throws: DNSLookupError.malformedResponse, "\(what)") { try Self.parse(Self.response(answers: [answer])) }
    }

    @Test("more answers announced than present, a header cut short: .malformedResponse")
    func countsAndHeaders() {
        #expect(throws: DNSLookupError.malformedResponse) {
            try Self.parse(Self.response(answers: [Self.record(rdata: Self.strings("x"))], answerCount: 5))
        }
        #expect(throws: DNSLookupError.malformedResponse) { try Self.parse(Array(Self.response().prefix(5))) }
    }

    @Test("a name longer than 255 octets, and a long pointer chain, are refused")
    func nameLimits() {
        // 130 labels of 1 octet: 261 octets.
        let long: [UInt8] = Array(repeating: [1, UInt8(ascii: "a")], count: 130).flatMap { $0 } + [0]
        var reader = DNSMessageReader(long)
        #expect(throws: DNSLookupError.malformedResponse) { try reader.readName() }
        // Pointers each to the one before, down to a root label at 0: 200 jumps, each backwards.
        var chain: [UInt8] = [0, 0]
        for step in 1...200 {
            let target = 2 * (step - 1)
            chain += [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)]
        }
        var chained = DNSMessageReader(chain)
        chained.offset = chain.count - 2
        #expect(throws: DNSLookupError.malformedResponse) { try chained.readName() }
    }

    @Test("no cut or corrupted answer traps or hangs: every prefix and 20,000 random corruptions")
    func corruptionNeverTraps() {
        let message = Self.response(answers: [
            Self.record(type: 5, rdata: Self.wire("a.example.test")),
            Self.record(owner: Self.wire("a.example.test"), rdata: Self.strings("one", "two")),
            Self.record(rdata: Self.strings(String(repeating: "z", count: 100))),
        ])
        for length in 0..<message.count {
            _ = try? Self.parse(Array(message.prefix(length)))
            _ = Self.query.isAnswered(by: Array(message.prefix(length)))
        }
        var generator = SplitMix64(seed: 0x7E4A_47E9)
        for _ in 0..<20_000 {
            var corrupted = message
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<corrupted.count, using: &generator)
                corrupted[index] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? Self.parse(corrupted)
        }
    }
}

/// A small seeded generator, so that the corruption test is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
