extension OpenAPIDocument {
    /// What every tenant route shares: the API key scheme and the access failures.
    static let access = #"""
        {
          "components": {
            "securitySchemes": {
              "apiKeyAuth": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "A tenant API key (`tnty_…`), also accepted as `Authorization: Bearer tnty_…`. It acts in its tenant with its scopes, never more than its creator may do now."
              }
            },
            "responses": {
              "TenantUnauthenticated": {
                "description": "`unauthenticated`: no credentials; `invalid_token`: the access token is invalid or expired, its session ended, or its user is no longer a member of the token's tenant; `invalid_api_key`: the API key is unknown, expired or revoked, or its creator lost access to the tenant.",
                "headers": { "WWW-Authenticate": { "$ref": "#/components/headers/WWW-Authenticate" } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "Forbidden": {
                "description": "`forbidden`: the caller lacks the operation's `x-permission` (or a grant rule refuses the change); `out_of_scope`: a resource-bound API key reached for another resource; `tenant_required`: the access token acts in no tenant; `member_suspended`: the caller's membership is suspended; `tenant_suspended`: the tenant is suspended; `tenant_pending_deletion`: the tenant is pending deletion (only `GET /api/v1/tenant` and `POST /api/v1/tenant/restore` answer).",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "LastOwner": {
                "description": "`last_owner`: the change would leave the tenant without an active owner.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            },
            "parameters": {
              "Limit": {
                "name": "limit", "in": "query", "required": false,
                "description": "Page size, 1 to 200 (default 50).",
                "schema": { "type": "integer", "minimum": 1, "maximum": 200 }
              },
              "Cursor": {
                "name": "cursor", "in": "query", "required": false,
                "description": "The `next_cursor` of the previous page.",
                "schema": { "type": "string" }
              }
            }
          }
        }
        """#
}
