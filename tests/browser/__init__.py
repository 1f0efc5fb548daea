"""Browser tests (headless Chromium): a package, so its conftest never shadows tests/conftest.py."""
