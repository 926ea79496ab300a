#!/usr/bin/env python3
"""The routes the server registers and the paths schema/openapi.yaml describes, both ways.

MLflow's routes are also registered under /ajax-api/2.0/mlflow/...; the document describes
each once, under /api/2.0/mlflow/..., so a twin counts as documented by its /api/ route.

usage: openapi_routes_test.py MODELVAULT OPENAPI_YAML
"""
import os
import subprocess
import sys
import tempfile

import yaml

MODELVAULT, DOC = sys.argv[1], sys.argv[2]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

with tempfile.TemporaryDirectory() as tmp:
    out = subprocess.run([MODELVAULT, "serve", "--print-routes", "--data-dir",
                          os.path.join(tmp, "data"), "--port", "0"],
                         check=True, capture_output=True, text=True).stdout
registered = {tuple(line.split(" ", 1)) for line in out.splitlines() if line.strip()}
registered = {(m.upper(), p) for m, p in registered}
AJAX = "/ajax-api/2.0/mlflow/"
twins = {(m, p) for m, p in registered if p.startswith(AJAX)}
for m, p in twins:
    if (m, "/api/2.0/mlflow/" + p[len(AJAX):]) not in registered:
        print("FAIL: %s %s has no /api/ twin" % (m, p), file=sys.stderr)
        sys.exit(1)
registered -= twins

doc = yaml.safe_load(open(DOC, encoding="utf-8"))
documented, pending = set(), {}
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method not in METHODS:
            continue
        key = (method.upper(), path)
        if op.get("x-modelvault-pending"):
            pending[key] = op["x-modelvault-pending"]
        else:
            documented.add(key)

problems = []
for m, p in sorted(registered - documented - set(pending)):
    problems.append("registered but not in schema/openapi.yaml: %s %s" % (m, p))
for m, p in sorted(documented - registered):
    problems.append("in schema/openapi.yaml but not registered: %s %s" % (m, p))
for (m, p), branch in sorted(pending.items()):
    if (m, p) in registered:
        problems.append("registered now, drop its x-modelvault-pending (%s): %s %s" % (branch, m, p))
waiting = sorted(k for k in pending if k not in registered)
print("%d routes registered, %d documented, %d pending other branches" %
      (len(registered), len(documented), len(waiting)))
for m, p in waiting:
    print("  pending (%s): %s %s" % (pending[(m, p)], m, p))
if problems:
    print("FAIL: the routes and the OpenAPI document differ:", file=sys.stderr)
    for line in problems:
        print("  " + line, file=sys.stderr)
    sys.exit(1)
print("PASS")
