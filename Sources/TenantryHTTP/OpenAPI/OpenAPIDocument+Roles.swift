extension OpenAPIDocument {
    /// `/api/v1/permissions` and `/api/v1/roles*`.
    static let roles = #"""
        {
          "paths": {
            "/api/v1/permissions": {
              "get": {
                "operationId": "listPermissions",
                "summary": "The permission catalogue, grouped by module.",
                "tags": [
                  "roles"
                ],
                "x-permission": "roles:read",
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
                    "description": "Every permission with what it allows.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PermissionCatalogue"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/roles": {
              "get": {
                "operationId": "listRoles",
                "summary": "The built-in roles (owner, admin, member, viewer) and the tenant's custom roles.",
                "tags": [
                  "roles"
                ],
                "x-permission": "roles:read",
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
                    "description": "Every role with its permissions and member count.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RoleList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/TenantUnauthenticated"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              },
              "post": {
                "operationId": "createRole",
                "summary": "Define a custom role.",
                "tags": [
                  "roles"
                ],
                "x-permission": "roles:manage",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "description": "A custom role is a set of permissions on top of an optional base role (admin, member or viewer) whose permissions it inherits and whose rank it takes. Nobody defines a role granting a permission or rank they do not hold.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/CreateRoleRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new role.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Role"
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
                  "409": {
                    "$ref": "#/components/responses/Conflict",
                    "description": "`conflict`: another role has this name. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              }
            },
            "/api/v1/roles/{id}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "A built-in role's name or a custom role's id.",
                  "schema": {
                    "type": "string"
                  }
                }
              ],
              "get": {
                "operationId": "getRole",
                "summary": "One role.",
                "tags": [
                  "roles"
                ],
                "x-permission": "roles:read",
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
                    "description": "The role.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Role"
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
                "operationId": "updateRole",
                "summary": "Change a custom role.",
                "tags": [
                  "roles"
                ],
                "x-permission": "roles:manage",
                "security": [
                  {
                    "bearerAuth": []
                  },
                  {
                    "apiKeyAuth": []
                  }
                ],
                "description": "The editor must hold everything the role grants, before and after the change. Absent fields stay as they are; `null` clears `description` or `base_role`.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/UpdateRoleRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The role after the change; its members have its new permissions at once.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Role"
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
                    "description": "`conflict`: a built-in role cannot be changed, or another role has this name. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  },
                  "422": {
                    "$ref": "#/components/responses/ValidationFailed", "description": "`validation_failed`: fields are missing or invalid; `errors[]` names each one. Or `idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body."
                  }
                }
              },
              "delete": {
                "operationId": "deleteRole",
                "summary": "Delete a custom role nobody holds.",
                "tags": [
                  "roles"
                ],
                "x-permission": "roles:manage",
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
                  "204": {
                    "description": "Deleted."
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
                    "description": "`conflict`: a built-in role, or members still hold the role. Or `idempotency_in_progress`: the first request with this `Idempotency-Key` is still running."
                  }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "PermissionCatalogue": {
                "type": "object",
                "required": [
                  "modules"
                ],
                "properties": {
                  "modules": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "id",
                        "name",
                        "permissions"
                      ],
                      "properties": {
                        "id": {
                          "type": "string"
                        },
                        "name": {
                          "type": "string"
                        },
                        "permissions": {
                          "type": "array",
                          "items": {
                            "type": "object",
                            "required": [
                              "name",
                              "description"
                            ],
                            "properties": {
                              "name": {
                                "type": "string"
                              },
                              "description": {
                                "type": "string"
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              },
              "Role": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "built_in",
                  "permissions",
                  "effective_permissions",
                  "member_count"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "description": "The built-in role's name, or the custom role's id."
                  },
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string"
                  },
                  "built_in": {
                    "type": "boolean"
                  },
                  "base_role": {
                    "type": "string",
                    "enum": [
                      "admin",
                      "member",
                      "viewer"
                    ]
                  },
                  "permissions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "The role's own permissions."
                  },
                  "effective_permissions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Its own and its base role's."
                  },
                  "member_count": {
                    "type": "integer"
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
              "RoleList": {
                "type": "object",
                "required": [
                  "items"
                ],
                "properties": {
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Role"
                    }
                  }
                }
              },
              "CreateRoleRequest": {
                "type": "object",
                "required": [
                  "name"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "maxLength": 64
                  },
                  "description": {
                    "type": "string",
                    "maxLength": 500
                  },
                  "base_role": {
                    "type": "string",
                    "enum": [
                      "admin",
                      "member",
                      "viewer"
                    ]
                  },
                  "permissions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "UpdateRoleRequest": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "maxLength": 64
                  },
                  "description": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "base_role": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "enum": [
                      "admin",
                      "member",
                      "viewer",
                      null
                    ]
                  },
                  "permissions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
