"""publish: accessible multi-format patient leaflets from Markdown medicine pages."""

__version__ = "0.1.0"
