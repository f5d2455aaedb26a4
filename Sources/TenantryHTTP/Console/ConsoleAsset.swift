import CZlib
import Crypto
import HTTPTypes
import Hummingbird
import NIOCore
import TenantryCore

/// A static file of the consoles (the stylesheet, htmx), served with a long cache lifetime
/// under a URL that changes with its content, and gzip-compressed when the browser accepts it.
/// Only these files are compressed, once, at start: a page carries the CSRF token and echoes
/// what was typed into its forms, and compressing both together in one response is what the
/// BREACH attack reads secrets through (decision 0026).
struct ConsoleAsset: Sendable {
    let bytes: ByteBuffer
    /// The same bytes gzip-compressed; `nil` when that would not be smaller.
    let gzipped: ByteBuffer?
    let contentType: String
    let etag: String
    /// The URL pages link to: the path and the hash as `?v=`.
    let url: String

    init(_ bytes: [UInt8], path: String, contentType: String) {
        self.bytes = ByteBuffer(bytes: bytes)
        self.contentType = contentType
        let hash = FastFormatting.hex(SHA256.hash(data: bytes).prefix(6))
        self.etag = "\"\(hash)\""
        self.url = "\(path)?v=\(hash)"
        self.gzipped = Self.gzip(bytes).flatMap { $0.count < bytes.count ? ByteBuffer(bytes: $0) : nil }
    }

    func response(to request: Request) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        headers[.vary] = "Accept-Encoding"
        let body: ByteBuffer
        let tag: String
        if let gzipped, Self.acceptsGzip(request.headers[.acceptEncoding]) {
            // Another representation, so another entity tag.
            headers[.contentEncoding] = "gzip"
            body = gzipped
            tag = "\"\(etag.dropFirst().dropLast())-gzip\""
        } else {
            body = bytes
            tag = etag
        }
        headers[.eTag] = tag
        if request.headers[.ifNoneMatch] == tag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Whether an `Accept-Encoding` value lists `gzip` (or `*`) without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { continue }
            let refused = parts.dropFirst().contains { parameter in
                guard parameter.hasPrefix("q=") else { return false }
                return (Double(parameter.dropFirst(2)) ?? 1) == 0
            }
            if !refused { return true }
        }
        return false
    }

    /// `bytes` as one gzip member, at the best compression (done once per file); `nil` if zlib fails.
    static func gzip(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip wrapper around DEFLATE with a 32 KiB window.
        guard
            deflateInit2_(
                &stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        let status = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }
}
