"""Typed incident attributes: JSON Schema checks, field-level errors and form fields.

A type's schema is a JSON Schema (draft 2020-12) of ``type: object`` whose properties are
simple values: ``string`` (optionally ``enum``, ``format: date``, ``maxLength``), ``integer``
and ``number`` (``minimum``/``maximum``), ``boolean`` and ``array`` of string ``enum`` items.
Two annotations serve the forms: ``x-title`` (``{"kk": …, "ru": …, "en": …}``) and
``x-enum-labels`` (``{"ru": [...], …}`` in the order of ``enum``). ``x-public: true`` marks a
property that the public may read on a published incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as JsonValidationError

FIELD_PREFIX = "attr__"
SIMPLE_TYPES = frozenset({"string", "integer", "number", "boolean", "array"})


class SchemaProblem(ValueError):
    """A type's schema cannot be used; the message names the property."""


class AttributeErrors(ValueError):
    """Typed attributes do not fit the schema: ``errors`` maps property → messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        text = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        super().__init__(text)


def check_schema(schema: Any) -> None:
    """Raise :class:`SchemaProblem` unless ``schema`` is a usable attribute schema."""
    if not isinstance(schema, dict):
        raise SchemaProblem("the schema must be a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "schema"
        raise SchemaProblem(f"{where}: {exc.message}") from None
    if schema.get("type", "object") != "object":
        raise SchemaProblem("the schema's type must be 'object'")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise SchemaProblem("properties must be an object")
    for name, spec in properties.items():
        if not isinstance(spec, dict):
            raise SchemaProblem(f"{name}: the property must be an object")
        kind = spec.get("type")
        if kind not in SIMPLE_TYPES:
            raise SchemaProblem(f"{name}: type must be one of {', '.join(sorted(SIMPLE_TYPES))}")
        if kind == "array" and not (
            isinstance(spec.get("items"), dict) and "enum" in spec["items"]
        ):
            raise SchemaProblem(f"{name}: an array needs items with an enum")
    for name in schema.get("required", []):
        if name not in properties:
            raise SchemaProblem(f"required: {name!r} is not a property")


def _message(error: JsonValidationError, spec: dict[str, Any]) -> str:
    """A short, translated message for one validation error."""
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        return _("This field is required.")
    if kind == "type":
        names = {
            "integer": _("a whole number"),
            "number": _("a number"),
            "string": _("text"),
            "boolean": _("yes or no"),
            "array": _("a list"),
        }
        wanted = value if isinstance(value, str) else (value[0] if value else "")
        return _("Enter %(kind)s.") % {"kind": names.get(str(wanted), str(wanted))}
    if kind == "minimum":
        return _("Must be at least %(value)s.") % {"value": value}
    if kind == "maximum":
        return _("Must be at most %(value)s.") % {"value": value}
    if kind == "exclusiveMinimum":
        return _("Must be more than %(value)s.") % {"value": value}
    if kind == "exclusiveMaximum":
        return _("Must be less than %(value)s.") % {"value": value}
    if kind == "enum":
        return _("Choose one of: %(values)s.") % {"values": ", ".join(map(str, value))}
    if kind == "maxLength":
        return _("At most %(value)s characters.") % {"value": value}
    if kind == "minLength":
        return _("At least %(value)s characters.") % {"value": value}
    if kind == "pattern":
        return _("Does not have the expected form.")
    if kind == "format":
        return _("Enter a valid %(format)s.") % {"format": value}
    if kind in {"minItems", "maxItems"}:
        return _("Wrong number of choices.")
    if kind == "additionalProperties":
        return _("Unknown field.")
    return str(error.message)


def attribute_errors(schema: dict[str, Any], attributes: Any) -> dict[str, list[str]]:
    """Field-level problems of ``attributes`` against ``schema`` (empty when valid).

    Keys are property names; problems not tied to one property are under ``"__all__"``.
    """
    if not isinstance(attributes, dict):
        return {"__all__": [_("The attributes must be an object.")]}
    if not schema:
        return {}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    properties = schema.get("properties", {})
    found: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(attributes), key=lambda e: list(e.path)):
        if error.validator == "required":
            names = [n for n in error.validator_value if n not in attributes]
        elif error.validator == "additionalProperties":
            names = [n for n in attributes if n not in properties]
        else:
            names = [str(error.path[0])] if error.path else ["__all__"]
        for name in names or ["__all__"]:
            message = _message(error, properties.get(name, {}))
            if message not in found.setdefault(name, []):
                found[name].append(message)
    return found


def validate_attributes(schema: dict[str, Any], attributes: Any) -> None:
    """Raise :class:`AttributeErrors` unless ``attributes`` fit ``schema``."""
    errors = attribute_errors(schema, attributes)
    if errors:
        raise AttributeErrors(errors)


def _language() -> str:
    return (get_language() or "en")[:2]


def property_title(name: str, spec: dict[str, Any], language: str | None = None) -> str:
    titles = spec.get("x-title")
    language = language or _language()
    if isinstance(titles, dict):
        for lang in (language, "en", "ru", "kk"):
            if titles.get(lang):
                return str(titles[lang])
    return str(spec.get("title") or name.replace("_", " ").capitalize())


def enum_choices(spec: dict[str, Any], language: str | None = None) -> list[tuple[str, str]]:
    values = spec.get("enum", [])
    labels_by_lang = spec.get("x-enum-labels")
    language = language or _language()
    labels: list[str] | None = None
    if isinstance(labels_by_lang, dict):
        for lang in (language, "en", "ru", "kk"):
            candidate = labels_by_lang.get(lang)
            if isinstance(candidate, list) and len(candidate) == len(values):
                labels = [str(v) for v in candidate]
                break
    return [(str(v), labels[i] if labels else str(v)) for i, v in enumerate(values)]


class _YesNoField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[("", "—"), ("true", _("yes")), ("false", _("no"))],
            coerce=lambda v: v == "true",
            empty_value=None,
            **kwargs,
        )


def form_fields(schema: dict[str, Any]) -> dict[str, forms.Field]:
    """Django form fields for the schema's properties, named ``attr__<property>``.

    The form only converts text to values; the schema (through :func:`attribute_errors`)
    decides what is valid, so its messages land on the same fields.
    """
    properties = schema.get("properties", {}) if schema else {}
    required = set(schema.get("required", [])) if schema else set()
    fields: dict[str, forms.Field] = {}
    for name, spec in properties.items():
        label = property_title(name, spec)
        help_text = str(spec.get("description", ""))
        common: dict[str, Any] = {"label": label, "required": False, "help_text": help_text}
        kind = spec.get("type")
        field: forms.Field
        if kind == "string" and "enum" in spec:
            field = forms.ChoiceField(choices=[("", "—"), *enum_choices(spec)], **common)
        elif kind == "string" and spec.get("format") == "date":
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        elif kind == "string":
            long_text = int(spec.get("maxLength", 1000)) > 200
            widget = forms.Textarea(attrs={"rows": 3}) if long_text else forms.TextInput()
            field = forms.CharField(widget=widget, **common)
        elif kind == "integer":
            field = forms.IntegerField(
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **common
            )
        elif kind == "number":
            field = forms.FloatField(
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **common
            )
        elif kind == "boolean":
            field = _YesNoField(**common)
        elif kind == "array":
            field = forms.MultipleChoiceField(
                choices=enum_choices(spec.get("items", {})),
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        else:  # pragma: no cover - check_schema refuses other types
            continue
        if name in required:
            field.widget.attrs["aria-required"] = "true"
            field.label = f"{label} *"
        fields[FIELD_PREFIX + name] = field
    return fields


def attributes_from_cleaned(schema: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    """The attributes object from a form's cleaned data (empty answers left out)."""
    properties = schema.get("properties", {}) if schema else {}
    result: dict[str, Any] = {}
    for name, spec in properties.items():
        value = cleaned.get(FIELD_PREFIX + name)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        if spec.get("type") == "string" and isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        result[name] = value
    return result


def initial_from_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name, value in (attributes or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        initial[FIELD_PREFIX + name] = value
    return initial


def display_attributes(
    schema: dict[str, Any], attributes: dict[str, Any], *, public_only: bool = False
) -> list[tuple[str, str]]:
    """(label, text) pairs in the schema's order, for pages."""
    properties = schema.get("properties", {}) if schema else {}
    rows: list[tuple[str, str]] = []
    names: Iterable[str] = list(properties) + [n for n in attributes if n not in properties]
    for name in names:
        if name not in attributes:
            continue
        spec = properties.get(name, {})
        if public_only and not spec.get("x-public"):
            continue
        value = attributes[name]
        if spec.get("type") == "string" and "enum" in spec:
            text = dict(enum_choices(spec)).get(str(value), str(value))
        elif spec.get("type") == "array":
            labels = dict(enum_choices(spec.get("items", {})))
            text = ", ".join(labels.get(str(v), str(v)) for v in value)
        elif isinstance(value, bool):
            text = _("yes") if value else _("no")
        else:
            text = str(value)
        rows.append((property_title(name, spec), text))
    return rows
