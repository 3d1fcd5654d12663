"""Check API responses against the served OpenAPI document (a real JSON Schema validation)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.test import Client
from jsonschema import Draft202012Validator


@cache
def _spec() -> dict[str, Any]:
    return dict(Client().get("/api/v1/openapi.json").json())


def _operation(path: str, method: str) -> dict[str, Any]:
    spec = _spec()
    bare = path.split("?", 1)[0]
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method in operations:
            return dict(operations[method])
    raise AssertionError(f"{method.upper()} {bare} is not in the OpenAPI document")


def assert_matches_openapi(path: str, body: Any, *, method: str = "get", status: int = 200) -> None:
    operation = _operation(path, method)
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    document = {**schema, "components": _spec().get("components", {})}
    errors = sorted(Draft202012Validator(document).iter_errors(body), key=str)
    assert not errors, f"{path}: response does not match OpenAPI: {errors[0].message}"
