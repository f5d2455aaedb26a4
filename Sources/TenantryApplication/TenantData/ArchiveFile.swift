internal import CZlib
import Foundation
import TenantryCore

/// Why an archive cannot be read: each refusal names what is wrong, for the validation report.
enum ArchiveDamage: Error {
    /// The bytes end before the archive does.
    case truncated
    /// The bytes are not a well-formed (optionally gzip-compressed) tar archive.
    case corrupt(String)
}

/// A file written in large chunks, optionally through gzip: what an export writes its archive
/// into. Memory stays at one buffer whatever the size.
final class ArchiveOutput {
    private let handle: FileHandle
    private var stream = z_stream()
    private let compressed: Bool
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)

    /// Creates (truncating) `url`; `compressed` writes gzip.
    init(creating url: URL, compressed: Bool) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TenantryError(
                .validationFailed, "The archive file cannot be created.",
                fieldErrors: [
                    FieldError(field: "output", code: "not_writable", message: "\(url.path) cannot be created.")
                ])
        }
        handle = try FileHandle(forWritingTo: url)
        self.compressed = compressed
        if compressed {
            // windowBits 15 + 16: a gzip wrapper around DEFLATE with a 32 KiB window; the fastest
            // level, since exports and backups are written far more often than they are moved.
            let status = deflateInit2_(
                &stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw TenantryError(.internalError, "zlib could not start compressing.") }
        }
    }

    deinit {
        if compressed { deflateEnd(&stream) }
        try? handle.close()
    }

    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard compressed else {
            try handle.write(contentsOf: bytes)
            return
        }
        try deflateAll(bytes, flush: Z_NO_FLUSH)
    }

    /// Appends bytes.
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the compressed stream (if any), flushes and closes the file.
    func finish() throws {
        if compressed { try deflateAll(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH) }
        try handle.synchronize()
        try handle.close()
    }

    private func deflateAll(_ bytes: UnsafeRawBufferPointer, flush: Int32) throws {
        let input = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.next_in = input
        stream.avail_in = uInt(bytes.count)
        let capacity = buffer.count
        while true {
            let (status, produced) = buffer.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(capacity)
                let status = deflate(&stream, flush)
                return (status, capacity - Int(stream.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw TenantryError(.internalError, "zlib failed while compressing.")
            }
            if produced > 0 {
                try buffer.withUnsafeBytes { try handle.write(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            if flush == Z_FINISH {
                if status == Z_STREAM_END { return }
            } else if stream.avail_in == 0 && produced < capacity {
                return
            }
        }
    }
}

/// A file read in large chunks, gunzipped when it starts with gzip's magic bytes: what an
/// import reads an archive from.
final class ArchiveInput {
    private let handle: FileHandle
    private var stream = z_stream()
    private var compressed = false
    private var ended = false
    private var raw: [UInt8] = []
    private var rawOffset = 0
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private let chunk = 256 * 1024

    /// Opens `url` for reading.
    init(opening url: URL) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw TenantryError(
                .validationFailed, "The archive file cannot be read.",
                fieldErrors: [
                    FieldError(field: "input", code: "not_readable", message: "\(url.path) cannot be read.")
                ])
        }
        self.handle = handle
        try fillRaw()
        if raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B {
            compressed = true
            // windowBits 15 + 32: accept a zlib or gzip header.
            let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw TenantryError(.internalError, "zlib could not start decompressing.") }
        }
    }

    deinit {
        if compressed { inflateEnd(&stream) }
        try? handle.close()
    }

    private func fillRaw() throws {
        let data = try handle.read(upToCount: chunk) ?? Data()
        raw = [UInt8](data)
        rawOffset = 0
    }

    /// Reads exactly `count` bytes, or throws ``ArchiveDamage/truncated``.
    func read(exactly count: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        while output.count < count {
            if pendingOffset == pending.count {
                try refill()
                if pending.isEmpty { throw ArchiveDamage.truncated }
            }
            let take = min(count - output.count, pending.count - pendingOffset)
            output.append(contentsOf: pending[pendingOffset..<(pendingOffset + take)])
            pendingOffset += take
        }
        return output
    }

    /// Reads `count` bytes in pieces, handing each to `body`.
    func read(_ count: Int, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        var remaining = count
        while remaining > 0 {
            if pendingOffset == pending.count {
                try refill()
                if pending.isEmpty { throw ArchiveDamage.truncated }
            }
            let take = min(remaining, pending.count - pendingOffset)
            try body(pending[pendingOffset..<(pendingOffset + take)])
            pendingOffset += take
            remaining -= take
        }
    }

    /// Next decompressed bytes into `pending`; empty at the end of the input.
    private func refill() throws {
        pending = []
        pendingOffset = 0
        if !compressed {
            if rawOffset == raw.count { try fillRaw() }
            pending = Array(raw[rawOffset...])
            rawOffset = raw.count
            return
        }
        if ended { return }
        var output = [UInt8](repeating: 0, count: chunk)
        while pending.isEmpty {
            if rawOffset == raw.count {
                try fillRaw()
                if raw.isEmpty { throw ArchiveDamage.truncated }
            }
            let available = raw.count - rawOffset
            let (status, consumed, produced) = raw.withUnsafeMutableBytes { input in
                output.withUnsafeMutableBytes { out -> (Int32, Int, Int) in
                    stream.next_in = input.baseAddress?.advanced(by: rawOffset).assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = uInt(available)
                    stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, available - Int(stream.avail_in), out.count - Int(stream.avail_out))
                }
            }
            rawOffset += consumed
            switch status {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: ended = true
            default: throw ArchiveDamage.corrupt("the gzip stream is damaged")
            }
            pending = Array(output[0..<produced])
            if ended { return }
        }
    }
}

/// The tar (ustar) framing of an archive: a 512-byte header per entry, the entry's bytes padded
/// to 512, and two zero blocks at the end.
enum TarFormat {
    static let block = 512

    /// The header of a regular file entry.
    static func header(name: String, size: Int, modified: Date) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: block)
        func put(_ text: String, at offset: Int, length: Int) {
            let bytes = Array(text.utf8.prefix(length))
            header.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, at: offset, length: length - 1)
        }
        put(name, at: 0, length: 100)
        octal(0o644, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(size, at: 124, length: 12)
        octal(max(0, Int(modified.timeIntervalSince1970)), at: 136, length: 12)
        put("        ", at: 148, length: 8)
        put("0", at: 156, length: 1)
        put("ustar\u{0}00", at: 257, length: 8)
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, length: 7)
        header[155] = UInt8(ascii: " ")
        return header
    }

    /// An entry's name and size, `nil` for the end-of-archive zero block.
    static func parse(_ header: [UInt8]) throws -> (name: String, size: Int)? {
        if header.allSatisfy({ $0 == 0 }) { return nil }
        func field(_ offset: Int, _ length: Int) -> String {
            let bytes = header[offset..<(offset + length)].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        func number(_ offset: Int, _ length: Int) -> Int? {
            Int(field(offset, length).trimmingCharacters(in: .whitespaces), radix: 8)
        }
        var expected = 0
        for (index, byte) in header.enumerated() { expected += (148..<156).contains(index) ? 32 : Int(byte) }
        guard let stored = number(148, 8), stored == expected else {
            throw ArchiveDamage.corrupt("a tar header's checksum does not match")
        }
        guard let size = number(124, 12) else { throw ArchiveDamage.corrupt("a tar header has no size") }
        return (field(0, 100), size)
    }

    /// Zero bytes that pad an entry of `size` bytes to a whole block.
    static func padding(_ size: Int) -> Int {
        (block - size % block) % block
    }
}
