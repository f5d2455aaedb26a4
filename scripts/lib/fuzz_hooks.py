"""schemathesis hooks for scripts/fuzz-api (loaded through SCHEMATHESIS_HOOKS).

The server keeps the first answer to each `Idempotency-Key` and refuses the same key for
another request with 422 `idempotency_key_reused`, as the document says. schemathesis draws the
header from the parameter's schema and example, so different requests often share a valid key,
and its positive_data_acceptance check would report the documented 422 as a valid request
refused. Before each call, a valid key is therefore replaced by a fresh UUID; invalid keys are
sent as generated, so the 400 `invalid_idempotency_key` answer is still exercised.
"""
import datetime
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


# Values whose validity no JSON Schema can state, replaced by ones the server can accept; the
# operations are still fuzzed with every check.
#
# `cursor` is opaque: only the server issues valid ones (a `next_cursor`), so a generated one is
# never a position and gets the documented 422 `invalid_cursor`. It is left out; the first page
# is fetched instead.
#
# `from` and `to` (audit events and usage) are each valid alone, but a range must not end
# before it starts (422 naming the field), and a usage report covers at most 366 days. A
# generated pair in the wrong order is swapped; a longer usage range is cut to 366 days.
@schemathesis.hook("before_call")
def server_issued_and_ordered_values(context, case, kwargs):
    query = case.query
    if not isinstance(query, dict):
        return
    if "cursor" in query:
        del query["cursor"]
    start, end = query.get("from"), query.get("to")
    if isinstance(start, str) and isinstance(end, str):
        first, last = _instant(start), _instant(end)
        if first and last and first > last:
            query["from"], query["to"] = end, start
            first, last = last, first
        if first and last and case.path.endswith("/usage") and (last - first).days > 365:
            query["to"] = (first + datetime.timedelta(days=365)).date().isoformat()


def _instant(text):
    """The moment of an RFC 3339 date or timestamp (UTC when it names no offset), or None."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
