extension OpenAPIDocument {
    /// `/api/v1/api-keys*`.
    static let apiKeys = #"""
        {
          "paths": {
            "/api/v1/api-keys": {
              "get": {
                "operationId": "listAPIKeys",
                "summary": "The tenant's API keys (never their secrets).",
                "tags": [
                  "api-keys"
                ],
                "x-permission": "api_keys:read",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Limit"
                  },
                  {
                    "$ref": "#/components/parameters/Cursor"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "One page of keys, revoked ones included.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/APIKeyPage"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed"
                  }
                }
              },
              "post": {
                "operationId": "createAPIKey",
                "summary": "Create an API key; its secret is in this response only.",
                "tags": [
                  "api-keys"
                ],
                "x-permission": "api_keys:manage",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "description": "Scopes must be permissions the caller holds. A key may be bound to one resource (`{type: team, id}`) with scopes from `teams:read` and `teams:manage`; it then gets 403 `out_of_scope` for any other team. A key always acts with at most what its creator may do at the time of each request, and stops working when its creator is removed or suspended.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/CreateAPIKeyRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "201": {
                    "description": "The key and its secret (`tnty_\u2026`, 256 random bits); store it now: it is never shown again.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CreatedAPIKey"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden",
                    "description": "As `Forbidden`, or `limit_exceeded`: the plan's allowance of API keys is used up (`limit`, `current` and `allowed` in the body)."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/api-keys/{id}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string",
                    "format": "uuid"
                  }
                }
              ],
              "get": {
                "operationId": "getAPIKey",
                "summary": "One API key.",
                "tags": [
                  "api-keys"
                ],
                "x-permission": "api_keys:read",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The key.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/APIKey"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              },
              "patch": {
                "operationId": "updateAPIKey",
                "summary": "Rename a key or change its expiry.",
                "tags": [
                  "api-keys"
                ],
                "x-permission": "api_keys:manage",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/UpdateAPIKeyRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "The key after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/APIKey"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              },
              "delete": {
                "operationId": "revokeAPIKey",
                "summary": "Revoke a key: it is refused from the next request on, on every node.",
                "tags": [
                  "api-keys"
                ],
                "x-permission": "api_keys:manage",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": {
                    "description": "Revoked (also when it already was)."
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              }
            },
            "/api/v1/api-keys/{id}/rotate": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string",
                    "format": "uuid"
                  }
                }
              ],
              "post": {
                "operationId": "rotateAPIKey",
                "summary": "Give a key a new secret; the old one works until the overlap ends.",
                "tags": [
                  "api-keys"
                ],
                "x-permission": "api_keys:manage",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "description": "The body is optional: `overlap_seconds` (0 to 604800, default 86400).",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "200": {
                    "description": "The key and its new secret (shown this once).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RotatedAPIKey"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict",
                    "description": "`conflict`: the key is revoked or expired. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RotateAPIKeyRequest"
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "APIKey": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "prefix",
                  "last_four",
                  "scopes",
                  "created_by",
                  "created_at",
                  "updated_at",
                  "status"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "name": {
                    "type": "string"
                  },
                  "prefix": {
                    "type": "string",
                    "description": "`tnty_` and the secret's next four characters."
                  },
                  "last_four": {
                    "type": "string"
                  },
                  "scopes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "resource": {
                    "type": "object",
                    "required": [
                      "type",
                      "id"
                    ],
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "team"
                        ]
                      },
                      "id": {
                        "type": "string"
                      }
                    }
                  },
                  "created_by": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "expires_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "revoked_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "last_used_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "Recorded in memory and written every 15 seconds and at shutdown."
                  },
                  "rate_limit_per_minute": {
                    "type": "integer",
                    "description": "The key's own limit in requests per minute; absent when it has none."
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "active",
                      "expired",
                      "revoked"
                    ]
                  }
                }
              },
              "APIKeyPage": {
                "type": "object",
                "required": [
                  "items"
                ],
                "properties": {
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/APIKey"
                    }
                  },
                  "next_cursor": {
                    "type": "string"
                  }
                }
              },
              "CreatedAPIKey": {
                "type": "object",
                "required": [
                  "key",
                  "secret"
                ],
                "properties": {
                  "key": {
                    "$ref": "#/components/schemas/APIKey"
                  },
                  "secret": {
                    "type": "string"
                  }
                }
              },
              "RotatedAPIKey": {
                "type": "object",
                "required": [
                  "key",
                  "secret",
                  "previous_secret_expires_at"
                ],
                "properties": {
                  "key": {
                    "$ref": "#/components/schemas/APIKey"
                  },
                  "secret": {
                    "type": "string"
                  },
                  "previous_secret_expires_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "CreateAPIKeyRequest": {
                "type": "object",
                "required": [
                  "name",
                  "scopes"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "maxLength": 100
                  },
                  "scopes": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                      "type": "string"
                    }
                  },
                  "rate_limit_per_minute": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 1000000,
                    "description": "The key's own limit in requests per minute, on top of its tenant's; absent for none."
                  },
                  "expires_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "resource": {
                    "type": "object",
                    "required": [
                      "type",
                      "id"
                    ],
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "team"
                        ]
                      },
                      "id": {
                        "type": "string",
                        "format": "uuid"
                      }
                    }
                  }
                }
              },
              "UpdateAPIKeyRequest": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "maxLength": 100
                  },
                  "expires_at": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "rate_limit_per_minute": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 1,
                    "maximum": 1000000,
                    "description": "The key's own limit in requests per minute; `null` removes it."
                  }
                }
              },
              "RotateAPIKeyRequest": {
                "type": "object",
                "properties": {
                  "overlap_seconds": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 604800
                  }
                }
              }
            }
          }
        }
        """#
}
