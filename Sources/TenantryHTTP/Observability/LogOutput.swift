import Foundation
public import Logging
import Synchronization
import TenantryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the process writes its logs: one JSON object per line, or readable text. Both go to
/// standard output, one whole line per write, so concurrent requests never interleave.
public enum LogOutput {
    /// Installs the log handlers for the process. Call once, before anything logs.
    /// `metadataProvider` adds fields to every line (the current span's ids, with tracing on).
    public static func bootstrap(format: String, level: String, metadataProvider: Logger.MetadataProvider? = nil) {
        let useJSON: Bool
        switch format {
        case "json": useJSON = true
        case "text": useJSON = false
        default: useJSON = isatty(STDOUT_FILENO) == 0
        }
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = LineLogHandler(label: label, format: useJSON ? .json : .text)
                handler.logLevel = logLevel
                handler.metadataProvider = provider
                return handler
            }, metadataProvider: metadataProvider)
    }
}

/// Writes whole lines to standard output under a lock.
final class LineSink: Sendable {
    static let standardOutput = LineSink()
    private let lock = Mutex(())

    func write(_ line: String) {
        var line = line
        line.append("\n")
        lock.withLock { _ in
            line.withUTF8 { bytes in
                guard let base = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(STDOUT_FILENO, base + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}

/// Writes each event as one line to standard output, in one of two formats:
/// - `json`: one object per line: `ts`, `level`, `msg`, `logger`, then the metadata as fields;
/// - `text`: `time level logger: message key=value …`.
public struct LineLogHandler: LogHandler {
    /// The line format.
    public enum Format: Sendable {
        case json
        case text
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    /// Adds fields from the task's context (the current span's ids) to every line.
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format

    /// Creates a handler for a logger label.
    public init(label: String, format: Format) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = event.merged(with: metadata)
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            fields.merge(provided) { own, _ in own }
        }
        switch format {
        case .json:
            var line = "{\"ts\":\"\(Timestamp.now())\",\"level\":\"\(event.level.rawValue)\",\"msg\":"
            JSONString.append("\(event.message)", to: &line)
            line += ",\"logger\":"
            JSONString.append(label, to: &line)
            for key in fields.keys.sorted() where !["ts", "level", "msg", "logger"].contains(key) {
                line += ","
                JSONString.append(key, to: &line)
                line += ":"
                if let value = fields[key] { JSONText.append(value, to: &line) }
            }
            line += "}"
            LineSink.standardOutput.write(line)
        case .text:
            var line = "\(Timestamp.now()) \(event.level.rawValue) \(label): \(event.message)"
            for key in fields.keys.sorted() {
                if let value = fields[key] { line += " \(key)=\(value)" }
            }
            LineSink.standardOutput.write(line)
        }
    }
}

extension LogEvent {
    /// The handler's metadata overlaid with the event's own.
    func merged(with handlerMetadata: Logger.Metadata) -> Logger.Metadata {
        guard let own = metadata else { return handlerMetadata }
        return handlerMetadata.merging(own) { _, new in new }
    }
}

enum Timestamp {
    static func now() -> String {
        FastFormatting.timestamp(Date())
    }
}

enum JSONText {
    static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): JSONString.append(text, to: &line)
        case .stringConvertible(let convertible): JSONString.append(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                append(element, to: &line)
            }
            line += "]"
        case .dictionary(let dictionary):
            line += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                JSONString.append(key, to: &line)
                line += ":"
                if let element = dictionary[key] { append(element, to: &line) }
            }
            line += "}"
        }
    }
}
