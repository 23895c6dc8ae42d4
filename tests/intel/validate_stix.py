#!/usr/bin/python3
"""Validate a STIX 2.1 bundle against the OASIS JSON schemas, offline.

usage: validate_stix.py BUNDLE.json SCHEMA_DIR

SCHEMA_DIR is cti-stix2-json-schemas' schemas/ folder (common, sdos, sros,
observables). Every $ref resolves to a file there (by its $id); a fetch
from the network is an error. The bundle is checked against bundle.json
and every object against the schema of its type. Prints one line per
failure and exits 1 on any, 0 when all is valid.

Needs Debian's python3-jsonschema (run it with /usr/bin/python3).
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate_stix: python3-jsonschema is missing (apt-get install python3-jsonschema)")


def main():
    bundle_path, schema_dir = sys.argv[1], sys.argv[2]
    store = {}
    by_title = {}
    for path in glob.glob(os.path.join(schema_dir, "**", "*.json"), recursive=True):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        store[schema["$id"]] = schema
        by_title[os.path.relpath(path, schema_dir)] = schema

    def refuse(uri):
        raise RuntimeError("schema reference outside the local files: " + uri)

    def validator(schema):
        resolver = jsonschema.RefResolver(
            base_uri=schema["$id"], referrer=schema, store=store,
            handlers={"http": refuse, "https": refuse})
        return jsonschema.Draft202012Validator(schema, resolver=resolver)

    with open(bundle_path, encoding="utf-8") as f:
        bundle = json.load(f)
    failures = []
    for e in validator(by_title["common/bundle.json"]).iter_errors(bundle):
        failures.append("bundle: %s at %s" % (e.message[:300], list(e.absolute_path)))
    checked = {}
    for i, obj in enumerate(bundle.get("objects", [])):
        kind = obj.get("type")
        name = None
        for folder in ("sdos", "sros", "observables", "common"):
            if folder + "/" + str(kind) + ".json" in by_title:
                name = folder + "/" + kind + ".json"
                break
        if name is None:
            failures.append("objects[%d]: no schema for type %r" % (i, kind))
            continue
        for e in validator(by_title[name]).iter_errors(obj):
            failures.append("objects[%d] (%s): %s at %s" % (i, kind, e.message[:300],
                                                            list(e.absolute_path)))
        checked[kind] = checked.get(kind, 0) + 1
    for line in failures:
        print(line)
    print("validated %s: %s" % (bundle_path, ", ".join(
        "%d %s" % (n, k) for k, n in sorted(checked.items()))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
