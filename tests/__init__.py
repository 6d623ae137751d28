"""The test suite (a package, so `tests.conftest` is never shadowed by an installed `tests`)."""
