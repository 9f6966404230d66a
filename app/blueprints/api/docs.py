"""/api/docs: the API reference, rendered on the server from the same OpenAPI document the API serves, so
it is never out of step with it and loads nothing from another host (a plain page that reads on a phone)."""
import json

from flask import Blueprint, current_app, render_template

docs_bp = Blueprint("api_docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


@docs_bp.get("/api/docs")
def reference():
    spec = current_app.extensions["spotter_api"].spec.to_dict()
    return render_template("api/docs.html", info=spec["info"], operations=operations(spec),
                           schemas=spec["components"]["schemas"])


def operations(spec: dict) -> list[dict]:
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                operation = {**item[method], "parameters": item.get("parameters", []) +
                             item[method].get("parameters", [])}
                found.append(_operation(spec, path, method, operation))
    return found


def _operation(spec: dict, path: str, method: str, operation: dict) -> dict:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return {"id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
            "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
            "description": operation.get("description", ""), "parameters": operation.get("parameters", []),
            "body": body and {"fields": _fields(spec, body["schema"]), "example": _pretty(body.get("example"))},
            "responses": [_response(spec, code, response)
                          for code, response in sorted(operation["responses"].items())]}


def _response(spec: dict, code: str, response: dict) -> dict:
    content_type, content = next(iter(response.get("content", {}).items()), (None, {}))
    return {"code": code, "description": response.get("description", ""), "content_type": content_type,
            "headers": response.get("headers", {}), "example": _pretty(content.get("example")),
            "schema": _schema_name(content.get("schema"))}


def _schema_name(schema: dict | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def _fields(spec: dict, schema: dict) -> list[dict]:
    name = _schema_name(schema)
    schema = spec["components"]["schemas"][name] if name else schema
    required = set(schema.get("required", []))
    return [{"name": field, "type": _type(prop), "required": field in required,
             "description": prop.get("description", "")} for field, prop in schema.get("properties", {}).items()]


def _type(prop: dict) -> str:
    kind = prop.get("type", "object")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if "enum" in prop:
        kind += ": " + ", ".join(str(value) for value in prop["enum"] if value is not None)
    if "$ref" in prop or "items" in prop:
        kind += " " + (_schema_name(prop.get("items", prop)) or "")
    return kind.strip()


def _pretty(example) -> str | None:
    return None if example is None else json.dumps(example, indent=2, ensure_ascii=False)
