// The parts of RFC 1035 messages that a TXT lookup needs: the query it sends and the reading of
// the answer. Pure values, tested without a server; every read is bounds-checked and a broken
// message throws DNSLookupError.malformedResponse, never traps or loops.

/// Record types and classes used here (RFC 1035 §3.2.2, §3.2.4).
enum DNSRecordType {
    static let cname: UInt16 = 5
    static let txt: UInt16 = 16
    static let classIN: UInt16 = 1
}

/// A validated name to look up, as lower-case labels (DNS compares names without regard to
/// ASCII case).
struct DNSName: Sendable, Hashable {
    /// The labels, lower-cased, without the empty root label.
    let labels: [[UInt8]]

    /// Accepts ASCII letters, digits, `-` and `_` in labels of 1 to 63 octets, at most 253 octets
    /// in all (one trailing dot, naming the root, is allowed and not counted).
    init(validating text: String) throws(DNSLookupError) {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count <= 253 else { throw .invalidName }
        var labels: [[UInt8]] = []
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.allSatisfy(Self.isAllowed) else { throw .invalidName }
            labels.append(label.map(Self.lowercased))
        }
        self.labels = labels
    }

    init(labels: [[UInt8]]) {
        self.labels = labels
    }

    /// The name in wire format: each label after its length, then the root's zero octet.
    var wireFormat: [UInt8] {
        var bytes: [UInt8] = []
        for label in labels {
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
        return bytes
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}

/// A TXT query for one name: header (random id, RD set, one question) and question.
struct DNSQuery: Sendable, Hashable {
    let id: UInt16
    let name: DNSName

    init(id: UInt16 = UInt16.random(in: .min ... .max), name: DNSName) {
        self.id = id
        self.name = name
    }

    /// The message as sent over UDP (over TCP it follows a two-octet length).
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12 + 255 + 4)
        bytes.appendUInt16(id)
        bytes.appendUInt16(0x0100)  // QR=0 query, OPCODE=0, RD=1
        bytes.appendUInt16(1)  // QDCOUNT
        bytes.appendUInt16(0)  // ANCOUNT
        bytes.appendUInt16(0)  // NSCOUNT
        bytes.appendUInt16(0)  // ARCOUNT
        bytes.append(contentsOf: name.wireFormat)
        bytes.appendUInt16(DNSRecordType.txt)
        bytes.appendUInt16(DNSRecordType.classIN)
        return bytes
    }

    /// Whether `message` is a response to this query: long enough for a header, the same id,
    /// QR set, a standard query, exactly one question that is ours (name compared without
    /// regard to case, type TXT, class IN). Anything else, including a message too broken to
    /// tell, is not ours and is ignored by the caller, so that a forged or stray datagram
    /// cannot end a lookup.
    func isAnswered(by message: [UInt8]) -> Bool {
        var reader = DNSMessageReader(message)
        guard let header = try? reader.readHeader(), header.id == id, header.isResponse, header.opcode == 0,
            header.questionCount == 1,
            let questionName = try? reader.readName(), questionName == name.labels,
            let type = try? reader.readUInt16(), type == DNSRecordType.txt,
            let recordClass = try? reader.readUInt16(), recordClass == DNSRecordType.classIN
        else { return false }
        return true
    }
}

/// The fixed 12-octet header (RFC 1035 §4.1.1).
struct DNSHeader: Sendable, Hashable {
    var id: UInt16
    var flags: UInt16
    var questionCount: UInt16
    var answerCount: UInt16
    var authorityCount: UInt16
    var additionalCount: UInt16

    var isResponse: Bool { flags & 0x8000 != 0 }
    var opcode: UInt8 { UInt8((flags >> 11) & 0x0F) }
    var isTruncated: Bool { flags & 0x0200 != 0 }
    var rcode: UInt8 { UInt8(flags & 0x000F) }
}

/// What the answer to a TXT query says.
struct DNSTXTAnswer: Sendable, Hashable {
    /// NOERROR (0), NXDOMAIN (3) or a failure code.
    var rcode: UInt8
    /// TC: the answer did not fit in a UDP message; ask again over TCP.
    var isTruncated: Bool
    /// The TXT records owned by the queried name or by a name it is a CNAME of (directly or
    /// through a chain of CNAMEs in the same answer), each record's strings joined, in answer
    /// order. Records of other types, classes and owners are left out.
    var records: [String]

    /// The most CNAMEs followed from the queried name: more means a loop or an abuse.
    static let maximumAliases = 16

