public import TenantryCore

/// Where the data lives, parsed from a database URL.
///
/// Accepted forms:
/// - `sqlite:<path>`: a SQLite file; a relative path is relative to the working directory
///   (`sqlite:.tenantry/tenantry.db`), an absolute one starts with `/` (`sqlite:/var/lib/tenantry.db`).
/// - `sqlite://<path>`: the same; `sqlite:///var/lib/tenantry.db` is absolute,
///   `sqlite://data/tenantry.db` relative.
/// - `sqlite::memory:`: a private in-memory database, gone when the process ends.
/// - `postgres://user:password@host:port/database?sslmode=disable|prefer|require`
///   (also `postgresql://`); port defaults to 5432, `sslmode` to `prefer`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An embedded SQLite database.
    case sqlite(SQLiteStorage)
    /// A PostgreSQL server.
    case postgres(PostgresEndpoint)

    /// SQLite storage.
    public enum SQLiteStorage: Sendable, Equatable {
        /// A file at this path.
        case file(path: String)
        /// Private to one connection, in memory.
        case memory
    }

    /// How to reach a PostgreSQL server.
    public struct PostgresEndpoint: Sendable, Equatable {
        /// TLS use.
        public enum TLSMode: String, Sendable {
            case disable, prefer, require
        }

        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var tls: TLSMode

        /// Creates an endpoint.
        public init(host: String, port: Int, username: String, password: String?, database: String, tls: TLSMode) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
        }
    }

    /// Parses a database URL; throws `validation_failed` naming `setting` when it is malformed.
    public init(url text: String, setting: String = "TENANTRY_DATABASE_URL") throws(TenantryError) {
        func invalid(_ message: String) -> TenantryError {
            Validator.fail(setting, "invalid_database_url", message)
        }
        if text == "sqlite::memory:" {
            self = .sqlite(.memory)
            return
        }
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty, !path.contains("\0") else {
                throw invalid("A SQLite URL names a file: sqlite:<path> or sqlite::memory:.")
            }
            self = .sqlite(.file(path: path))
            return
        }
        let scheme: Substring
        if text.hasPrefix("postgres://") {
            scheme = "postgres://"
        } else if text.hasPrefix("postgresql://") {
            scheme = "postgresql://"
        } else {
            throw invalid("Use sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database.")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw invalid("A PostgreSQL URL names a user: postgres://user:password@host:port/database.")
        }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        let username: String
        var password: String?
        if let colon = credentials.firstIndex(of: ":") {
            username = Self.percentDecoded(credentials[..<colon])
            password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
        } else {
            username = Self.percentDecoded(credentials)
        }
        guard !username.isEmpty else { throw invalid("A PostgreSQL URL names a user.") }
        guard let slash = location.firstIndex(of: "/") else {
            throw invalid("A PostgreSQL URL names a database: postgres://user:password@host:port/database.")
        }
        let hostPort = location[..<slash]
        let database = Self.percentDecoded(location[location.index(after: slash)...])
        guard !database.isEmpty else { throw invalid("A PostgreSQL URL names a database.") }
        var host = String(hostPort)
        var port = 5432
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("Malformed IPv6 host.") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw invalid("The port is a number from 1 to 65535.")
                }
                port = value
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let value = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(value) else {
                throw invalid("The port is a number from 1 to 65535.")
            }
            port = value
        }
        guard !host.isEmpty else { throw invalid("A PostgreSQL URL names a host.") }
        var tls = PostgresEndpoint.TLSMode.prefer
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0] == "sslmode" {
                guard let mode = PostgresEndpoint.TLSMode(rawValue: String(parts[1])) else {
                    throw invalid("sslmode is disable, prefer or require.")
                }
                tls = mode
            }
        }
        self = .postgres(
            PostgresEndpoint(host: host, port: port, username: username, password: password, database: database, tls: tls)
        )
    }

    /// The engine this location uses.
    public var engine: DatabaseEngine {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// A description that never includes the password.
    public var description: String {
        switch self {
        case .sqlite(.memory): "sqlite::memory:"
        case .sqlite(.file(let path)): "sqlite:\(path)"
        case .postgres(let endpoint):
            "postgres://\(endpoint.username)@\(endpoint.host):\(endpoint.port)/\(endpoint.database)"
        }
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The two supported database engines.
public enum DatabaseEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}
