extension OpenAPIDocument {
    /// `/api/v1/invitations*`.
    static let invitations = #"""
        {
          "paths": {
            "/api/v1/invitations": {
              "get": {
                "operationId": "listInvitations",
                "summary": "List the tenant's invitations, oldest first, with their status.",
                "tags": ["invitations"],
                "x-permission": "invitations:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [
                  { "$ref": "#/components/parameters/Limit" },
                  { "$ref": "#/components/parameters/Cursor" }
                ],
                "responses": {
                  "200": { "description": "One page of invitations.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InvitationPage" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "422": { "$ref": "#/components/responses/ValidationFailed" }
                }
              },
              "post": {
                "operationId": "createInvitation",
                "summary": "Invite a person by email to join the tenant with a role.",
                "description": "Queues an email with a link `<public URL>/accept-invitation?token=…`, valid 7 days. The token is stored only as its SHA-256 and appears in no response. Nobody invites with a role ranked above their own or with permissions they lack; only owners invite owners.",
                "tags": ["invitations"],
                "x-permission": "invitations:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateInvitationRequest" } } } },
                "responses": {
                  "201": { "description": "The invitation.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Invitation" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden", "description": "As `Forbidden`, or `limit_exceeded`: the plan's allowance is used up (`limit`, `current` and `allowed` in the body)." },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the address belongs to a member (`errors[]` field `email`, code `member`) or already has a pending invitation (code `invited`). Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/invitations/{id}/resend": {
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
              "post": {
                "operationId": "resendInvitation",
                "summary": "Send a pending or expired invitation again with a new link.",
                "description": "The previous link stops working and the 7-day validity restarts. The caller must be allowed to give the invitation's role.",
                "tags": ["invitations"],
                "x-permission": "invitations:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "200": { "description": "The invitation after the change.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Invitation" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the invitation was accepted, the person has become a member meanwhile, or its custom role was deleted. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "410": { "$ref": "#/components/responses/InvitationInvalid", "description": "`invitation_invalid`: the invitation was revoked." }
                }
              }
            },
            "/api/v1/invitations/{id}": {
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
              "delete": {
                "operationId": "revokeInvitation",
                "summary": "Revoke an invitation: its link stops working.",
                "description": "Revoking a revoked invitation changes nothing.",
                "tags": ["invitations"],
                "x-permission": "invitations:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "204": { "description": "Revoked." },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "404": { "$ref": "#/components/responses/NotFound" },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the invitation was already accepted (remove the member instead). Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." }
                }
              }
            },
            "/api/v1/invitations/accept": {
              "post": {
                "operationId": "acceptInvitation",
                "summary": "Accept an invitation with the token from its email.",
                "description": "Not a tenant route: the token authorizes it. A person who has no account for the invited address sends `name` and `password`: the account is created with its address verified, becomes a member, and is signed in (201 with `tokens`, acting in the tenant). A person with an account must send `Authorization: Bearer <access token>` of that account (any tenant); they become a member (200, no `tokens`; switch to the tenant with `POST /api/v1/auth/switch-tenant`). An invitation is accepted once; its role is checked again at acceptance.",
                "tags": ["invitations"],
                "security": [{}, { "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptInvitationRequest" } } } },
                "responses": {
                  "200": { "description": "The signed-in person is now a member.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptInvitationResponse" } } } },
                  "201": { "description": "The account was created, is a member and is signed in.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptInvitationResponse" } } } },
                  "401": { "$ref": "#/components/responses/Unauthenticated", "description": "`unauthenticated`: an account exists for the invited address and the request is not signed in; `invalid_token`: the access token is invalid or expired, or its session ended." },
                  "403": {
                    "description": "`forbidden`: signed in as another person than the invited address; `tenant_suspended`: the tenant is suspended.",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  },
                  "404": { "$ref": "#/components/responses/NotFound", "description": "`not_found`: the tenant is pending deletion or deleted." },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the person is already a member, the address was registered meanwhile, or the invitation's custom role was deleted. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "410": { "$ref": "#/components/responses/InvitationInvalid" },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." },
                  "503": { "$ref": "#/components/responses/Overloaded" }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "Invitation": {
                "type": "object",
                "required": ["id", "email", "role", "status", "created_at", "expires_at", "last_sent_at"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "email": { "type": "string", "format": "email" },
                  "role": { "type": "string", "description": "A built-in role's name or a custom role's id." },
                  "status": { "type": "string", "enum": ["pending", "accepted", "revoked", "expired"] },
                  "invited_by": { "type": "string", "format": "uuid", "description": "The inviting member (for an API key: its creator)." },
                  "created_at": { "type": "string", "format": "date-time" },
                  "expires_at": { "type": "string", "format": "date-time" },
                  "last_sent_at": { "type": "string", "format": "date-time" },
                  "accepted_at": { "type": "string", "format": "date-time" },
                  "accepted_by": { "type": "string", "format": "uuid" },
                  "revoked_at": { "type": "string", "format": "date-time" }
                }
              },
              "InvitationPage": {
                "type": "object",
                "required": ["items"],
                "properties": {
                  "items": { "type": "array", "items": { "$ref": "#/components/schemas/Invitation" } },
                  "next_cursor": { "type": "string", "description": "Absent on the last page." }
                }
              },
              "CreateInvitationRequest": {
                "type": "object",
                "required": ["email", "role"],
                "properties": {
                  "email": { "type": "string", "format": "email" },
                  "role": { "type": "string", "description": "A built-in role's name or a custom role's id." }
                }
              },
              "AcceptInvitationRequest": {
                "type": "object",
                "required": ["token"],
                "properties": {
                  "token": { "type": "string", "description": "The `token` of the emailed link." },
                  "name": { "type": "string", "description": "Required for a new account." },
                  "password": { "$ref": "#/components/schemas/NewPassword", "description": "Required for a new account." }
                }
              },
              "AcceptInvitationResponse": {
                "type": "object",
                "required": ["tenant", "user", "role", "role_name"],
                "properties": {
                  "tenant": { "$ref": "#/components/schemas/Tenant" },
                  "user": { "$ref": "#/components/schemas/User" },
                  "role": { "type": "string", "description": "A built-in role's name or a custom role's id." },
                  "role_name": { "type": "string" },
                  "tokens": { "$ref": "#/components/schemas/Tokens", "description": "Only for a new account." }
                }
              }
            },
            "responses": {
              "InvitationInvalid": {
                "description": "`invitation_invalid`: the invitation is unknown, expired, revoked or already accepted (the answer does not say which).",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            }
          }
        }
        """#
}
