#!/usr/bin/env python3
"""Validates JSON instances against a JSON Schema (draft 2020-12) with the `jsonschema` package,
as a third party consuming Tenantry's events would.

Usage: validate_json_schema.py SCHEMA_FILE INSTANCE_FILE...
Exits 0 when every instance is valid; otherwise prints each error and exits 1. Exits 2 when the
schema itself is not a valid draft 2020-12 schema.
"""
import json
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        print(f"invalid schema: {error.message}")
        return 2
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    failed = False
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            instance = json.load(handle)
        for error in validator.iter_errors(instance):
            failed = True
            print(f"{path}: {'/'.join(str(p) for p in error.absolute_path)}: {error.message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
