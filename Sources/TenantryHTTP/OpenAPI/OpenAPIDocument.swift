/// The OpenAPI 3.1 description of every route the server registers. A test keeps the two
/// identical: a route missing here, or a path here the server lacks, fails the build.
public enum OpenAPIDocument {
    /// The document as JSON text.
    public static let json = #"""
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
                  "code": { "type": "string", "examples": ["required", "invalid_format", "too_long"] },
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
                    "examples": ["bad_request", "malformed_json", "invalid_request_id", "validation_failed", "unauthenticated", "forbidden", "not_found", "route_not_found", "method_not_allowed", "conflict", "payload_too_large", "unsupported_media_type", "internal_error", "service_unavailable"]
                  },
                  "request_id": { "type": "string" },
                  "errors": { "type": "array", "items": { "$ref": "#/components/schemas/FieldError" } }
                }
              }
            },
            "responses": {
              "ServiceUnavailable": {
                "description": "A dependency is unavailable; retry after `Retry-After` seconds.",
                "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            }
          }
        }
        """#
}
