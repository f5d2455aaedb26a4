#!/usr/bin/env python3
"""Makes the `public import`s of generated files that the file never names `internal`.

swift-openapi-generator (accessModifier: public) imports OpenAPIRuntime and Foundation's URL,
Data and Date publicly in every file it writes, and silences the compiler's "public import of
... was not used in public declarations" with `@diagnose`, which only Swift 6.4 knows. Its
types files name every type fully qualified (`OpenAPIRuntime.HTTPBody`, `Foundation.Date`), so
a file whose code never says `OpenAPIRuntime.` or `Foundation.` does not need that module
publicly: its imports lose `public`, and the build stays free of warnings on Swift 6.3.

usage: internal-unused-imports.py FILE...
"""
import re
import sys

IMPORT = re.compile(r"^((?:@_spi\(\w+\) )?)public import (?:struct )?(\w+)")

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    code = "\n".join(line for line in lines if not IMPORT.match(line))
    changed = False
    for index, line in enumerate(lines):
        match = IMPORT.match(line)
        if match and f"{match.group(2)}." not in code:
            lines[index] = line.replace("public import", "import", 1)
            changed = True
    if changed:
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(lines))
