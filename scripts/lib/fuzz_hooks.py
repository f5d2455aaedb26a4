"""schemathesis hooks for scripts/fuzz-api (loaded through SCHEMATHESIS_HOOKS).

The server keeps the first answer to each `Idempotency-Key` and refuses the same key for
another request with 422 `idempotency_key_reused`, as the document says. schemathesis draws the
header from the parameter's schema and example, so different requests often share a valid key,
and its positive_data_acceptance check would report the documented 422 as a valid request
refused. Before each call, a valid key is therefore replaced by a fresh UUID; invalid keys are
sent as generated, so the 400 `invalid_idempotency_key` answer is still exercised.
"""
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r'^([A-Za-z0-9._:~+/=-]{1,255}|"[A-Za-z0-9._:~+/=-]{1,255}")$')


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and VALID_KEY.match(headers[name]):
            headers[name] = str(uuid.uuid4())
