extension OpenAPIDocument {
    /// `/api/v1/audit-events*`.
    static let audit = #"""
        {
          "paths": {
            "/api/v1/audit-events": {
              "get": {
                "operationId": "listAuditEvents",
                "summary": "The tenant's audit log, oldest first, filtered.",
                "description": "Every condition given must hold. Each event carries its place in the tenant's hash chain (`sequence`, `previous_hash`, `hash`, `chain_version`; see decision 0013); events written before chaining began have none. Bad filter, `limit` or `cursor` values answer 422 `validation_failed` with `errors[]` naming each parameter.",
                "tags": ["audit"],
                "x-permission": "audit:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [
                  { "$ref": "#/components/parameters/Limit" },
                  { "$ref": "#/components/parameters/Cursor" },
                  { "$ref": "#/components/parameters/AuditActorType" },
                  { "$ref": "#/components/parameters/AuditActorID" },
                  { "$ref": "#/components/parameters/AuditAction" },
                  { "$ref": "#/components/parameters/AuditTargetType" },
                  { "$ref": "#/components/parameters/AuditTargetID" },
                  { "$ref": "#/components/parameters/AuditFrom" },
                  { "$ref": "#/components/parameters/AuditTo" }
                ],
                "responses": {
                  "200": { "description": "One page of events.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AuditEventPage" } } } },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: a query parameter has a value the endpoint cannot use; `errors[]` names each one (`field` is the parameter)." },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" }
                }
              }
            },
            "/api/v1/audit-events/export": {
              "get": {
                "operationId": "exportAuditEvents",
                "summary": "Export the tenant's audit log as CSV or JSON Lines, streamed.",
                "description": "The same filters as the list, every matching event oldest first, streamed in batches (the whole result is never held in memory). CSV follows RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line break quoted and quotes doubled; `changes` is the stored JSON text. JSON Lines has one `AuditEvent` object per line. A failure after the response has started ends the transfer early (an incomplete chunked body).",
                "tags": ["audit"],
                "x-permission": "audit:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [
                  { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["csv", "jsonl"], "default": "jsonl" } },
                  { "$ref": "#/components/parameters/AuditActorType" },
                  { "$ref": "#/components/parameters/AuditActorID" },
                  { "$ref": "#/components/parameters/AuditAction" },
                  { "$ref": "#/components/parameters/AuditTargetType" },
                  { "$ref": "#/components/parameters/AuditTargetID" },
                  { "$ref": "#/components/parameters/AuditFrom" },
                  { "$ref": "#/components/parameters/AuditTo" }
                ],
                "responses": {
                  "200": {
                    "description": "The events. `Content-Disposition: attachment; filename=\"audit-events-<tenant id>.<format>\"`.",
                    "headers": { "Content-Disposition": { "schema": { "type": "string" } } },
                    "content": {
                      "text/csv": { "schema": { "type": "string", "description": "Columns: tenant_id, id, sequence, occurred_at, actor_type, actor_id, action, target_type, target_id, ip, user_agent, request_id, changes, previous_hash, hash, chain_version." } },
                      "application/jsonl": { "schema": { "$ref": "#/components/schemas/AuditEvent" } }
                    }
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: a query parameter has a value the endpoint cannot use; `errors[]` names each one (`field` is the parameter)." },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" }
                }
              }
            }
          },
          "components": {
            "parameters": {
              "AuditActorType": { "name": "actor_type", "in": "query", "schema": { "type": "string", "enum": ["user", "api_key", "operator", "system"] }, "description": "Only events by this kind of principal." },
              "AuditActorID": { "name": "actor_id", "in": "query", "schema": { "type": "string", "minLength": 1, "maxLength": 200 }, "description": "Only events by the principal with this id (a user's or API key's id)." },
              "AuditAction": { "name": "action", "in": "query", "schema": { "type": "string", "minLength": 1, "maxLength": 200 }, "description": "Only events with this action, e.g. `membership.created`." },
              "AuditTargetType": { "name": "target_type", "in": "query", "schema": { "type": "string", "minLength": 1, "maxLength": 200 }, "description": "Only events about this kind of resource, e.g. `membership`." },
              "AuditTargetID": { "name": "target_id", "in": "query", "schema": { "type": "string", "minLength": 1, "maxLength": 200 }, "description": "Only events about the resource with this id." },
              "AuditFrom": { "name": "from", "in": "query", "schema": { "type": "string", "format": "date-time" }, "description": "RFC 3339; only events that occurred at or after this instant." },
              "AuditTo": { "name": "to", "in": "query", "schema": { "type": "string", "format": "date-time" }, "description": "RFC 3339; only events that occurred before this instant (after `from`)." }
            },
            "schemas": {
              "AuditEvent": {
                "type": "object",
                "required": ["id", "tenant_id", "occurred_at", "actor", "action", "changes"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "tenant_id": { "type": "string", "format": "uuid" },
                  "occurred_at": { "type": "string", "format": "date-time", "description": "Stored at whole milliseconds." },
                  "actor": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {
                      "type": { "type": "string", "examples": ["user", "api_key", "operator", "system"] },
                      "id": { "type": "string", "description": "Absent for the system." }
                    }
                  },
                  "action": { "type": "string", "examples": ["membership.created"] },
                  "target": {
                    "type": "object",
                    "required": ["type", "id"],
                    "properties": { "type": { "type": "string" }, "id": { "type": "string" } }
                  },
                  "ip": { "type": "string" },
                  "user_agent": { "type": "string" },
                  "request_id": { "type": "string" },
                  "changes": {
                    "type": "object",
                    "description": "The changed fields by name, each with its value before and after as text (absent when there was none).",
                    "additionalProperties": { "type": "object", "properties": { "before": { "type": "string" }, "after": { "type": "string" } } }
                  },
                  "sequence": { "type": "integer", "format": "int64", "minimum": 1, "description": "Position in the tenant's chain; absent on events written before chaining began." },
                  "previous_hash": { "type": "string", "description": "The hash of the event before (or of the last purged one); absent on the first." },
                  "hash": { "type": "string", "description": "Lower-case hex SHA-256 of the event's canonical encoding." },
                  "chain_version": { "type": "integer", "enum": [1], "description": "The canonical encoding's version." }
                }
              },
              "AuditEventPage": {
                "type": "object",
                "required": ["items"],
                "properties": {
                  "items": { "type": "array", "items": { "$ref": "#/components/schemas/AuditEvent" } },
                  "next_cursor": { "type": "string", "description": "Absent on the last page." }
                }
              }
            }
          }
        }
        """#
}
