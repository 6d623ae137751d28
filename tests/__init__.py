"""The test suite as a package: `from tests.conftest import …` must find this folder, not a
top-level `tests` package some dependency installs into site-packages (textstat's does)."""
