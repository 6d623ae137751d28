"""The build's side of the site (`publish.site`): each leaflet page's links before it is
rendered, the pages to render again when a link turned out wrong, the indexes at the end.

A page's links name the outputs it has in each locale. Before the build runs they are
predicted from the state (what earlier builds left) plus, in the page's own locale, the
formats asked now: a format being built for the first time is linked from the first build.
Another locale's page is linked only once it exists, so a translation that keeps failing
(an untranslated page) never makes its links change back and forth between builds. After
the jobs ran, the links are taken from the state again; a page whose links differ (a job
failed, a new translation appeared) is rendered again, in this process. The links are
part of the page's fingerprint, so a build that changed nothing renders nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from publish.build.outputs import planned_name
from publish.build.scheduling import InlineScheduler, PageTask
from publish.build.state import BuildState, job_id, split_job_id
from publish.config import SiteConfig
from publish.pages import PageRef
from publish.renderers import get_renderer_class
from publish.rendering import JobOutcome, RendererPool
from publish.site import SiteResult, page_links, write_site
from publish.site.links import PAGE_SUFFIX

SiteLinks = dict[str, dict[str, Any] | None]
"""Locale → the links of one page's leaflet in that locale (None: no leaflet there)."""


def uses_links(fmt: str) -> bool:
    """The format shows the page's links (the HTML page), so they are part of its key."""
    return bool(getattr(get_renderer_class(fmt), "site_links", False))


def predicted_links(key: str, state: BuildState, locales: Iterable[str],
                    formats: Iterable[str]) -> SiteLinks:
    """The page's links before its jobs run: what the state records, and in each locale
    asked the suffixes of the formats asked there (see the module's docstring)."""
    asked_locales, asked_formats = set(locales), list(formats)
    suffixes = recorded_suffixes(key, state)
    links: SiteLinks = {}
    for locale in asked_locales:
        own = set(suffixes.get(locale, ()))
        for fmt in asked_formats:
            if job_id(key, locale, fmt) not in state.jobs:
                own.update(get_renderer_class(fmt).suffixes)
        links[locale] = page_links(key, locale, {**suffixes, locale: own})
    return links


def recorded_suffixes(key: str, state: BuildState) -> dict[str, set[str]]:
    """Locale → the suffixes of the outputs the state records for the page."""
    found: dict[str, set[str]] = {}
    for job in state.jobs_of(key):
        _page, locale, _fmt = split_job_id(job)
        stem = planned_name(key, locale, "")
        for name in state.jobs[job].outputs:
            if name.startswith(stem):
                found.setdefault(locale, set()).add(name[len(stem):])
    return found


def actual_links(key: str, state: BuildState, locales: Iterable[str]) -> SiteLinks:
    suffixes = recorded_suffixes(key, state)
    return {locale: page_links(key, locale, suffixes) for locale in locales}


def with_links(fingerprint: str, links: Mapping[str, Any] | None) -> str:
    """A job's fingerprint with the page's links in it: other links, another page."""
    if links is None:
        return fingerprint
    text = json.dumps(links, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{fingerprint}\0{text}".encode()).hexdigest()


def relink(pages: Mapping[str, PageRef], planned: Mapping[str, SiteLinks],
           base: Mapping[str, str], state: BuildState, config: SiteConfig,
           theme: str | None, pool: RendererPool, timeout: float,
           accept: Callable[[JobOutcome, str], None]) -> int:
    """Render again, in this process, every leaflet page whose links the build made wrong;
    `accept(outcome, fingerprint)` writes and records each. Returns how many ran."""
    tasks: list[PageTask] = []
    fingerprints: dict[str, str] = {}
    for key, links in planned.items():
        locales = list(links)
        actual = actual_links(key, state, locales)
        redo = []
        for locale in locales:
            job = job_id(key, locale, "html")
            record = state.jobs.get(job)
            if record is None or job not in base or actual[locale] == links[locale]:
                continue
            if record.status != "written":
                if record.status != "failed":
                    # Skipped or withheld, nothing to correct: its record takes the links
                    # that were, so the next build does not run it again for them.
                    state.record(job, replace(record, fingerprint=with_links(
                        base[job], actual[locale])), None)
                continue
            redo.append((locale, "html"))
            fingerprints[job] = with_links(base[job], actual[locale])
        if redo and key in pages:
            tasks.append(PageTask(pages[key], tuple(redo), site=actual))
    if tasks:
        InlineScheduler(timeout, pool).run(
            tasks, config, theme, ("html",),
            lambda outcome: accept(outcome, fingerprints[job_id(outcome.page, outcome.locale,
                                                                 outcome.format)]))
    return sum(len(task.jobs) for task in tasks)


def write_indexes(output_dir: Path, config: SiteConfig, theme: str | None,
                  state: BuildState) -> SiteResult:
    """The site's indexes over every leaflet page the state records."""
    leaflets: dict[str, list[str]] = {}
    for job, record in state.jobs.items():
        page, locale, _fmt = split_job_id(job)
        name = planned_name(page, locale, PAGE_SUFFIX)
        if record.status == "written" and name in record.outputs:
            leaflets.setdefault(locale, []).append(name)
    return write_site(output_dir, config, theme, leaflets)
