"""The site around the leaflets: what each leaflet page links to (`links`) and the indexes
(`index`). Orchestration, not a format: the build decides the links before it renders and
writes the indexes after, from the outputs its state records."""

from publish.site.index import SiteResult, write_site
from publish.site.links import page_links

__all__ = ["SiteResult", "page_links", "write_site"]
