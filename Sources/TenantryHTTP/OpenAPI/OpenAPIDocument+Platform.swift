extension OpenAPIDocument {
    /// `/api/v1/platform/*`: the operator API. Every operation needs a signed-in user (bearer
    /// access token) holding at least the platform role in `x-platform-role`.
    static let platform = #"""
        {
          "paths": {
            "/api/v1/platform/usage": {
              "get": {
                "operationId": "platformUsage",
                "summary": "Usage across every tenant for a range of days, and the top tenants by API requests.",
                "tags": ["platform"],
                "x-platform-role": "support",
                "security": [{ "bearerAuth": [] }],
                "description": "`from` and `to` follow `GET /api/v1/tenant/usage`: `YYYY-MM-DD` (UTC, both included), by default the last 30 days, at most 366 days. `limit` (1 to 100, default 10) is how many top tenants to list.",
                "parameters": [
                  { "name": "from", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } },
                  { "name": "to", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } },
                  { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10 } }
                ],
                "responses": {
                  "200": { "description": "The totals and top tenants.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PlatformUsageReport" } } } },
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "403": { "$ref": "#/components/responses/PlatformForbidden" },
                  "422": { "$ref": "#/components/responses/ValidationFailed" }
                }
              }
            },
            "/api/v1/platform/audit-events": {
              "get": {
                "operationId": "platformListAuditEvents",
                "summary": "Every tenant's audit log, oldest first, filtered.",
                "description": "The filters of `GET /api/v1/audit-events`, plus `tenant_id`. Bad filter, `limit` or `cursor` values answer 422 `validation_failed` with `errors[]` naming each parameter. Reading the log is not itself recorded in the platform audit trail (it records operator actions).",
                "tags": ["platform"],
                "x-platform-role": "support",
                "security": [{ "bearerAuth": [] }],
                "parameters": [
                  { "$ref": "#/components/parameters/Limit" },
                  { "$ref": "#/components/parameters/Cursor" },
                  { "$ref": "#/components/parameters/AuditTenantID" },
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
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "403": { "$ref": "#/components/responses/PlatformForbidden" }
                }
              }
            },
            "/api/v1/platform/audit-events/export": {
              "get": {
                "operationId": "platformExportAuditEvents",
                "summary": "Export every tenant's audit log as CSV or JSON Lines, streamed.",
                "description": "The same filters as the platform list, streamed exactly like `GET /api/v1/audit-events/export` (the same CSV columns and JSON Lines objects).",
                "tags": ["platform"],
                "x-platform-role": "support",
                "security": [{ "bearerAuth": [] }],
                "parameters": [
                  { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["csv", "jsonl"], "default": "jsonl" } },
                  { "$ref": "#/components/parameters/AuditTenantID" },
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
                    "description": "The events. `Content-Disposition: attachment; filename=\"platform-audit-events.<format>\"`.",
                    "headers": { "Content-Disposition": { "schema": { "type": "string" } } },
                    "content": {
                      "text/csv": { "schema": { "type": "string", "description": "The columns of the tenant export." } },
                      "application/jsonl": { "schema": { "$ref": "#/components/schemas/AuditEvent" } }
                    }
                  },
                  "422": { "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: a query parameter has a value the endpoint cannot use; `errors[]` names each one (`field` is the parameter)." },
                  "401": { "$ref": "#/components/responses/Unauthenticated" },
                  "403": { "$ref": "#/components/responses/PlatformForbidden" }
                }
              }
            },
            "/api/v1/platform/tenants": {
              "get": {
                "operationId": "platformListTenants",
                "summary": "Search tenants, oldest first, with member counts.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "support",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "Filters combine: `status`, `plan`, `created_from` and `created_to` (ISO 8601; from inclusive, to exclusive), `q` (part of the name or slug, ignoring case). Each tenant's `usage` covers the current calendar month (UTC) so far; the whole page's usage is read in one grouped query.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/Limit"
                  },
                  {
                    "$ref": "#/components/parameters/Cursor"
                  },
                  {
                    "name": "status",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "active",
                        "suspended",
                        "pending_deletion"
                      ]
                    }
                  },
                  {
                    "name": "plan",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "created_from",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "created_to",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "q",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "maxLength": 200
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "One page of tenants.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantPage"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed"
                  }
                }
              },
              "post": {
                "operationId": "platformCreateTenant",
                "summary": "Create a tenant with its first owner.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "The owner is the account with `owner_email`, or a new account (named `owner_name`) that is emailed a link to choose a password. `slug` defaults to one derived from the name; `plan` to the configured default plan.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/PlatformCreateTenantRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new tenant.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}": {
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
                "operationId": "platformGetTenant",
                "summary": "One tenant with its overrides, effective entitlements, branding and settings.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "support",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The tenant.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}/suspend": {
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
                "operationId": "platformSuspendTenant",
                "summary": "Suspend an active tenant, with a reason.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "At once, on every node: sign-in, refresh and every tenant API call for the tenant answer 403 `tenant_suspended`, already-issued access tokens and API keys included.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SuspendRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The tenant after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}/reactivate": {
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
                "operationId": "platformReactivateTenant",
                "summary": "Reactivate a suspended tenant.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "200": {
                    "description": "The tenant after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}/restore": {
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
                "operationId": "platformRestoreTenant",
                "summary": "Restore a tenant pending deletion.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "200": {
                    "description": "The tenant after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}/plan": {
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
              "put": {
                "operationId": "platformChangeTenantPlan",
                "summary": "Move a tenant to another plan.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "A downgrade deletes nothing: creations are refused with `limit_exceeded` until the tenant is back under its allowances.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/PlanChangeRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The tenant after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}/overrides": {
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
              "put": {
                "operationId": "platformSetTenantOverrides",
                "summary": "Replace the tenant's overrides of its plan.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "Limits (`null`: unlimited), features and modules switched on or off; anything not listed follows the plan. Always-on modules cannot be switched off, and a module cannot be on while a module it needs is off.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Overrides"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The tenant after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlatformTenantDetail"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/tenants/{id}/purge": {
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
                "operationId": "platformPurgeTenant",
                "summary": "Purge a tenant now, whatever its grace period.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "`confirm` must repeat the tenant's slug. Irreversible.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Confirmation"
                      }
                    }
                  }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": {
                    "description": "Every row of the tenant is gone, and the tenant itself."
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/plans": {
              "get": {
                "operationId": "platformListPlans",
                "summary": "Every plan.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "support",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The plans.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PlanList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  }
                }
              },
              "post": {
                "operationId": "platformCreatePlan",
                "summary": "Create a plan.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "Limits not given are unlimited; `modules` defaults to `core`.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/PlanRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new plan.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Plan"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/plans/{id}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string"
                  }
                }
              ],
              "get": {
                "operationId": "platformGetPlan",
                "summary": "One plan.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "support",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The plan.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Plan"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              },
              "patch": {
                "operationId": "platformUpdatePlan",
                "summary": "Change a plan.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "Given `limits` replace the plan's (a limit left out or `null` is unlimited). Tenants on the plan get the new entitlements at once.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/PlanUpdateRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "200": {
                    "description": "The plan after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Plan"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/platform/operators/{user_id}": {
              "parameters": [
                {
                  "name": "user_id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string",
                    "format": "uuid"
                  }
                }
              ],
              "put": {
                "operationId": "platformSetOperatorRole",
                "summary": "Give a user a platform role.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/OperatorRoleRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "409": { "$ref": "#/components/responses/IdempotencyInProgress" },
                  "204": {
                    "description": "The role is set; it applies on the user's next request."
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
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
                "operationId": "platformRemoveOperator",
                "summary": "Take a user's platform role away.",
                "tags": [
                  "platform"
                ],
                "x-platform-role": "super_admin",
                "security": [
                  {
                    "bearerAuth": []
                  }
                ],
                "description": "Operators cannot remove themselves.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": {
                  "422": { "$ref": "#/components/responses/IdempotencyKeyReused" },
                  "204": {
                    "description": "The user is no operator any more, from their next request."
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/PlatformForbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict", "description": "`conflict`: the request conflicts with the current state. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  }
                }
              }
            }
          },
          "components": {
            "parameters": {
              "AuditTenantID": { "name": "tenant_id", "in": "query", "schema": { "type": "string", "format": "uuid" }, "description": "Only events of this tenant." }
            },
            "schemas": {
              "PlatformTenant": {
                "type": "object",
                "required": [
                  "id",
                  "slug",
                  "name",
                  "status",
                  "plan",
                  "member_count",
                  "usage",
                  "created_at",
                  "updated_at"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "format": "uuid"
                  },
                  "slug": {
                    "$ref": "#/components/schemas/Slug"
                  },
                  "name": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "active",
                      "suspended",
                      "pending_deletion"
                    ]
                  },
                  "status_reason": {
                    "type": "string"
                  },
                  "plan": {
                    "type": "string"
                  },
                  "member_count": {
                    "type": "integer"
                  },
                  "usage": {
                    "$ref": "#/components/schemas/PlatformTenantUsage"
                  },
                  "purge_after": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "PlatformTenantUsage": {
                "type": "object",
                "description": "The tenant's usage from the first of the current month (UTC) to today, both included.",
                "required": ["from", "to", "api_requests", "sign_ins", "emails_sent", "active_users"],
                "properties": {
                  "from": { "type": "string", "format": "date" },
                  "to": { "type": "string", "format": "date" },
                  "api_requests": { "type": "integer" },
                  "sign_ins": { "type": "integer" },
                  "emails_sent": { "type": "integer" },
                  "active_users": { "type": "integer", "description": "Distinct users active in the tenant this month so far (MAU)." }
                }
              },
              "PlatformUsageReport": {
                "type": "object",
                "required": ["from", "to", "totals", "top_tenants"],
                "properties": {
                  "from": { "type": "string", "format": "date" },
                  "to": { "type": "string", "format": "date" },
                  "totals": {
                    "type": "object",
                    "required": ["api_requests", "sign_ins", "emails_sent", "active_users", "active_tenants"],
                    "properties": {
                      "api_requests": { "type": "integer" },
                      "sign_ins": { "type": "integer" },
                      "emails_sent": { "type": "integer" },
                      "active_users": { "type": "integer", "description": "Distinct users active in any tenant on any day of the range." },
                      "active_tenants": { "type": "integer", "description": "Tenants with any usage in the range." }
                    }
                  },
                  "top_tenants": {
                    "type": "array",
                    "description": "Most API requests first (ties by tenant id).",
                    "items": {
                      "type": "object",
                      "required": ["tenant_id", "api_requests", "sign_ins", "emails_sent"],
                      "properties": {
                        "tenant_id": { "type": "string", "format": "uuid" },
                        "name": { "type": "string", "description": "Absent once the tenant is gone." },
                        "slug": { "type": "string", "description": "Absent once the tenant is gone." },
                        "api_requests": { "type": "integer" },
                        "sign_ins": { "type": "integer" },
                        "emails_sent": { "type": "integer" }
                      }
                    }
                  }
                }
              },
              "PlatformTenantPage": {
                "type": "object",
                "required": [
                  "items"
                ],
                "properties": {
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/PlatformTenant"
                    }
                  },
                  "next_cursor": {
                    "type": "string"
                  }
                }
              },
              "Overrides": {
                "type": "object",
                "description": "Exceptions to the plan; anything not listed follows it.",
                "properties": {
                  "limits": {
                    "type": "object",
                    "additionalProperties": {
                      "type": [
                        "integer",
                        "null"
                      ]
                    },
                    "examples": [
                      {
                        "members": 500,
                        "teams": null
                      }
                    ]
                  },
                  "features": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "boolean"
                    },
                    "examples": [
                      {
                        "custom_branding": true
                      }
                    ]
                  },
                  "modules": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "boolean"
                    },
                    "examples": [
                      {
                        "teams": false
                      }
                    ]
                  }
                }
              },
              "PlatformTenantDetail": {
                "type": "object",
                "required": [
                  "tenant",
                  "overrides",
                  "entitlements",
                  "branding",
                  "settings"
                ],
                "properties": {
                  "tenant": {
                    "$ref": "#/components/schemas/PlatformTenant"
                  },
                  "overrides": {
                    "$ref": "#/components/schemas/Overrides"
                  },
                  "entitlements": {
                    "$ref": "#/components/schemas/Entitlements"
                  },
                  "branding": {
                    "$ref": "#/components/schemas/Branding"
                  },
                  "settings": {
                    "$ref": "#/components/schemas/TenantSettings"
                  }
                }
              },
              "PlatformCreateTenantRequest": {
                "type": "object",
                "required": [
                  "name",
                  "owner_email"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "slug": {
                    "$ref": "#/components/schemas/Slug"
                  },
                  "plan": {
                    "type": "string"
                  },
                  "owner_email": {
                    "type": "string",
                    "format": "email"
                  },
                  "owner_name": {
                    "type": "string",
                    "description": "Required when the address has no account yet."
                  }
                }
              },
              "SuspendRequest": {
                "type": "object",
                "required": [
                  "reason"
                ],
                "properties": {
                  "reason": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 500
                  }
                }
              },
              "PlanChangeRequest": {
                "type": "object",
                "required": [
                  "plan"
                ],
                "properties": {
                  "plan": {
                    "type": "string",
                    "examples": [
                      "pro"
                    ]
                  }
                }
              },
              "OperatorRoleRequest": {
                "type": "object",
                "required": [
                  "role"
                ],
                "properties": {
                  "role": {
                    "type": "string",
                    "enum": [
                      "super_admin",
                      "support"
                    ]
                  }
                }
              },
              "Plan": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "limits",
                  "features",
                  "modules",
                  "created_at",
                  "updated_at"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "examples": [
                      "free"
                    ]
                  },
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string"
                  },
                  "limits": {
                    "$ref": "#/components/schemas/Limits"
                  },
                  "features": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "modules": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "PlanList": {
                "type": "object",
                "required": [
                  "items"
                ],
                "properties": {
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Plan"
                    }
                  }
                }
              },
              "PlanRequest": {
                "type": "object",
                "required": [
                  "id",
                  "name"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "pattern": "^[a-z][a-z0-9_-]{1,62}$"
                  },
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string",
                    "maxLength": 1000
                  },
                  "limits": {
                    "$ref": "#/components/schemas/Limits"
                  },
                  "features": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "modules": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "PlanUpdateRequest": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "limits": {
                    "$ref": "#/components/schemas/Limits"
                  },
                  "features": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "modules": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              }
            },
            "responses": {
              "PlatformForbidden": {
                "description": "`forbidden`: the caller is no platform operator, or their platform role (`x-platform-role`: `support` reads, `super_admin` changes) is too low. Roles are read on every request.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "$ref": "#/components/schemas/Problem"
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
