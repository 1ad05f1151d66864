"""The seals tests' fixtures (make_enterprise, seal_world, active_seal) live in tests/conftest.py: the browser
journeys (tests/e2e/test_seals.py) use them too."""
