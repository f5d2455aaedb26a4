extension OpenAPIDocument {
    /// `/api/v1/tenant*` and `/api/v1/me/config`, with the shared plan and entitlement schemas.
    static let tenant = #"""
        {
          "paths": {
            "/api/v1/tenant": {
              "get": {
                "operationId": "getTenant",
                "summary": "The caller's tenant: name, status, plan, effective entitlements, branding and settings.",
                "description": "Answers while the tenant is pending deletion too.",
                "tags": ["tenant"],
                "x-permission": "tenant:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "responses": {
                  "200": { "description": "The tenant.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Tenant" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" }
                }
              },
              "patch": {
                "operationId": "updateTenant",
                "summary": "Change the tenant's name, branding or settings.",
                "description": "Absent fields stay as they are; `null` clears an optional one. The logo URL must be `https://`; colours are `#RRGGBB`; email domains are DNS names; session lifetimes are 300 seconds up to the platform's own (`TENANTRY_SESSION_LIFETIME`, `TENANTRY_SESSION_IDLE_TIMEOUT`). Audited as `tenant.updated` with each changed field.",
                "tags": ["tenant"],
                "x-permission": "tenant:manage",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UpdateTenantRequest" } } } },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": { "description": "The tenant after the change.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Tenant" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              },
              "delete": {
                "operationId": "deleteTenant",
                "summary": "Delete the tenant: it becomes pending deletion and is purged when the grace period ends.",
                "description": "Owners only (signed in; not an API key); `confirm` must repeat the tenant's slug. The grace period is `TENANTRY_TENANT_DELETION_GRACE_PERIOD` (30 days by default); until `purge_after` an owner may restore the tenant. Meanwhile every tenant route except `GET /api/v1/tenant` and `POST /api/v1/tenant/restore` answers 403 `tenant_pending_deletion`, and only owners can sign in to it. The purge then removes every row of the tenant.",
                "tags": ["tenant"],
                "x-permission": "tenant:delete",
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Confirmation" } } } },
                "responses": {
                  "200": { "description": "The tenant, pending deletion, with `purge_after`.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Tenant" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/tenant/restore": {
              "post": {
                "operationId": "restoreTenant",
                "summary": "Restore a tenant pending deletion.",
                "tags": ["tenant"],
                "x-permission": "tenant:delete",
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "200": { "description": "The restored tenant.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Tenant" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "409": { "$ref": "#/components/responses/Conflict", "description": "`conflict`: the tenant is not pending deletion. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running." }
                }
              }
            },
            "/api/v1/me/config": {
              "get": {
                "operationId": "getClientConfig",
                "summary": "What a client needs to build its navigation: branding, enabled modules, features, allowances and the caller's permissions.",
                "description": "The permissions are the caller's, limited to the enabled modules. Carries a strong `ETag`; send it back in `If-None-Match` to get 304 while nothing changed.",
                "tags": ["tenant"],
                "x-permission": "tenant:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [{ "name": "If-None-Match", "in": "header", "required": false, "schema": { "type": "string" } }],
                "responses": {
                  "200": {
                    "description": "The configuration.",
                    "headers": { "ETag": { "schema": { "type": "string" } } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ClientConfig" } } }
                  },
                  "304": { "description": "Unchanged since the ETag sent.", "headers": { "ETag": { "schema": { "type": "string" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "Confirmation": {
                "type": "object",
                "required": ["confirm"],
                "properties": { "confirm": { "type": "string", "description": "The tenant's slug, typed again." } }
              },
              "Limits": {
                "type": "object",
                "description": "Allowances by limit; `null` means unlimited.",
                "properties": {
                  "members": { "type": ["integer", "null"] },
                  "api_keys": { "type": ["integer", "null"] },
                  "webhook_endpoints": { "type": ["integer", "null"] },
                  "teams": { "type": ["integer", "null"] },
                  "requests_per_minute": { "type": ["integer", "null"] },
                  "api_calls_per_month": { "type": ["integer", "null"] },
                  "audit_retention_days": { "type": ["integer", "null"] }
                }
              },
              "Entitlements": {
                "type": "object",
                "description": "The plan with the tenant's overrides applied.",
                "required": ["limits", "features", "modules"],
                "properties": {
                  "limits": { "$ref": "#/components/schemas/Limits" },
                  "features": { "type": "array", "items": { "type": "string" }, "examples": [["custom_branding"]] },
                  "modules": { "type": "array", "items": { "type": "string" }, "examples": [["api_keys", "core", "teams"]] }
                }
              },
              "Branding": {
                "type": "object",
                "properties": {
                  "logo_url": { "type": "string", "format": "uri", "description": "`https://` only." },
                  "primary_color": { "type": "string", "pattern": "^#[0-9A-F]{6}$" },
                  "accent_color": { "type": "string", "pattern": "^#[0-9A-F]{6}$" }
                }
              },
              "TenantSettings": {
                "type": "object",
                "required": ["allowed_email_domains"],
                "properties": {
                  "allowed_email_domains": { "type": "array", "items": { "type": "string" }, "examples": [["example.com"]] },
                  "session_lifetime_seconds": { "type": "integer", "minimum": 300 },
                  "session_idle_timeout_seconds": { "type": "integer", "minimum": 300 }
                }
              },
              "Tenant": {
                "type": "object",
                "required": ["id", "slug", "name", "status", "plan", "branding", "settings", "entitlements", "created_at", "updated_at"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "slug": { "$ref": "#/components/schemas/Slug" },
                  "name": { "type": "string" },
                  "status": { "type": "string", "enum": ["active", "suspended", "pending_deletion"] },
                  "plan": { "type": "string", "examples": ["free"] },
                  "branding": { "$ref": "#/components/schemas/Branding" },
                  "settings": { "$ref": "#/components/schemas/TenantSettings" },
                  "entitlements": { "$ref": "#/components/schemas/Entitlements" },
                  "purge_after": { "type": "string", "format": "date-time", "description": "Pending deletion only: when the purge runs." },
                  "created_at": { "type": "string", "format": "date-time" },
                  "updated_at": { "type": "string", "format": "date-time" }
                }
              },
              "UpdateTenantRequest": {
                "type": "object",
                "properties": {
                  "name": { "type": "string", "minLength": 1, "maxLength": 200 },
                  "branding": {
                    "type": "object",
                    "properties": {
                      "logo_url": { "type": ["string", "null"], "format": "uri" },
                      "primary_color": { "type": ["string", "null"], "pattern": "^#[0-9A-Fa-f]{6}$" },
                      "accent_color": { "type": ["string", "null"], "pattern": "^#[0-9A-Fa-f]{6}$" }
                    }
                  },
                  "settings": {
                    "type": "object",
                    "properties": {
                      "allowed_email_domains": { "type": "array", "maxItems": 50, "items": { "type": "string" } },
                      "session_lifetime_seconds": { "type": ["integer", "null"], "minimum": 300 },
                      "session_idle_timeout_seconds": { "type": ["integer", "null"], "minimum": 300 }
                    }
                  }
                }
              },
              "ClientConfig": {
                "type": "object",
                "required": ["tenant", "plan", "branding", "modules", "features", "limits", "permissions"],
                "properties": {
                  "tenant": {
                    "type": "object",
                    "required": ["id", "slug", "name"],
                    "properties": { "id": { "type": "string", "format": "uuid" }, "slug": { "type": "string" }, "name": { "type": "string" } }
                  },
                  "plan": { "type": "string" },
                  "branding": { "$ref": "#/components/schemas/Branding" },
                  "modules": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["id", "name", "version"],
                      "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "version": { "type": "string" } }
                    }
                  },
                  "features": { "type": "array", "items": { "type": "string" } },
                  "limits": { "$ref": "#/components/schemas/Limits" },
                  "permissions": { "type": "array", "items": { "type": "string" }, "examples": [["members:read", "tenant:read"]] }
                }
              }
            }
          }
        }
        """#
}
