"""The catalog workflow over a site's files: extract, init, update, compile, stats.

Each step is a function of the configuration and the pages, returning what it did; the
`publish catalog` commands print it. Files are written only when their bytes change, always
atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from publish.catalogs import layout
from publish.catalogs.compiled import Problem, compile_catalog
from publish.catalogs.extract import page_template, shared_template
from publish.catalogs.gate import PageStatus, check_page, shared_problems
from publish.catalogs.languages import language
from publish.catalogs.merge import UpdateReport, init_catalog, update_catalog
from publish.catalogs.pofile import read_po, save
from publish.catalogs.reuse import Memory, ReuseReport, fill, locale_memory
from publish.config import SiteConfig
from publish.errors import CatalogError, PublishError
from publish.model import Leaflet, Status
from publish.pages import PageRef


@dataclass
class StepReport:
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    entries: int = 0
    updates: dict[Path, UpdateReport] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    reuse: ReuseReport = field(default_factory=ReuseReport)
    """Entries filled from other pages' translations (`publish.catalogs.reuse`)."""

    @property
    def ok(self) -> bool:
        return not self.errors


def read_leaflets(pages: Iterable[PageRef], config: SiteConfig,
                  report: StepReport) -> Iterator[Leaflet]:
    """The publishable leaflets of `pages`; unreadable and unstructured pages are reported."""
    from publish.reader import read_page

    for page in pages:
        try:
            leaflet = read_page(page.path, config, key=page.key)
        except PublishError as error:
            report.errors.append(str(error))
            continue
        if leaflet.status is Status.UNSTRUCTURED and not config.site["publish_unstructured"]:
            report.skipped.append(f"{page.path}: unstructured page, not published")
            continue
        yield leaflet


def extract(config: SiteConfig, pages: list[PageRef], *, prune: bool = False) -> StepReport:
    """Write the shared template and one template per page; with `prune`, remove the
    templates of pages that no longer exist (only meaningful over the whole content)."""
    report = StepReport()
    shared = shared_template(config)
    _save(shared, layout.shared_template(config), report)
    report.entries += len(shared.entries)
    kept: dict[Path, str] = {}
    for leaflet in read_leaflets(pages, config, report):
        template = page_template(leaflet, config)
        target = layout.page_template(config, leaflet.source)
        if target in kept:
            report.errors.append(f"{leaflet.source}: same catalog path as {kept[target]} "
                                 f"({layout.display(target, config)}); rename one page")
            continue
        kept[target] = leaflet.source
        report.entries += len(template.entries)
        _save(template, target, report)
    if prune and not report.errors:
        for path in layout.page_templates(config):
            if path not in kept:
                path.unlink()
                report.removed.append(path)
    return report


def _save(catalog, path: Path, report: StepReport) -> None:  # type: ignore[no-untyped-def]
    if save(catalog, path):
        report.written.append(path)
    else:
        report.unchanged += 1


def _templates(config: SiteConfig, pages: list[PageRef] | None) -> list[Path]:
    shared = layout.shared_template(config)
    if not shared.is_file():
        raise CatalogError("no templates yet: run `publish catalog extract` first",
                           layout.display(shared, config))
    if pages is None:
        return [shared, *layout.page_templates(config)]
    chosen = [layout.page_template(config, page.key) for page in pages]
    return [shared, *[path for path in chosen if path.is_file()]]


def init(config: SiteConfig, locale: str, pages: list[PageRef] | None = None, *,
         reuse: bool = True) -> StepReport:
    """Create the catalogs of `locale` that do not exist yet (pseudo-locales: all of them);
    with `reuse`, page entries translated on other pages are filled in."""
    lang = language(locale)
    report = StepReport()
    memory: Memory | None = None
    for template_path in _templates(config, pages):
        target = layout.catalog_for_template(config, locale, template_path)
        if target.is_file() and not lang.pseudo:
            report.skipped.append(f"{layout.display(target, config)} exists: "
                                  "use `publish catalog update`")
            continue
        catalog = init_catalog(read_po(template_path), lang)
        if reuse and not lang.pseudo and template_path != layout.shared_template(config):
            memory = memory or locale_memory(config, locale)
            report.reuse.add(fill(catalog, memory, _origin(config, locale, target)))
        _save(catalog, target, report)
    return report


def _origin(config: SiteConfig, locale: str, path: Path) -> str:
    return path.relative_to(layout.messages_dir(config, locale)).as_posix()


def update(config: SiteConfig, locale: str, pages: list[PageRef] | None = None, *,
           reuse: bool = True) -> StepReport:
    """Merge the templates into the catalogs of `locale` (creating missing ones); with
    `reuse`, page entries left untranslated are filled from other pages' translations."""
    lang = language(locale)
    report = StepReport()
    memory: Memory | None = None
    for template_path in _templates(config, pages):
        target = layout.catalog_for_template(config, locale, template_path)
        template = read_po(template_path)
        if target.is_file():
            catalog, changes = update_catalog(read_po(target), template, lang)
            report.updates[target] = changes
        else:
            catalog = init_catalog(template, lang)
            report.updates[target] = UpdateReport(added=len(catalog.entries))
        if reuse and not lang.pseudo and template_path != layout.shared_template(config):
            memory = memory or locale_memory(config, locale)
            report.reuse.add(fill(catalog, memory, _origin(config, locale, target)))
        _save(catalog, target, report)
    if pages is None:
        templates = set(layout.page_templates(config))
        folder = layout.messages_dir(config, locale) / layout.PAGES
        for path in sorted(folder.rglob("*.po")) if folder.is_dir() else []:
            if layout.template_for_catalog(config, locale, path) not in templates:
                report.skipped.append(f"{layout.display(path, config)}: its page is gone "
                                      "(delete the catalog when it is no longer needed)")
    return report


def compile_locale(config: SiteConfig, locale: str) -> StepReport:
    report = StepReport()
    folder = layout.messages_dir(config, locale)
    if not folder.is_dir():
        raise CatalogError(f"no catalogs for locale {locale!r}: run `publish catalog init "
                           f"--locale {locale}`", layout.display(folder, config))
    for path in sorted(folder.rglob("*.po")):
        target, problems = compile_catalog(path)
        report.problems.extend(problems)
        if target is None:
            report.errors.append(f"{layout.display(path, config)}: not compiled "
                                 "(placeholder errors)")
        else:
            report.written.append(target)
    return report


@dataclass
class LocaleStats:
    locale: str
    shared_total: int
    shared_missing: int
    pages: list[PageStatus]


def stats(config: SiteConfig, locales: list[str], pages: list[PageRef]) -> tuple[
        list[LocaleStats], StepReport]:
    """The gate's verdict for every page in every locale (what the build would do)."""
    report = StepReport()
    leaflets = list(read_leaflets(pages, config, report))
    result = []
    for locale in locales:
        messages, missing = shared_problems(config, locale)
        total = len(messages.entries) if messages is not None else 0
        statuses = [check_page(leaflet, locale, config)[0] for leaflet in leaflets]
        result.append(LocaleStats(locale, total, len(missing), statuses))
    return result, report
