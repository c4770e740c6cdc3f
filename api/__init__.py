"""The REST API (/api/v1/): thin DRF doors over the apps' selectors and services."""