    /// Reads a response that ``DNSQuery/isAnswered(by:)`` accepted for `query`.
    init(parsing message: [UInt8], for query: DNSQuery) throws(DNSLookupError) {
        var reader = DNSMessageReader(message)
        let header = try reader.readHeader()
        rcode = header.rcode
        isTruncated = header.isTruncated
        for _ in 0..<header.questionCount {
            _ = try reader.readName()
            try reader.skip(4)
        }
        var aliases: [(owner: [[UInt8]], target: [[UInt8]])] = []
        var texts: [(owner: [[UInt8]], text: String)] = []
        for _ in 0..<header.answerCount {
            let owner = try reader.readName()
            let type = try reader.readUInt16()
            let recordClass = try reader.readUInt16()
            try reader.skip(4)  // TTL
            let length = Int(try reader.readUInt16())
            let dataStart = reader.offset
            let dataEnd = dataStart + length
            guard dataEnd <= message.count else { throw .malformedResponse }
            if recordClass == DNSRecordType.classIN {
                switch type {
                case DNSRecordType.txt:
                    let text = try Self.readText(message[dataStart..<dataEnd])
                    texts.append((owner, text))
                case DNSRecordType.cname:
                    let target = try reader.readName()
                    guard reader.offset == dataEnd else { throw .malformedResponse }
                    aliases.append((owner, target))
                default:
                    break
                }
            }
            reader.offset = dataEnd
        }
        // Follow the CNAME chain from the queried name within this answer, so that a record a
        // server added for some other name is never taken as the queried name's.
        var owners: Set<[[UInt8]]> = [query.name.labels]
        var current = query.name.labels
        for _ in 0..<Self.maximumAliases {
            guard let alias = aliases.first(where: { $0.owner == current }), !owners.contains(alias.target) else { break }
            owners.insert(alias.target)
            current = alias.target
        }
        records = texts.filter { owners.contains($0.owner) }.map(\.text)
    }

    /// TXT RDATA: one or more character-strings, each a length octet and that many octets,
    /// filling the RDATA exactly; joined into one string (RFC 7208 §3.3 reads them so).
    static func readText(_ data: ArraySlice<UInt8>) throws(DNSLookupError) -> String {
        var joined: [UInt8] = []
        joined.reserveCapacity(data.count)
        var index = data.startIndex
        while index < data.endIndex {
            let length = Int(data[index])
            let start = index + 1
            guard start + length <= data.endIndex else { throw .malformedResponse }
            joined.append(contentsOf: data[start..<(start + length)])
            index = start + length
        }
        return String(decoding: joined, as: UTF8.self)
    }
}

/// A cursor over a received message; every read checks the bounds.
struct DNSMessageReader {
    let message: [UInt8]
    var offset = 0

    /// The most compression pointers followed in one name. A name has at most 127 labels, so a
    /// legitimate message never needs more; the strictly-backwards rule below already rules out
    /// loops, this bounds the work.
    static let maximumPointers = 127

    init(_ message: [UInt8]) {
        self.message = message
    }

    mutating func readUInt8() throws(DNSLookupError) -> UInt8 {
        guard offset < message.count else { throw .malformedResponse }
        defer { offset += 1 }
        return message[offset]
    }

    mutating func readUInt16() throws(DNSLookupError) -> UInt16 {
        guard offset + 2 <= message.count else { throw .malformedResponse }
        defer { offset += 2 }
        return UInt16(message[offset]) << 8 | UInt16(message[offset + 1])
    }

    mutating func skip(_ count: Int) throws(DNSLookupError) {
        guard offset + count <= message.count else { throw .malformedResponse }
        offset += count
    }

    mutating func readHeader() throws(DNSLookupError) -> DNSHeader {
        try DNSHeader(
            id: readUInt16(), flags: readUInt16(), questionCount: readUInt16(), answerCount: readUInt16(),
            authorityCount: readUInt16(), additionalCount: readUInt16())
    }

    /// Reads a possibly compressed name (RFC 1035 §4.1.4) as lower-cased labels and moves past
    /// it. Each pointer must point strictly before the place the previous jump landed (or the
    /// name's start), so jumps cannot loop; a name may not exceed 255 octets; label types other
    /// than plain (00) and pointer (11) are refused.
    mutating func readName() throws(DNSLookupError) -> [[UInt8]] {
        var labels: [[UInt8]] = []
        var position = offset
        var lowestJumpTarget = offset
        var endOfName: Int?
        var pointers = 0
        var wireLength = 0
        while true {
            guard position < message.count else { throw .malformedResponse }
            let length = message[position]
            switch length & 0xC0 {
            case 0x00:
                wireLength += 1 + Int(length)
                guard wireLength <= 255 else { throw .malformedResponse }
                if length == 0 {
                    offset = endOfName ?? position + 1
                    return labels
                }
                let start = position + 1
                let end = start + Int(length)
                guard end <= message.count else { throw .malformedResponse }
                labels.append(message[start..<end].map(DNSName.lowercased))
                position = end
            case 0xC0:
                guard position + 1 < message.count else { throw .malformedResponse }
                let target = Int(length & 0x3F) << 8 | Int(message[position + 1])
                pointers += 1
                guard target < lowestJumpTarget, pointers <= Self.maximumPointers else { throw .malformedResponse }
                if endOfName == nil { endOfName = position + 2 }
                lowestJumpTarget = target
                position = target
            default:
                throw .malformedResponse
            }
        }
    }
}

extension [UInt8] {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
}
