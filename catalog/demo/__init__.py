"""Demo data for a realistic Тульская область (the `demo_region` management command)."""
