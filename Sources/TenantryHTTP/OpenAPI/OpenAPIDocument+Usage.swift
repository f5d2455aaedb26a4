import Foundation

extension OpenAPIDocument {
    /// `/api/v1/tenant/usage`, and the rate limit responses and headers every limited
    /// operation shares (added to each operation by ``withRateLimits(_:)``).
    static let usage = #"""
        {
          "paths": {
            "/api/v1/tenant/usage": {
              "get": {
                "operationId": "getTenantUsage",
                "summary": "The tenant's daily usage, totals against its allowances, and active users.",
                "description": "Days are UTC. Counts reach this report when the server writes its in-memory counters (every `TENANTRY_USAGE_FLUSH_INTERVAL` seconds, 15 by default), so the last seconds may be missing. `from` and `to` are both included; without them the report covers the last 30 days; at most 366 days at a time.",
                "tags": ["usage"],
                "x-permission": "usage:read",
                "security": [{ "bearerAuth": [] }, { "apiKeyAuth": [] }],
                "parameters": [
                  { "name": "from", "in": "query", "required": false, "schema": { "type": "string", "format": "date" }, "description": "First day (default: 29 days before `to`)." },
                  { "name": "to", "in": "query", "required": false, "schema": { "type": "string", "format": "date" }, "description": "Last day (default: today, or 29 days after `from`, whichever is earlier)." }
                ],
                "responses": {
                  "200": { "description": "The report.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UsageReport" } } } },
                  "401": { "$ref": "#/components/responses/TenantUnauthenticated" },
                  "403": { "$ref": "#/components/responses/Forbidden" },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: `from` or `to` is not a date, `from` is after `to`, or the range is longer than 366 days." }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "UsageDay": {
                "type": "object",
                "required": ["day", "api_requests", "sign_ins", "active_users", "emails_sent"],
                "properties": {
                  "day": { "type": "string", "format": "date" },
                  "api_requests": { "type": "integer", "description": "Tenant API requests served (by token or key; refused requests are not counted)." },
                  "sign_ins": { "type": "integer", "description": "Successful sign-ins into the tenant." },
                  "active_users": { "type": "integer", "description": "Distinct users who made tenant requests with an access token or signed in." },
                  "emails_sent": { "type": "integer", "description": "Emails delivered for the tenant." }
                }
              },
              "UsageReport": {
                "type": "object",
                "required": ["from", "to", "days", "totals", "active_users", "allowances"],
                "properties": {
                  "from": { "type": "string", "format": "date" },
                  "to": { "type": "string", "format": "date" },
                  "days": { "type": "array", "description": "Every day of the range, in order, zeros included.", "items": { "$ref": "#/components/schemas/UsageDay" } },
                  "totals": {
                    "type": "object",
                    "required": ["api_requests", "sign_ins", "emails_sent", "active_users"],
                    "properties": {
                      "api_requests": { "type": "integer" },
                      "sign_ins": { "type": "integer" },
                      "emails_sent": { "type": "integer" },
                      "active_users": { "type": "integer", "description": "Distinct users active on any day of the range." }
                    }
                  },
                  "active_users": {
                    "type": "object",
                    "required": ["dau", "wau", "mau"],
                    "properties": {
                      "dau": { "type": "integer", "description": "Active users on `to`." },
                      "wau": { "type": "integer", "description": "Distinct active users in the 7 days ending `to`." },
                      "mau": { "type": "integer", "description": "Distinct active users in the 30 days ending `to`." }
                    }
                  },
                  "allowances": {
                    "type": "object",
                    "required": ["api_calls_this_month", "month_resets_at"],
                    "properties": {
                      "requests_per_minute": { "type": "integer", "description": "The tenant's rate limit; absent when unlimited." },
                      "api_calls_per_month": { "type": "integer", "description": "The tenant's monthly API-call allowance; absent when unlimited." },
                      "api_calls_this_month": { "type": "integer", "description": "API calls counted this calendar month (UTC), as written so far." },
                      "month_resets_at": { "type": "string", "format": "date-time", "description": "Midnight UTC on the first of next month." }
                    }
                  }
                }
              },
              "Allowance": {
                "type": "object",
                "description": "In a `quota_exceeded` problem: the allowance that is used up.",
                "required": ["name", "limit", "used", "resets_at"],
                "properties": {
                  "name": { "type": "string", "examples": ["api_calls_per_month"] },
                  "limit": { "type": "integer" },
                  "used": { "type": "integer" },
                  "resets_at": { "type": "string", "format": "date-time" }
                }
              }
            },
            "responses": {
              "TenantRateLimited": {
                "description": "`rate_limited`: over the tenant's or the API key's requests per minute; `quota_exceeded`: the tenant's monthly API calls are used up (the problem's `allowance` names the allowance, what was used and when it resets). Retry after `Retry-After` seconds.",
                "headers": {
                  "Retry-After": { "description": "Seconds until a request is allowed again.", "schema": { "type": "integer", "minimum": 1 } },
                  "RateLimit-Policy": { "$ref": "#/components/headers/RateLimit-Policy" },
                  "RateLimit": { "$ref": "#/components/headers/RateLimit" }
                },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "RateLimited": {
                "description": "`rate_limited`: too many requests or attempts from this client; retry after `Retry-After` seconds.",
                "headers": {
                  "Retry-After": { "description": "Seconds until the next attempt is allowed.", "schema": { "type": "integer", "minimum": 1 } },
                  "RateLimit-Policy": { "$ref": "#/components/headers/RateLimit-Policy" },
                  "RateLimit": { "$ref": "#/components/headers/RateLimit" }
                },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            },
            "headers": {
              "RateLimit-Policy": {
                "description": "The limits that applied (draft-ietf-httpapi-ratelimit-headers): a list with one item per policy, `\"tenant\"` (the tenant's requests per minute), `\"api_key\"` (a key's own limit) or `\"ip\"` (per client IP on unauthenticated routes), with `q` the quota and `w` the window in seconds, e.g. `\"tenant\";q=600;w=60`.",
                "schema": { "type": "string", "examples": ["\"tenant\";q=600;w=60, \"api_key\";q=100;w=60"] }
              },
              "RateLimit": {
                "description": "The state of each policy: `r` the requests left now and `t` the seconds until the quota is whole again (for a refused request: until the next request is allowed), e.g. `\"tenant\";r=599;t=1`.",
                "schema": { "type": "string", "examples": ["\"tenant\";r=599;t=1"] }
              }
            }
          }
        }
        """#

    /// Adds the rate limit responses and headers to every limited operation: tenant operations
    /// (those with `x-permission`) answer 429 `rate_limited` or `quota_exceeded`; operations
    /// anyone may call (no `security`, or an anonymous `{}` alternative) are limited per client
    /// IP. Their successful responses carry `RateLimit-Policy` and `RateLimit`.
    static func withRateLimits(_ document: inout [String: Any]) {
        guard var paths = document["paths"] as? [String: Any] else { return }
        for (path, item) in paths where path.hasPrefix("/api/v1/") {
            guard var operations = item as? [String: Any] else { continue }
            for (method, value) in operations {
                guard var operation = value as? [String: Any], var responses = operation["responses"] as? [String: Any] else {
                    continue
                }
                let security = operation["security"] as? [[String: Any]]
                let tenant = operation["x-permission"] != nil
                let anonymous = security == nil || security?.contains { $0.isEmpty } == true
                guard tenant || anonymous else { continue }
                if responses["429"] == nil || tenant {
                    responses["429"] = ["$ref": "#/components/responses/\(tenant ? "TenantRateLimited" : "RateLimited")"]
                }
                for (status, response) in responses where status.hasPrefix("2") {
                    guard var response = response as? [String: Any], response["$ref"] == nil else { continue }
                    var headers = response["headers"] as? [String: Any] ?? [:]
                    headers["RateLimit-Policy"] = ["$ref": "#/components/headers/RateLimit-Policy"]
                    headers["RateLimit"] = ["$ref": "#/components/headers/RateLimit"]
                    response["headers"] = headers
                    responses[status] = response
                }
                operation["responses"] = responses
                operations[method] = operation
            }
            paths[path] = operations
        }
        document["paths"] = paths
    }
}
