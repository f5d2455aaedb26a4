extension OpenAPIDocument {
    /// The `Idempotency-Key` header that every write operation under `/api/v1` accepts, and the
    /// responses it adds (a test keeps every write operation referring to them).
    static let idempotency = #"""
        {
          "components": {
            "parameters": {
              "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry of this request safe. 1 to 255 characters from A-Z a-z 0-9 and - _ . : ~ + / = (a UUID is a good choice); the quoted form `\"…\"` of the IETF draft names the same key. Anything else is 400 `invalid_idempotency_key`. The first response with a 2xx, 3xx or 4xx status (except 408, 409, 425 and 429) is kept for 24 hours per tenant, caller and key, and every later request with the key gets it again (status, body, `Content-Type`, `Location`, `ETag`, `Set-Cookie` and the other headers that describe the result) with `Idempotent-Replayed: true`, without running again: no second audit event, email or other side effect. A 5xx or an interrupted request frees the key. The same key with another method, path or body is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_in_progress`. On public routes the key is shared by all anonymous callers, so the request body and refresh cookie must match exactly for a replay. GET ignores the header.",
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^\"?[A-Za-z0-9._:~+/=-]{1,255}\"?$" },
                "example": "0b6e1b4e-6d9f-4f4f-9a57-2c3f3b1f9a01"
              }
            },
            "responses": {
              "IdempotencyInProgress": {
                "description": "`idempotency_in_progress`: the first request with this `Idempotency-Key` is still running; retry shortly.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "IdempotencyKeyReused": {
                "description": "`idempotency_key_reused`: this `Idempotency-Key` was already used for another method, path or body.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            }
          }
        }
        """#
}
