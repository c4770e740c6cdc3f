"""No model relation points up the layers of .importlinter.

Import checks (lint-imports, run by ./test) cannot see a string foreign key such as
`ForeignKey("enrollments.Enrollment")`: this test walks Django's app registry instead, so the next
relation that points from a lower app to a higher one fails the suite.
"""

import configparser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent


def layer_of_app() -> dict[str, int]:
    """App label → layer number (0 = lowest), read from .importlinter's layers contract."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    lines = [line.strip() for line in config["importlinter:contract:layers"]["layers"].splitlines() if line.strip()]
    layers = {}
    for height, line in enumerate(reversed(lines)):
        for name in line.replace("|", " ").replace(":", " ").split():
            layers[name] = height
    return layers


LAYERS = layer_of_app()


def project_models():
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in LAYERS]


def test_every_project_app_has_a_layer():
    project_apps = {c.label for c in apps.get_app_configs() if Path(c.path).parent == ROOT}
    assert project_apps - set(LAYERS) == set()


def upward_relations(model) -> list[str]:
    """The relations declared on `model` that point to a model of a higher layer."""
    source = model._meta.app_label
    return [
        f"{model._meta.label}.{field.name} → {field.related_model._meta.label}"
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation
        and field.concrete  # declared on this model, not the reverse side of another model's relation
        and field.related_model is not None
        and field.related_model._meta.app_label in LAYERS
        and LAYERS[field.related_model._meta.app_label] > LAYERS[source]
    ]


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_relations_point_down_or_sideways(model):
    assert upward_relations(model) == []


def test_the_check_sees_an_upward_relation():
    """The check itself can fail: the ledger's old column pointing up to an enrollment is caught."""
    from certificates.models import LedgerEntry
    from enrollments.models import Enrollment

    enrollment = SimpleNamespace(name="enrollment", is_relation=True, concrete=True, related_model=Enrollment)
    ledger = SimpleNamespace(
        _meta=SimpleNamespace(
            app_label=LedgerEntry._meta.app_label,
            label=LedgerEntry._meta.label,
            get_fields=lambda include_hidden: [*LedgerEntry._meta.get_fields(include_hidden=True), enrollment],
        )
    )
    assert upward_relations(ledger) == ["certificates.LedgerEntry.enrollment → enrollments.Enrollment"]
