public import Foundation

/// One tenant's data exports.
public protocol DataExportRepository: Sendable {
    /// Stores a new export.
    func create(_ export: DataExport) async throws
    /// The export with this id, if the tenant has it.
    func find(id: DataExportID) async throws -> DataExport?
    /// A page of the tenant's exports in id (creation) order; `channel` keeps those asked for
    /// through one API.
    func list(channel: DataExport.Channel?, page: PageRequest) async throws -> Page<DataExport>
    /// Saves the export's state (status, progress, archive, failure, times).
    func save(_ export: DataExport) async throws
}

/// Exports across tenants (platform scope), for the sweep that removes expired archives.
public protocol DataExportDirectory: Sendable {
    /// Up to `limit` exports whose archive expired by `now` and is still on record.
    func expired(at now: Date, limit: Int) async throws -> [DataExport]
}
