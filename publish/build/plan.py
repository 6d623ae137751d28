"""The plan of a build: which jobs are up to date, which run, which are refused, which pages
are gone.

Pages are hashed, not parsed: deciding that a job is up to date reads no Markdown. Before
anything runs, every output name of every job is claimed, so that two pages that would write
the same file are both refused rather than one overwriting the other's leaflet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publish.build.fingerprints import InputFingerprints, sha256_bytes
from publish.build.outputs import OutputWriter, outputs_intact, planned_name, remove_outputs
from publish.build.report import WITHHELD
from publish.build.scheduling import PageTask
from publish.build.site import SiteLinks, predicted_links, uses_links, with_links
from publish.build.state import BuildState, job_id, split_job_id
from publish.errors import PublishError
from publish.pages import PageRef
from publish.renderers import get_renderer_class
from publish.rendering import JobOutcome, input_error


@dataclass(frozen=True)
class BuildRequest:
    pages: tuple[PageRef, ...]
    locales: tuple[str, ...]
    formats: tuple[str, ...]
    theme: str | None = None


@dataclass
class Plan:
    tasks: list[PageTask]
    """Pages with the jobs they still need, for a scheduler."""
    unchanged: list[JobOutcome]
    failed: list[JobOutcome]
    """Jobs refused before running (colliding output names, unreadable inputs)."""
    fingerprints: dict[str, str]
    sources: dict[str, str]
    """Page key → its source path, recorded with each job (to notice removed pages)."""
    writer: OutputWriter
    links: dict[str, SiteLinks] = field(default_factory=dict)
    """Page key → its links in the site, per locale, as its leaflet pages are rendered."""
    base_fingerprints: dict[str, str] = field(default_factory=dict)
    """Job → its fingerprint without the links, for the jobs whose output shows them."""


def make_plan(request: BuildRequest, state: BuildState, fingerprints: InputFingerprints,
              output_dir: Path, force: bool, ship_sources: bool) -> Plan:
    """Sort every job of the request: unchanged, refused, or to run (grouped by page)."""
    owners, collisions = claim_outputs(request, state)
    plan = Plan([], [], [], {}, {}, OutputWriter(output_dir, owners))
    for page in request.pages:
        if page.key in collisions:
            plan.failed.extend(JobOutcome(page.key, locale, fmt, "failed",
                                          error=collisions[page.key])
                               for locale in request.locales for fmt in request.formats)
            continue
        try:
            data = page.path.read_bytes()
        except OSError as error:
            message = f"{page.path}: cannot read: {error.strerror or error}"
            plan.failed.extend(JobOutcome(page.key, locale, fmt, "failed", error=message)
                               for locale in request.locales for fmt in request.formats)
            continue
        page_sha = sha256_bytes(data)
        plan.sources[page.key] = str(page.path.resolve())
        todo: list[tuple[str, str]] = []
        links = predicted_links(page.key, state, request.locales, request.formats)
        if any(uses_links(fmt) for fmt in request.formats):
            plan.links[page.key] = links
        for locale in request.locales:
            for fmt in request.formats:
                job = job_id(page.key, locale, fmt)
                try:
                    fingerprint = fingerprints.job(page_sha, page.key, locale, fmt)
                except (OSError, PublishError) as error:
                    # A catalog or theme file that cannot be read (a folder where a .po
                    # should be…) fails the jobs that need it, not the build.
                    plan.failed.append(JobOutcome(page.key, locale, fmt, "failed",
                                                  error=input_error(page, error)))
                    continue
                if uses_links(fmt):
                    plan.base_fingerprints[job] = fingerprint
                    fingerprint = with_links(fingerprint, links[locale])
                plan.fingerprints[job] = fingerprint
                record = state.jobs.get(job)
                if (not force and record is not None and record.fingerprint == fingerprint
                        and record.status in WITHHELD):
                    # Still withheld: said again (the summary counts it), not run again.
                    plan.unchanged.append(JobOutcome(
                        page.key, locale, fmt, record.status, warnings=list(record.warnings),
                        error=record.reason, missing=list(record.missing)))
                elif (not force and record is not None and record.fingerprint == fingerprint
                        and outputs_intact(output_dir, record)):
                    plan.unchanged.append(JobOutcome(
                        page.key, locale, fmt, "unchanged", outputs=dict(record.outputs),
                        warnings=list(record.warnings),
                        error=record.reason if record.status == "skipped" else None))
                else:
                    todo.append((locale, fmt))
        if todo:
            plan.tasks.append(PageTask(page, tuple(todo), data if ship_sources else None,
                                       links))
    return plan


def claim_outputs(request: BuildRequest, state: BuildState) -> tuple[
        dict[str, str | None], dict[str, str]]:
    """Every output name the build may leave in the folder, and the pages that collide.

    Names come from every job asked (page × locale × format × the renderer's suffixes) and
    from the recorded outputs of jobs not asked this time, whose files stay. Two jobs
    claiming one name, exactly or up to case (one file on case-insensitive file systems),
    would overwrite one medicine's leaflet with another's: `foo.md` in sms and `foo.sms.md`
    in audio both make `foo.sms.txt`. Every job of every page involved is refused.

    Returns (case-folded name → the job that owns it, None when claimed by several) and
    (page key → the error for each of its jobs).
    """
    claims: dict[str, list[tuple[str, str]]] = {}
    asked = {page.key for page in request.pages}

    def claim(name: str, job: str) -> None:
        holders = claims.setdefault(name.casefold(), [])
        if (name, job) not in holders:
            holders.append((name, job))

    for page in request.pages:
        for locale in request.locales:
            for fmt in request.formats:
                for suffix in get_renderer_class(fmt).suffixes:
                    claim(planned_name(page.key, locale, suffix), job_id(page.key, locale, fmt))
    for job, record in state.jobs.items():
        page, locale, fmt = split_job_id(job)
        if page in asked and locale in request.locales and fmt in request.formats:
            continue  # replaced by what this build writes for it
        for name in record.outputs:
            claim(name, job)
    owners: dict[str, str | None] = {}
    collisions: dict[str, str] = {}
    paths = {page.key: str(page.path) for page in request.pages}
    for folded, holders in claims.items():
        jobs = {job for _name, job in holders}
        owners[folded] = holders[0][1] if len(jobs) == 1 else None
        if len(jobs) == 1:
            continue
        for name, job in holders:
            page = split_job_id(job)[0]
            if page not in asked or page in collisions:
                continue
            others = [(other_name, other) for other_name, other in holders if other != job]
            collisions[page] = _collision_message(paths[page], name, job, *others[0],
                                                  paths, state)
    return owners, collisions


def _collision_message(path: str, name: str, job: str, other_name: str, other: str,
                       paths: dict[str, str], state: BuildState) -> str:
    page, locale, fmt = split_job_id(job)
    other_page, other_locale, other_fmt = split_job_id(other)
    if other_page == page:
        return (f"{path}: its {fmt} ({locale}) and {other_fmt} ({other_locale}) outputs "
                f"would both be {name}; not built")
    other_path = paths.get(other_page) or state.pages.get(other_page, other_page)
    if other_name == name:
        clash = f"its output {name} would also be an output of {other_path}"
    else:
        clash = (f"its output {name} and {other_name}, an output of {other_path}, differ "
                 "only in case (one file on case-insensitive file systems)")
    return f"{path}: {clash}; rename one of the two pages"


def remove_deleted_pages(request: BuildRequest, state: BuildState,
                          output_dir: Path) -> list[str]:
    """Remove outputs of recorded pages whose source file is gone (only files we wrote)."""
    requested = {page.key for page in request.pages}
    removed: list[str] = []
    for page, source in list(state.pages.items()):
        if page in requested or Path(source).exists():
            continue
        for job in state.jobs_of(page):
            removed.extend(remove_outputs(output_dir, state.jobs[job].outputs))
            state.forget(job)
        state.forget_page(page)
    return removed
