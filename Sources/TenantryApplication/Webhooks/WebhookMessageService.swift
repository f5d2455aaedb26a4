public import Foundation
public import TenantryCore

/// The delivery log and its recovery: list a tenant's messages and their attempts, send one
/// message again, send again every failed message of an endpoint since a time, send a test
/// message, and an endpoint's delivery figures. Sending again gives a message a fresh schedule
/// (its attempt count starts over; its earlier attempts stay in the log) and the same
/// `webhook-id`, so a receiver that already processed it can tell.
public struct WebhookMessageService: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the use case.
    public init(database: any DataStore) {
        self.database = database
    }

    /// The answer for an id the tenant has no message by.
    public static let noSuchMessage = TenantryError(.notFound, "No such webhook message.")
    /// The answer for sending to an endpoint that is disabled.
    public static let endpointDisabled = TenantryError(
        .conflict, "The webhook endpoint is disabled: enable it first, then send again.")

    public func list(_ access: TenantAccess, filter: WebhookMessageFilter, page: PageRequest) async throws
        -> Page<WebhookMessage>
    {
        try await database.withTenant(access.tenantID) { scope in try await scope.webhookMessages.list(filter, page: page) }
    }

    public func get(_ access: TenantAccess, id: WebhookMessageID) async throws -> WebhookMessage {
        let found = try await database.withTenant(access.tenantID) { scope in try await scope.webhookMessages.find(id: id) }
        guard let found else { throw Self.noSuchMessage }
        return found
    }

    /// A message's attempts, oldest first.
    public func attempts(_ access: TenantAccess, id: WebhookMessageID, page: PageRequest) async throws
        -> Page<WebhookAttempt>
    {
        try await database.withTenant(access.tenantID) { scope in
            guard try await scope.webhookMessages.find(id: id) != nil else { throw Self.noSuchMessage }
            return try await scope.webhookMessages.attempts(of: id, page: page)
        }
    }

    /// Sends one message again, now.
    public func resend(_ access: TenantAccess, id: WebhookMessageID, now: Date = Date()) async throws -> WebhookMessage {
        try await database.withTenant(access.tenantID) { scope in
            guard let message = try await scope.webhookMessages.find(id: id) else { throw Self.noSuchMessage }
            try await Self.requireEnabled(message.endpointID, in: scope)
            _ = try await scope.webhookMessages.requeue(id: id, at: now)
            guard let requeued = try await scope.webhookMessages.find(id: id) else { throw Self.noSuchMessage }
            return requeued
        }
    }

    /// Sends again every failed message of an endpoint made at or after `since`; returns how
    /// many. `since` is validated once the endpoint is known to be the tenant's, so another
    /// tenant's endpoint id is 404 whatever the body.
    public func recover(
        _ access: TenantAccess, endpointID: WebhookEndpointID, since: @Sendable () throws -> Date, now: Date = Date()
    ) async throws -> Int {
        try await database.withTenant(access.tenantID) { scope in
            try await Self.requireEnabled(endpointID, in: scope)
            return try await scope.webhookMessages.requeueFailed(endpointID: endpointID, since: try since(), at: now)
        }
    }

    /// Makes a `webhook.test` message for one endpoint, due now.
    public func sendTest(_ access: TenantAccess, endpointID: WebhookEndpointID, now: Date = Date()) async throws
        -> WebhookMessage
    {
        try await database.withTenant(access.tenantID) { scope in
            try await Self.requireEnabled(endpointID, in: scope)
            let event = RecordedEvent(
                id: .generate(), tenantID: access.tenantID, type: .webhookTest, version: EventType.webhookTest.version,
                occurredAt: now,
                payload: try DomainEvent(
                    tenantID: access.tenantID, type: .webhookTest, occurredAt: now, actor: access.actor,
                    target: WebhookEndpointService.target(endpointID), origin: .none
                ).payloadJSON(), consumedAt: now)
            let message = WebhookMessage.make(for: event, to: endpointID, at: now)
            try await scope.webhookMessages.insert(message)
            return message
        }
    }

    /// An endpoint's delivery figures.
    public func statistics(_ access: TenantAccess, endpointID: WebhookEndpointID) async throws
        -> WebhookEndpointStatistics
    {
        try await database.withTenant(access.tenantID) { scope in
            guard try await scope.webhookEndpoints.find(id: endpointID) != nil else {
                throw WebhookEndpointService.noSuchEndpoint
            }
            return try await scope.webhookMessages.statistics(endpointID: endpointID)
        }
    }

    private static func requireEnabled(_ id: WebhookEndpointID, in scope: any TenantTransaction) async throws {
        guard let endpoint = try await scope.webhookEndpoints.find(id: id) else { throw WebhookEndpointService.noSuchEndpoint }
        guard endpoint.enabled else { throw endpointDisabled }
    }
}
