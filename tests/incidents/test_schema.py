"""Typed attributes: JSON Schema validation with field-level errors, built-in schemas, forms."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from barys.incidents.builtin_types import BUILTIN_TYPES, POACHING, SICK_ANIMAL
from barys.incidents.models import IncidentType
from barys.incidents.schema import (
    FIELD_PREFIX,
    AttributeErrors,
    SchemaProblem,
    attribute_errors,
    attributes_from_cleaned,
    check_schema,
    form_fields,
    validate_attributes,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("spec", BUILTIN_TYPES, ids=[t[0] for t in BUILTIN_TYPES])
def test_builtin_schemas_are_valid(spec) -> None:
    check_schema(spec[-1])
    fields = form_fields(spec[-1])
    assert fields and all(name.startswith(FIELD_PREFIX) for name in fields)


def test_valid_attributes_have_no_errors() -> None:
    assert (
        attribute_errors(
            SICK_ANIMAL, {"condition": "weakened", "symptoms": ["lethargy"], "near_people": True}
        )
        == {}
    )


def test_errors_are_keyed_by_field() -> None:
    errors = attribute_errors(
        POACHING, {"poaching_kind": "dynamite", "evidence": [], "suspects_detained": -1, "extra": 1}
    )
    assert set(errors) == {"poaching_kind", "evidence", "suspects_detained", "extra"}
    assert "Choose one of" in errors["poaching_kind"][0]
    assert "at least 0" in errors["suspects_detained"][0]
    assert errors["extra"] == ["Unknown field."]


def test_missing_required_fields_are_named() -> None:
    errors = attribute_errors(POACHING, {})
    assert errors == {
        "poaching_kind": ["This field is required."],
        "evidence": ["This field is required."],
    }
    with pytest.raises(AttributeErrors) as caught:
        validate_attributes(POACHING, {})
    assert "poaching_kind" in str(caught.value)


def test_wrong_types_are_reported() -> None:
    errors = attribute_errors(SICK_ANIMAL, {"condition": "weakened", "near_people": "often"})
    assert errors == {"near_people": ["Enter yes or no."]}


@pytest.mark.parametrize(
    "schema",
    [
        [],
        {"type": "array"},
        {"properties": {"a": {"type": "x"}}},
        {"properties": {"a": {"type": "array"}}},
        {"properties": {}, "required": ["b"]},
        {"type": "object", "properties": {"a": {"type": 5}}},
    ],
)
def test_unusable_schemas_are_refused(schema) -> None:
    with pytest.raises(SchemaProblem):
        check_schema(schema)


@pytest.mark.django_db
def test_curators_get_a_clear_error_for_a_bad_schema() -> None:
    kind = IncidentType(code="x", name_en="X", schema={"properties": {"a": {"type": "blob"}}})
    with pytest.raises(ValidationError) as caught:
        kind.full_clean()
    assert "properties/a/type" in str(caught.value)


def test_form_fields_turn_text_into_values() -> None:
    from django import forms

    class F(forms.Form):
        pass

    form = F(
        data={
            "attr__poaching_kind": "snare",
            "attr__evidence": ["snares", "camp"],
            "attr__evidence_items_seized": "3",
            "attr__reported_to_police": "true",
            "attr__case_reference": "  ",
        }
    )
    form.fields.update(form_fields(POACHING))
    assert form.is_valid(), form.errors
    assert attributes_from_cleaned(POACHING, form.cleaned_data) == {
        "poaching_kind": "snare",
        "evidence": ["snares", "camp"],
        "evidence_items_seized": 3,
        "reported_to_police": True,
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["poaching_kind", "evidence", "suspects_detained", "case_reference", "x", ""]
        ),
        json_values,
        max_size=5,
    )
)
def test_any_attributes_give_field_errors_never_a_crash(attributes) -> None:
    errors = attribute_errors(POACHING, attributes)
    allowed = set(POACHING["properties"]) | set(attributes) | {"__all__"}
    assert set(errors) <= allowed
    assert all(isinstance(m, str) and m for msgs in errors.values() for m in msgs)


@settings(max_examples=50, deadline=None)
@given(json_values)
def test_non_objects_are_refused_clearly(value) -> None:
    errors = attribute_errors(SICK_ANIMAL, value)
    if isinstance(value, dict):
        return
    assert errors == {"__all__": ["The attributes must be an object."]}
