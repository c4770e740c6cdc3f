"""Demo data for a realistic Тульская область (the `demo_region` management command).

A development-only app (config/settings/dev.py installs it, production never does): nothing
outside demo, esia_standin, devstack, tests and bench imports it.
"""
