extension OpenAPIDocument {
    /// `/api/v1/members*` and `/api/v1/tenant/transfer-ownership`.
    static let members = #"""
        {
          "paths": {
            "/api/v1/members": {
              "get": {
                "operationId": "listMembers",
                "summary": "List the tenant's members.",
                "tags": ["members"],
                "x-permission": "members:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [
                  { "$ref": "#/components/parameters/Limit" },
                  { "$ref": "#/components/parameters/Cursor" },
                  { "name": "role", "in": "query", "required": false, "description": "Only members with this role: a built-in role's name or a custom role's id.", "schema": { "type": "string" } },
                  { "name": "status", "in": "query", "required": false, "schema": { "type": "string", "enum": ["active", "suspended"] } },
                  { "name": "q", "in": "query", "required": false, "description": "Only members whose name or email contains this text (case-insensitive, at most 200 characters).", "schema": { "type": "string", "maxLength": 200 } }
                ],
                "responses": {
                  "200": { "description": "One page of members.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MemberPage" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "422": { "$ref": "#/components/responses/ValidationFailed" }
                }
              },
              "post": {
                "operationId": "addMember",
                "summary": "Add a person to the tenant by email.",
                "description": "Creates the person's identity when the address has none (then `name` is required) and emails them a link to choose a password (valid 72 hours). Nobody grants a role ranked above their own or with permissions they lack; only owners make owners.",
                "tags": ["members"],
                "x-permission": "members:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AddMemberRequest" } } } },
                "responses": {
                  "201": { "description": "The new member.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Member" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden", "description": "As `Forbidden`, or `limit_exceeded`: the plan's allowance is used up (`limit`, `current` and `allowed` in the body)." },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the person is already a member. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/members/{user_id}": {
              "parameters": [{ "name": "user_id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
              "get": {
                "operationId": "getMember",
                "summary": "One member.",
                "tags": ["members"],
                "x-permission": "members:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "responses": {
                  "200": { "description": "The member.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Member" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" }
                }
              },
              "patch": {
                "operationId": "updateMember",
                "summary": "Change a member's role or status.",
                "description": "Nobody changes a member ranked above them, grants a role above their own or permissions they lack; only owners change owners or make owners; nobody suspends themselves; the last active owner cannot be demoted or suspended.",
                "tags": ["members"],
                "x-permission": "members:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UpdateMemberRequest" } } } },
                "responses": {
                  "200": { "description": "The member after the change.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Member" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" },
                  "409": { "$ref": "#/components/responses/LastOwner", "description": "`last_owner`: the change would leave the tenant without an active owner. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              },
              "delete": {
                "operationId": "removeMember",
                "summary": "Remove a member.",
                "description": "The member's access ends at once; the API keys they created are revoked. The last active owner cannot be removed.",
                "tags": ["members"],
                "x-permission": "members:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "204": { "description": "Removed." },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" },
                  "409": { "$ref": "#/components/responses/LastOwner", "description": "`last_owner`: the change would leave the tenant without an active owner. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." }
                }
              }
            },
            "/api/v1/tenant/transfer-ownership": {
              "post": {
                "operationId": "transferOwnership",
                "summary": "Hand the tenant's ownership to another active member.",
                "description": "The named member becomes an owner and the calling owner becomes an admin, in one transaction; concurrent transfers run one after the other. Signed-in owners only (not API keys).",
                "tags": ["members"],
                "x-permission": "tenant:transfer_ownership",
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TransferOwnershipRequest" } } } },
                "responses": {
                  "200": { "description": "The new owner.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Member" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the named member is suspended. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "Member": {
                "type": "object",
                "required": ["user_id", "email", "name", "role", "role_name", "status", "joined_at", "updated_at"],
                "properties": {
                  "user_id": { "type": "string", "format": "uuid" },
                  "email": { "type": "string", "format": "email" },
                  "name": { "type": "string" },
                  "role": { "type": "string", "description": "A built-in role's name (`owner`, `admin`, `member`, `viewer`) or a custom role's id." },
                  "role_name": { "type": "string" },
                  "status": { "type": "string", "enum": ["active", "suspended"] },
                  "joined_at": { "type": "string", "format": "date-time" },
                  "updated_at": { "type": "string", "format": "date-time" }
                }
              },
              "MemberPage": {
                "type": "object",
                "required": ["items"],
                "properties": {
                  "items": { "type": "array", "items": { "$ref": "#/components/schemas/Member" } },
                  "next_cursor": { "type": "string", "description": "Absent on the last page." }
                }
              },
              "AddMemberRequest": {
                "type": "object",
                "required": ["email", "role"],
                "properties": {
                  "email": { "type": "string", "format": "email" },
                  "name": { "type": "string", "description": "Required when the address has no account yet." },
                  "role": { "type": "string", "description": "A built-in role's name or a custom role's id." }
                }
              },
              "UpdateMemberRequest": {
                "type": "object",
                "properties": {
                  "role": { "type": "string" },
                  "status": { "type": "string", "enum": ["active", "suspended"] }
                }
              },
              "TransferOwnershipRequest": {
                "type": "object",
                "required": ["user_id"],
                "properties": { "user_id": { "type": "string", "format": "uuid" } }
              }
            }
          }
        }
        """#
}
