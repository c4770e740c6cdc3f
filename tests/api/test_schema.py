"""The OpenAPI schema is generated without a warning and validates against the OpenAPI specification."""

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))

    schema = yaml.safe_load(schema_file.read_text())
    assert "/api/v1/programs/" in schema["paths"]
    assert {"/api/v1/enrollments/", "/api/v1/enrollments/{id}/accept/", "/api/v1/enrollments/quote/"} <= set(
        schema["paths"]
    )
