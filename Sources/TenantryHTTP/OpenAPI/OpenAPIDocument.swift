import Foundation

/// The OpenAPI 3.1 description of every route the server registers. A test keeps the two
/// identical: a route missing here, or a path here the server lacks, fails the build.
///
/// The document is written in parts: this file holds the base (health, identity, shared
/// components); each area of the API adds its paths and components in its own
/// `OpenAPIDocument+<Area>.swift`, listed in ``fragments``. Tenant operations carry
/// `x-permission`, the permission their route declares (a test keeps the two identical).
public enum OpenAPIDocument {
    /// The whole document as JSON text.
    public static let json: String = merged(base: base, fragments: fragments)

    /// The areas' parts, merged into the base in this order.
    static let fragments: [String] = [
        access, members, roles, apiKeys, teams, invitations, tenant, platform, usage, idempotency, audit,
    ]

    /// Merges each fragment's `paths` and `components` into the base. A fragment that is not a
    /// JSON object is skipped, which the parity test then reports as missing routes.
    static func merged(base: String, fragments: [String]) -> String {
        guard var document = object(base) else { return base }
        for fragment in fragments {
            guard let part = object(fragment) else { continue }
            var paths = document["paths"] as? [String: Any] ?? [:]
            for (path, item) in part["paths"] as? [String: Any] ?? [:] {
                var operations = paths[path] as? [String: Any] ?? [:]
                for (method, operation) in item as? [String: Any] ?? [:] { operations[method] = operation }
                paths[path] = operations
            }
            document["paths"] = paths
            var components = document["components"] as? [String: Any] ?? [:]
            for (kind, entries) in part["components"] as? [String: Any] ?? [:] {
                var merged = components[kind] as? [String: Any] ?? [:]
                for (name, entry) in entries as? [String: Any] ?? [:] { merged[name] = entry }
                components[kind] = merged
            }
            document["components"] = components
        }
        withRateLimits(&document)
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return base }
        return String(decoding: data, as: UTF8.self)
    }

    private static func object(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// The base document.
    static let base = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Tenantry API",
            "version": "0.1.0",
            "description": "Multi-tenant backend for SaaS products. Every error is an RFC 9457 problem+json document with a stable `code` (also in `type` as `urn:tenantry:problem:<code>`) and the `request_id`. Every response carries `X-Request-ID`: the client's when it has 1 to 128 characters of A-Z a-z 0-9 . _ : - (otherwise the request is rejected with 400 `invalid_request_id`), else a generated one. Request bodies are JSON (`application/json`, else 415 `unsupported_media_type`), at most the configured size (default 1 MiB, else 413 `payload_too_large`); a body that is not JSON gets 400 `malformed_json`, JSON of the wrong shape 422 `validation_failed` with `errors[]`. Unknown paths get 404 `route_not_found`; a known path with another method 405 `method_not_allowed` with `Allow`."
          },
          "servers": [{ "url": "/" }],
          "paths": {
            "/health/live": {
              "get": {
                "operationId": "getLiveness",
                "summary": "Liveness: the process is up and serving.",
                "tags": ["health"],
                "responses": {
                  "200": {
                    "description": "The process answers.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HealthStatus" } } }
                  }
                }
              }
            },
            "/health/ready": {
              "get": {
                "operationId": "getReadiness",
                "summary": "Readiness: the database answers within the readiness timeout.",
                "tags": ["health"],
                "responses": {
                  "200": {
                    "description": "Ready to serve requests.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HealthStatus" } } }
                  },
                  "503": { "$ref": "#/components/responses/ServiceUnavailable" }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "getOpenAPIDocument",
                "summary": "This document.",
                "tags": ["meta"],
                "responses": {
                  "200": { "description": "The OpenAPI 3.1 document.", "content": { "application/json": { "schema": { "type": "object" } } } }
                }
              }
            },
            "/api/v1/auth/register": {
              "post": {
                "operationId": "register",
                "summary": "Create a tenant with its first user (the owner) and sign that user in.",
                "description": "Creates the tenant, the user, the owner membership and a session in one transaction, and queues an email with a verification link (valid 24 hours). `tenant_slug` defaults to one derived from `tenant_name`. With `refresh_token_delivery` `cookie` the refresh token is not in the body but in the `tenantry_refresh` cookie, next to a `tenantry_csrf` cookie for the double-submit check of `POST /api/v1/auth/refresh`. Limited per client IP.",
                "tags": ["auth"],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RegisterRequest" } } }
                },
                "responses": {
                  "201": {
                    "description": "Registered and signed in, acting in the new tenant.",
                    "headers": { "Set-Cookie": { "$ref": "#/components/headers/SetRefreshCookies" } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RegisterResponse" } } }
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict",
                    "description": "`conflict`: the email address is already registered (`errors[]` field `email`, code `taken`) or another tenant uses the slug (field `tenant_slug`, code `taken`). Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." },
                  "429": { "$ref": "#/components/responses/RateLimited" },
                  "503": { "$ref": "#/components/responses/Overloaded" }
                }
              }
            },
            "/api/v1/auth/login": {
              "post": {
                "operationId": "login",
                "summary": "Sign in with email and password.",
                "description": "Starts a session. With `tenant_slug` the tokens act in that tenant; without it, in the user's only tenant, or in none when the user belongs to several (then `tenant` and `role` are absent: pick one of `tenants` with `POST /api/v1/auth/switch-tenant`). An unknown email and a wrong password get the same `invalid_credentials` answer. Failed attempts are limited per account and per client IP. With `refresh_token_delivery` `cookie` the refresh token travels in the `tenantry_refresh` cookie instead of the body.",
                "tags": ["auth"],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LoginRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "Signed in.",
                    "headers": { "Set-Cookie": { "$ref": "#/components/headers/SetRefreshCookies" } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LoginResponse" } } }
                  },
                  "401": {
                    "description": "`invalid_credentials`: the email address or password is incorrect.",
                    "headers": { "WWW-Authenticate": { "$ref": "#/components/headers/WWW-Authenticate" } },
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  },
                  "403": {
                    "description": "`forbidden`: the account is disabled, or the user is not a member of the tenant named by `tenant_slug`; `tenant_suspended`: the chosen tenant is suspended.",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound",
                    "description": "`not_found`: the chosen tenant is pending deletion or deleted."
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." },
                  "429": { "$ref": "#/components/responses/RateLimited" },
                  "503": { "$ref": "#/components/responses/Overloaded" }
                }
              }
            },
            "/api/v1/auth/refresh": {
              "post": {
                "operationId": "refreshTokens",
                "summary": "Exchange a refresh token for a new access token and refresh token.",
                "description": "The refresh token comes from the body (`refresh_token`; the new one is returned in the body) or, when the request has no body or the body has no `refresh_token`, from the `tenantry_refresh` cookie; then the `X-CSRF-Token` header must equal the `tenantry_csrf` cookie, and the new refresh token is set in the cookie again (absent from the body). Every refresh token is single-use: presenting a rotated one again (outside a short grace period) ends the session. The session's idle timeout restarts.",
                "tags": ["auth"],
                "parameters": [
                  { "$ref": "#/components/parameters/IdempotencyKey" },
                  {
                    "name": "X-CSRF-Token",
                    "in": "header",
                    "required": false,
                    "description": "With the cookie: the value of the `tenantry_csrf` cookie.",
                    "schema": { "type": "string" }
                  },
                  {
                    "name": "tenantry_refresh",
                    "in": "cookie",
                    "required": false,
                    "description": "The refresh token, when it was delivered as a cookie.",
                    "schema": { "type": "string" }
                  },
                  {
                    "name": "tenantry_csrf",
                    "in": "cookie",
                    "required": false,
                    "description": "The double-submit token the `X-CSRF-Token` header must repeat.",
                    "schema": { "type": "string" }
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RefreshRequest" } } }
                },
                "responses": {
                  "200": {
                    "description": "New tokens for the same session and tenant.",
                    "headers": { "Set-Cookie": { "$ref": "#/components/headers/SetRefreshCookies" } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RefreshResponse" } } }
                  },
                  "401": {
                    "description": "`invalid_refresh_token`: the refresh token is unknown, expired, revoked or already used (which ends its session), or the user is no longer a member of the session's tenant.",
                    "headers": { "WWW-Authenticate": { "$ref": "#/components/headers/WWW-Authenticate" } },
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  },
                  "403": {
                    "description": "`forbidden`: the cookie was used without an `X-CSRF-Token` header equal to the `tenantry_csrf` cookie; `tenant_suspended`: the session's tenant is suspended.",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound",
                    "description": "`not_found`: the session's tenant is pending deletion or deleted."
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict",
                    "description": "`conflict`: the refresh token is being used concurrently; retry. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed",
                    "description": "`validation_failed`: no refresh token in the body or the cookie (`errors[]` field `refresh_token`, code `required`), or a body of the wrong shape. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/auth/logout": {
              "post": {
                "operationId": "logout",
                "summary": "End the caller's session.",
                "tags": ["auth"],
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": {
                    "description": "The session is ended; its access and refresh tokens stop working. The refresh cookies are cleared.",
                    "headers": { "Set-Cookie": { "$ref": "#/components/headers/ClearRefreshCookies" } }
                  },
                  "401": { "$ref": "#/components/responses/Unauthenticated" }
                }
              }
            },
            "/api/v1/auth/logout-all": {
              "post": {
                "operationId": "logoutAll",
                "summary": "End every session of the caller, on every device.",
                "tags": ["auth"],
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": {
                    "description": "Every session of the user is ended. The refresh cookies are cleared.",
                    "headers": { "Set-Cookie": { "$ref": "#/components/headers/ClearRefreshCookies" } }
                  },
                  "401": { "$ref": "#/components/responses/Unauthenticated" }
                }
              }
            },
            "/api/v1/auth/switch-tenant": {
              "post": {
                "operationId": "switchTenant",
                "summary": "Point the caller's session at another of their tenants.",
                "description": "The session acts in the tenant from now on (later refreshes too); the response carries an access token for it. The refresh token is unchanged.",
                "tags": ["auth"],
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SwitchTenantRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "Switched.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SwitchTenantResponse" } } }
                  },
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "403": {
                    "description": "`tenant_suspended`: the tenant is suspended.",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound",
                    "description": "`not_found`: the caller is not a member of a tenant with that slug, or it is pending deletion or deleted."
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/auth/verify-email": {
              "post": {
                "operationId": "verifyEmail",
                "summary": "Verify an email address with the token from the verification email.",
                "tags": ["auth"],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TokenRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "The email address is verified.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptedResponse" } } }
                  },
                  "400": { "$ref": "#/components/responses/InvalidOrExpiredToken" },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/auth/verify-email/resend": {
              "post": {
                "operationId": "resendVerificationEmail",
                "summary": "Send a new verification email.",
                "description": "Sends one only when the address belongs to an active, unverified account and its per-account limit allows; the answer is the same in every case, so it does not reveal whether an account exists. Limited per client IP.",
                "tags": ["auth"],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EmailRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "202": {
                    "description": "Accepted, whether or not an email is sent.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptedResponse" } } }
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." },
                  "429": { "$ref": "#/components/responses/RateLimited" }
                }
              }
            },
            "/api/v1/auth/forgot-password": {
              "post": {
                "operationId": "forgotPassword",
                "summary": "Send a password reset email.",
                "description": "Sends an email with a reset link (valid 1 hour) only when the address belongs to an active account and its per-account limit allows; the answer is the same in every case, so it does not reveal whether an account exists. Limited per client IP.",
                "tags": ["auth"],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EmailRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "202": {
                    "description": "Accepted, whether or not an email is sent.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptedResponse" } } }
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." },
                  "429": { "$ref": "#/components/responses/RateLimited" }
                }
              }
            },
            "/api/v1/auth/reset-password": {
              "post": {
                "operationId": "resetPassword",
                "summary": "Set a new password with the token from the reset email.",
                "description": "Consumes the token, sets the password, marks the email address verified and ends every session of the user.",
                "tags": ["auth"],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ResetPasswordRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "The password is changed; sign in again on every device.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AcceptedResponse" } } }
                  },
                  "400": { "$ref": "#/components/responses/InvalidOrExpiredToken" },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed",
                    "description": "`validation_failed`: the new password is too weak (`errors[]` field `password`, code `too_short`, `too_long` or `too_common`), or a body of the wrong shape. Checked before the token. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  },
                  "503": { "$ref": "#/components/responses/Overloaded" }
                }
              }
            },
            "/api/v1/me": {
              "get": {
                "operationId": "getMe",
                "summary": "The caller's profile, current tenant and memberships.",
                "tags": ["me"],
                "security": [{ "bearerAuth": [] }],
                "responses": {
                  "200": {
                    "description": "The caller.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MeResponse" } } }
                  },
                  "401": { "$ref": "#/components/responses/Unauthenticated" }
                }
              },
              "patch": {
                "operationId": "updateMe",
                "summary": "Change the caller's display name or locale.",
                "description": "Absent fields stay as they are; `locale` null clears the locale.",
                "tags": ["me"],
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UpdateMeRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "The updated user.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/User" } } }
                  },
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body." }
                }
              }
            },
            "/api/v1/me/password": {
              "post": {
                "operationId": "changePassword",
                "summary": "Change the caller's password; ends every other session.",
                "tags": ["me"],
                "security": [{ "bearerAuth": [] }],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChangePasswordRequest" } } }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": { "description": "The password is changed; the caller's other sessions are ended, this one stays." },
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed",
                    "description": "`validation_failed`: the current password is wrong (`errors[]` field `current_password`, code `incorrect`), the new one is too weak (field `new_password`, code `too_short`, `too_long` or `too_common`), or a body of the wrong shape. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  },
                  "503": { "$ref": "#/components/responses/Overloaded" }
                }
              }
            },
            "/api/v1/me/sessions": {
              "get": {
                "operationId": "listSessions",
                "summary": "The caller's active sessions.",
                "tags": ["me"],
                "security": [{ "bearerAuth": [] }],
                "responses": {
                  "200": {
                    "description": "Every active session of the user; `current` marks the one making the request.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SessionsResponse" } } }
                  },
                  "401": { "$ref": "#/components/responses/Unauthenticated" }
                }
              }
            },
            "/api/v1/me/sessions/{id}": {
              "delete": {
                "operationId": "revokeSession",
                "summary": "End one of the caller's sessions.",
                "tags": ["me"],
                "security": [{ "bearerAuth": [] }],
                "parameters": [
                  { "$ref": "#/components/parameters/IdempotencyKey" },
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "The session's id.",
                    "schema": { "type": "string", "format": "uuid" }
                  }
                ],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": { "description": "The session is ended; its access and refresh tokens stop working." },
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "404": {
                    "$ref": "#/components/responses/NotFound",
                    "description": "`not_found`: no active session of the caller has this id (also when the id is not a UUID or the session is another user's)."
                  }
                }
              }
            },
            "/.well-known/jwks.json": {
              "get": {
                "operationId": "getJWKS",
                "summary": "The public keys that verify access tokens.",
                "tags": ["well-known"],
                "responses": {
                  "200": {
                    "description": "The published Ed25519 keys, including upcoming and recently retired ones; match a token's `kid` header.",
                    "headers": { "Cache-Control": { "description": "`public, max-age=<configured JWKS cache lifetime in seconds>`.", "schema": { "type": "string" } } },
                    "content": { "application/jwk-set+json": { "schema": { "$ref": "#/components/schemas/JSONWebKeySet" } } }
                  }
                }
              }
            },
            "/.well-known/openid-configuration": {
              "get": {
                "operationId": "getOpenIDConfiguration",
                "summary": "Discovery metadata: issuer, key set and token endpoint.",
                "tags": ["well-known"],
                "responses": {
                  "200": {
                    "description": "The discovery document.",
                    "headers": { "Cache-Control": { "description": "`public, max-age=300`.", "schema": { "type": "string" } } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OpenIDConfiguration" } } }
                  }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "HealthStatus": {
                "type": "object",
                "required": ["status"],
                "properties": {
                  "status": { "type": "string", "enum": ["ok"] },
                  "database": { "type": "string", "enum": ["sqlite", "postgres"], "description": "Present on readiness: the engine that answered." }
                }
              },
              "FieldError": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                  "field": { "type": "string", "description": "Dotted path of the field, in the request's snake_case." },
                  "code": { "type": "string", "examples": ["required", "invalid_format", "too_long", "too_short", "too_common", "invalid_length", "taken", "incorrect"] },
                  "message": { "type": "string" }
                }
              },
              "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details.",
                "required": ["type", "title", "status", "detail", "code", "request_id"],
                "properties": {
                  "type": { "type": "string", "format": "uri", "examples": ["urn:tenantry:problem:validation_failed"] },
                  "title": { "type": "string" },
                  "status": { "type": "integer" },
                  "detail": { "type": "string" },
                  "code": {
                    "type": "string",
                    "examples": ["bad_request", "malformed_json", "invalid_request_id", "validation_failed", "unauthenticated", "forbidden", "not_found", "route_not_found", "method_not_allowed", "conflict", "payload_too_large", "unsupported_media_type", "internal_error", "service_unavailable", "invalid_credentials", "invalid_refresh_token", "invalid_or_expired_token", "invalid_token", "rate_limited", "quota_exceeded", "service_overloaded", "tenant_suspended", "tenant_pending_deletion", "limit_exceeded", "invalid_idempotency_key", "idempotency_key_reused", "idempotency_in_progress"]
                  },
                  "request_id": { "type": "string" },
                  "errors": { "type": "array", "items": { "$ref": "#/components/schemas/FieldError" } },
                  "limit": { "type": "string", "description": "`limit_exceeded` only: the limit, e.g. `members`.", "examples": ["members"] },
                  "current": { "type": "integer", "description": "`limit_exceeded` only: how many the tenant has." },
                  "allowed": { "type": "integer", "description": "`limit_exceeded` only: how many its plan allows." },
                  "allowance": { "$ref": "#/components/schemas/Allowance" }
                }
              },
              "Role": {
                "type": "string",
                "description": "A member's role in a tenant, from least to most privileged.",
                "enum": ["viewer", "member", "admin", "owner"]
              },
              "Slug": {
                "type": "string",
                "description": "A tenant's URL-safe short name: lower-case ASCII letters, digits and single hyphens, starting with a letter and not ending with a hyphen.",
                "minLength": 3,
                "maxLength": 63,
                "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
                "examples": ["acme-corp"]
              },
              "NewPassword": {
                "type": "string",
                "description": "8 to 128 characters of any kind, not one of the bundled common passwords.",
                "minLength": 8,
                "maxLength": 128,
                "format": "password"
              },
              "RefreshTokenDelivery": {
                "type": "string",
                "description": "Where the refresh token goes: the response body (API clients, the default) or an httpOnly `tenantry_refresh` cookie (browsers).",
                "enum": ["body", "cookie"],
                "default": "body"
              },
              "User": {
                "type": "object",
                "required": ["id", "email", "name", "email_verified", "created_at"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "email": { "type": "string", "format": "email", "description": "Normalised: trimmed and lower-cased." },
                  "name": { "type": "string" },
                  "locale": { "type": "string", "description": "A language tag such as `en` or `pt-BR`; absent when not set.", "examples": ["pt-BR"] },
                  "email_verified": { "type": "boolean" },
                  "created_at": { "type": "string", "format": "date-time" }
                }
              },
              "Tenant": {
                "type": "object",
                "required": ["id", "slug", "name", "status", "created_at"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "slug": { "$ref": "#/components/schemas/Slug" },
                  "name": { "type": "string" },
                  "status": { "type": "string", "enum": ["active", "suspended", "pending_deletion", "deleted"] },
                  "created_at": { "type": "string", "format": "date-time" }
                }
              },
              "Membership": {
                "type": "object",
                "description": "A tenant with the user's role in it.",
                "required": ["tenant", "role"],
                "properties": {
                  "tenant": { "$ref": "#/components/schemas/Tenant" },
                  "role": { "$ref": "#/components/schemas/Role" }
                }
              },
              "Tokens": {
                "type": "object",
                "required": ["access_token", "token_type", "expires_in", "session_id"],
                "properties": {
                  "access_token": { "type": "string", "description": "An EdDSA-signed JWT; send it as `Authorization: Bearer <access_token>`." },
                  "token_type": { "type": "string", "enum": ["Bearer"] },
                  "expires_in": { "type": "integer", "minimum": 0, "description": "Seconds until the access token expires." },
                  "refresh_token": { "type": "string", "description": "Single-use; absent when it travels in the `tenantry_refresh` cookie." },
                  "session_id": { "type": "string", "format": "uuid" }
                }
              },
              "RegisterRequest": {
                "type": "object",
                "required": ["email", "password", "name", "tenant_name"],
                "properties": {
                  "email": { "type": "string", "format": "email", "maxLength": 254 },
                  "password": { "$ref": "#/components/schemas/NewPassword" },
                  "name": { "type": "string", "description": "The user's display name: 1 to 200 characters after trimming, no control characters." },
                  "tenant_name": { "type": "string", "description": "The tenant's display name: 1 to 200 characters after trimming, no control characters." },
                  "tenant_slug": {
                    "$ref": "#/components/schemas/Slug",
                    "description": "Defaults to one derived from `tenant_name` (\"Acme Corp.\" gives `acme-corp`); required when no valid slug can be derived from the name."
                  },
                  "refresh_token_delivery": { "$ref": "#/components/schemas/RefreshTokenDelivery" }
                }
              },
              "RegisterResponse": {
                "type": "object",
                "required": ["tenant", "user", "role", "tokens"],
                "properties": {
                  "tenant": { "$ref": "#/components/schemas/Tenant" },
                  "user": { "$ref": "#/components/schemas/User" },
                  "role": { "$ref": "#/components/schemas/Role", "description": "Always `owner`." },
                  "tokens": { "$ref": "#/components/schemas/Tokens" }
                }
              },
              "LoginRequest": {
                "type": "object",
                "required": ["email", "password"],
                "properties": {
                  "email": { "type": "string", "format": "email" },
                  "password": { "type": "string", "format": "password" },
                  "tenant_slug": { "type": "string", "description": "The tenant to act in; the user must be a member." },
                  "refresh_token_delivery": { "$ref": "#/components/schemas/RefreshTokenDelivery" }
                }
              },
              "LoginResponse": {
                "type": "object",
                "required": ["user", "tenants", "tokens"],
                "properties": {
                  "user": { "$ref": "#/components/schemas/User" },
                  "tenant": { "$ref": "#/components/schemas/Tenant", "description": "The tenant the tokens act in; absent when the user must choose one." },
                  "role": { "$ref": "#/components/schemas/Role", "description": "The user's role in `tenant`; absent with it." },
                  "tenants": { "type": "array", "items": { "$ref": "#/components/schemas/Membership" }, "description": "Every tenant the user belongs to." },
                  "tokens": { "$ref": "#/components/schemas/Tokens" }
                }
              },
              "RefreshRequest": {
                "type": "object",
                "properties": {
                  "refresh_token": { "type": "string", "description": "Absent: the `tenantry_refresh` cookie is used." }
                }
              },
              "RefreshResponse": {
                "type": "object",
                "required": ["tokens"],
                "properties": {
                  "tenant": { "$ref": "#/components/schemas/Tenant", "description": "The session's tenant; absent when it acts in none." },
                  "role": { "$ref": "#/components/schemas/Role", "description": "The user's role in `tenant`; absent with it." },
                  "tokens": { "$ref": "#/components/schemas/Tokens" }
                }
              },
              "SwitchTenantRequest": {
                "type": "object",
                "required": ["tenant_slug"],
                "properties": {
                  "tenant_slug": { "$ref": "#/components/schemas/Slug" }
                }
              },
              "SwitchTenantResponse": {
                "type": "object",
                "required": ["tenant", "role", "access_token", "token_type", "expires_in"],
                "properties": {
                  "tenant": { "$ref": "#/components/schemas/Tenant" },
                  "role": { "$ref": "#/components/schemas/Role" },
                  "access_token": { "type": "string", "description": "An access token acting in `tenant`." },
                  "token_type": { "type": "string", "enum": ["Bearer"] },
                  "expires_in": { "type": "integer", "minimum": 0, "description": "Seconds until the access token expires." }
                }
              },
              "MeResponse": {
                "type": "object",
                "required": ["user", "tenants", "session_id"],
                "properties": {
                  "user": { "$ref": "#/components/schemas/User" },
                  "tenant": { "$ref": "#/components/schemas/Tenant", "description": "The tenant the access token acts in; absent when none." },
                  "role": { "$ref": "#/components/schemas/Role", "description": "The caller's role in `tenant`; absent with it." },
                  "tenants": { "type": "array", "items": { "$ref": "#/components/schemas/Membership" } },
                  "session_id": { "type": "string", "format": "uuid", "description": "The session of the access token." }
                }
              },
              "UpdateMeRequest": {
                "type": "object",
                "description": "Absent fields are left as they are.",
                "properties": {
                  "name": { "type": "string", "description": "1 to 200 characters after trimming, no control characters." },
                  "locale": {
                    "type": ["string", "null"],
                    "description": "A language tag such as `en` or `pt-BR` (2 to 35 characters); null clears it.",
                    "maxLength": 35,
                    "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
                  }
                }
              },
              "ChangePasswordRequest": {
                "type": "object",
                "required": ["current_password", "new_password"],
                "properties": {
                  "current_password": { "type": "string", "format": "password" },
                  "new_password": { "$ref": "#/components/schemas/NewPassword" }
                }
              },
              "Session": {
                "type": "object",
                "required": ["id", "current", "created_at", "last_seen_at", "expires_at"],
                "properties": {
                  "id": { "type": "string", "format": "uuid" },
                  "current": { "type": "boolean", "description": "Whether this is the session making the request." },
                  "tenant_id": { "type": "string", "format": "uuid", "description": "The tenant the session acts in; absent when none." },
                  "ip": { "type": "string", "description": "The client address that started the session, when known." },
                  "user_agent": { "type": "string", "maxLength": 512, "description": "The `User-Agent` that started the session, when sent." },
                  "created_at": { "type": "string", "format": "date-time" },
                  "last_seen_at": { "type": "string", "format": "date-time", "description": "The last sign-in or refresh." },
                  "expires_at": { "type": "string", "format": "date-time", "description": "The absolute end of the session." }
                }
              },
              "SessionsResponse": {
                "type": "object",
                "required": ["items"],
                "properties": {
                  "items": { "type": "array", "items": { "$ref": "#/components/schemas/Session" } }
                }
              },
              "TokenRequest": {
                "type": "object",
                "required": ["token"],
                "properties": {
                  "token": { "type": "string", "description": "The `token` query parameter of the emailed link." }
                }
              },
              "EmailRequest": {
                "type": "object",
                "required": ["email"],
                "properties": {
                  "email": { "type": "string", "format": "email" },
                  "tenant_slug": { "type": "string", "description": "Forgot-password only: the tenant whose name the email shows (default: the user's first tenant)." }
                }
              },
              "ResetPasswordRequest": {
                "type": "object",
                "required": ["token", "password"],
                "properties": {
                  "token": { "type": "string", "description": "The `token` query parameter of the emailed link." },
                  "password": { "$ref": "#/components/schemas/NewPassword" }
                }
              },
              "AcceptedResponse": {
                "type": "object",
                "required": ["status", "detail"],
                "properties": {
                  "status": { "type": "string", "enum": ["accepted"] },
                  "detail": { "type": "string" }
                }
              },
              "JSONWebKey": {
                "type": "object",
                "description": "An Ed25519 public key (RFC 8037).",
                "required": ["kty", "crv", "x", "kid", "alg", "use"],
                "properties": {
                  "kty": { "type": "string", "enum": ["OKP"] },
                  "crv": { "type": "string", "enum": ["Ed25519"] },
                  "x": { "type": "string", "description": "The public key, base64url without padding." },
                  "kid": { "type": "string", "description": "Matches the `kid` header of the tokens it verifies." },
                  "alg": { "type": "string", "enum": ["EdDSA"] },
                  "use": { "type": "string", "enum": ["sig"] }
                }
              },
              "JSONWebKeySet": {
                "type": "object",
                "required": ["keys"],
                "properties": {
                  "keys": { "type": "array", "items": { "$ref": "#/components/schemas/JSONWebKey" } }
                }
              },
              "OpenIDConfiguration": {
                "type": "object",
                "required": [
                  "issuer",
                  "jwks_uri",
                  "token_endpoint",
                  "id_token_signing_alg_values_supported",
                  "access_token_signing_alg_values_supported",
                  "subject_types_supported",
                  "response_types_supported"
                ],
                "properties": {
                  "issuer": { "type": "string", "description": "The `iss` of every access token." },
                  "jwks_uri": { "type": "string", "format": "uri" },
                  "token_endpoint": { "type": "string", "format": "uri", "description": "`POST /api/v1/auth/refresh`." },
                  "id_token_signing_alg_values_supported": { "type": "array", "items": { "type": "string" }, "examples": [["EdDSA"]] },
                  "access_token_signing_alg_values_supported": { "type": "array", "items": { "type": "string" }, "examples": [["EdDSA"]] },
                  "subject_types_supported": { "type": "array", "items": { "type": "string" }, "examples": [["public"]] },
                  "response_types_supported": { "type": "array", "items": { "type": "string" }, "description": "Empty: Tenantry is not an authorization server." }
                }
              }
            },
            "responses": {
              "ServiceUnavailable": {
                "description": "A dependency is unavailable; retry after `Retry-After` seconds.",
                "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "Unauthenticated": {
                "description": "`unauthenticated`: no `Authorization: Bearer <access token>` header; `invalid_token`: the access token is malformed, badly signed or expired, or its session has ended.",
                "headers": { "WWW-Authenticate": { "$ref": "#/components/headers/WWW-Authenticate" } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "NotFound": {
                "description": "`not_found`: no such resource.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "Conflict": {
                "description": "`conflict`: the request conflicts with the current state.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "ValidationFailed": {
                "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "InvalidOrExpiredToken": {
                "description": "`invalid_or_expired_token`: the emailed link's token is unknown, expired or already used.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "RateLimited": {
                "description": "`rate_limited`: too many attempts; retry after `Retry-After` seconds.",
                "headers": { "Retry-After": { "description": "Seconds until the next attempt is allowed.", "schema": { "type": "integer", "minimum": 1 } } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "Overloaded": {
                "description": "`service_overloaded`: every password hashing slot is busy; retry after `Retry-After` seconds.",
                "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            },
            "headers": {
              "WWW-Authenticate": {
                "description": "`Bearer error=\"invalid_token\"` for `invalid_token`, else `Bearer realm=\"tenantry\"`.",
                "schema": { "type": "string" }
              },
              "SetRefreshCookies": {
                "description": "Only when the refresh token is delivered as a cookie: `tenantry_refresh=<refresh token>; Path=/api/v1/auth; HttpOnly; SameSite=Strict` and `tenantry_csrf=<random>; Path=/; SameSite=Strict` (readable by scripts, to copy into `X-CSRF-Token`), both with `Max-Age` the session's absolute lifetime and `Secure` unless the public URL is plain http.",
                "schema": { "type": "string" }
              },
              "ClearRefreshCookies": {
                "description": "Expires the `tenantry_refresh` and `tenantry_csrf` cookies (`Max-Age=0`).",
                "schema": { "type": "string" }
              }
            },
            "securitySchemes": {
              "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An EdDSA-signed access token from register, login, refresh or switch-tenant, verifiable with `/.well-known/jwks.json`; its session must still be active."
              }
            }
          }
        }
        """#
}
