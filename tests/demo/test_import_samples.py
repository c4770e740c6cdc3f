"""The demo's sample import files (demo/fixtures/) pass the registry imports' checks as they are."""

import pytest
from import_export.formats.base_formats import XLSX

from demo.import_samples import CHILDREN, CHILDREN_FILE, MUNICIPALITY, PROVIDERS, PROVIDERS_FILE
from municipal.imports import ChildCertificateImportResource, ProviderImportResource
from tests.catalog.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "resource_class", "rows"),
    [
        (CHILDREN_FILE, ChildCertificateImportResource, len(CHILDREN)),
        (PROVIDERS_FILE, ProviderImportResource, len(PROVIDERS)),
    ],
    ids=["children", "providers"],
)
def test_a_sample_file_imports_cleanly_in_a_dry_run(path, resource_class, rows):
    plavsk = MunicipalityFactory(name=MUNICIPALITY, code="19")
    dataset = XLSX().create_dataset(path.read_bytes())

    result = resource_class(municipality_id=plavsk.pk).import_data(dataset, dry_run=True)

    assert not result.has_errors() and not result.has_validation_errors(), [
        (row.number, row.error_dict) for row in result.invalid_rows
    ]
    assert result.totals["new"] == rows
