extension OpenAPIDocument {
    /// `/api/v1/teams*`.
    static let teams = #"""
        {
          "paths": {
            "/api/v1/teams": {
              "get": {
                "operationId": "listTeams",
                "summary": "List the tenant's teams, oldest first.",
                "description": "An API key bound to one team cannot list teams (403 `out_of_scope`).",
                "tags": ["teams"],
                "x-permission": "teams:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [
                  { "$ref": "#/components/parameters/Limit" },
                  { "$ref": "#/components/parameters/Cursor" }
                ],
                "responses": {
                  "200": { "description": "One page of teams.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TeamPage" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "422": { "$ref": "#/components/responses/ValidationFailed" }
                }
              },
              "post": {
                "operationId": "createTeam",
                "summary": "Create a team.",
                "description": "Team names are unique within the tenant, ignoring case. An API key bound to one team cannot create teams (403 `out_of_scope`).",
                "tags": ["teams"],
                "x-permission": "teams:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateTeamRequest" } } } },
                "responses": {
                  "201": { "description": "The new team.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TeamDetail" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden", "description": "As `Forbidden`, or `limit_exceeded`: the plan's allowance is used up (`limit`, `current` and `allowed` in the body)." },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: another team has this name (`errors[]` field `name`, code `taken`). Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/teams/{id}": {
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
              "get": {
                "operationId": "getTeam",
                "summary": "One team with its members' ids.",
                "tags": ["teams"],
                "x-permission": "teams:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "responses": {
                  "200": { "description": "The team.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TeamDetail" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" }
                }
              },
              "patch": {
                "operationId": "updateTeam",
                "summary": "Rename a team or change its description.",
                "description": "Absent fields stay as they are; `description: null` clears the description.",
                "tags": ["teams"],
                "x-permission": "teams:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UpdateTeamRequest" } } } },
                "responses": {
                  "200": { "description": "The team after the change.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TeamDetail" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: another team has this name (`errors[]` field `name`, code `taken`). Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              },
              "delete": {
                "operationId": "deleteTeam",
                "summary": "Delete a team and its membership list.",
                "tags": ["teams"],
                "x-permission": "teams:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": { "description": "Deleted." },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" }
                }
              }
            },
            "/api/v1/teams/{id}/members/{user_id}": {
              "parameters": [
                { "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } },
                { "name": "user_id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }
              ],
              "put": {
                "operationId": "addTeamMember",
                "summary": "Add a member of the tenant to a team.",
                "description": "Idempotent: adding someone already in the team changes nothing. A member who leaves the tenant leaves its teams.",
                "tags": ["teams"],
                "x-permission": "teams:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": { "description": "The team with its members' ids.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TeamDetail" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound", "description": "`not_found`: no such team, or the user is not a member of this tenant." }
                }
              },
              "delete": {
                "operationId": "removeTeamMember",
                "summary": "Remove a member from a team.",
                "tags": ["teams"],
                "x-permission": "teams:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": { "description": "Removed." },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound", "description": "`not_found`: no such team, or the user is not in it." }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "Team": {
                "type": "object",
                "required": ["id", "name", "created_at", "updated_at"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                  "description": { "type": "string", "maxLength": 500, "description": "Absent when the team has none." },
                  "created_at": { "type": "string", "format": "date-time" },
                  "updated_at": { "type": "string", "format": "date-time" }
                }
              },
              "TeamDetail": {
                "allOf": [
                  { "$ref": "#/components/schemas/Team" },
                  {
                    "type": "object",
                    "required": ["member_ids"],
                    "properties": { "member_ids": { "type": "array", "items": { "type": "string", "format": "uuid" }, "description": "The members' user ids, in order of id." } }
                  }
                ]
              },
              "TeamPage": {
                "type": "object",
                "required": ["items"],
                "properties": {
                  "items": { "type": "array", "items": { "$ref": "#/components/schemas/Team" } },
                  "next_cursor": { "type": "string", "description": "Absent on the last page." }
                }
              },
              "CreateTeamRequest": {
                "type": "object",
                "required": ["name"],
                "properties": {
                  "name": { "type": "string", "description": "1 to 100 characters after trimming." },
                  "description": { "type": "string", "description": "At most 500 characters; empty means none." }
                }
              },
              "UpdateTeamRequest": {
                "type": "object",
                "properties": {
                  "name": { "type": "string", "description": "1 to 100 characters after trimming." },
                  "description": { "type": ["string", "null"], "description": "At most 500 characters; `null` or empty clears it." }
                }
              }
            }
          }
        }
        """#
}
