"""The build's record of an output folder: what each job was built from, and what it wrote.

A job (page × locale × format) is skipped when its fingerprint (`publish.build.fingerprints`)
matches the one recorded after its last successful run. The state lives in the output folder
(`.publish-state.json`). While a build runs, each finished job is appended to a journal
(`.publish-state.journal`) right after its files are renamed into place, so a build killed
with `kill -9` loses at most the jobs in flight; the next build replays the journal, then
folds it into the state file (written atomically) when it ends. Rewriting the whole state
after every job would cost O(jobs²) bytes on a corpus of thousands of pages. Both files are
opened without following links (`publish.files`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import publish
from publish.errors import PublishError
from publish.files import (
    describe_os_error,
    open_no_follow,
    read_no_follow,
    refuse_link,
    write_file_atomic,
)

STATE_NAME = ".publish-state.json"
JOURNAL_NAME = ".publish-state.journal"
STATE_VERSION = 1


def job_id(page: str, locale: str, fmt: str) -> str:
    return f"{page}\t{locale}\t{fmt}"


def split_job_id(value: str) -> tuple[str, str, str]:
    page, locale, fmt = value.split("\t")
    return page, locale, fmt


@dataclass
class JobRecord:
    """What the last successful run of one job was built from and what it left on disk."""

    fingerprint: str
    status: str
    """written | skipped (a page that is deliberately not published) | untranslated,
    awaiting-approval (withheld in this locale until its catalogs change)"""
    outputs: dict[str, int] = field(default_factory=dict)
    """Output path relative to the output folder → size in bytes."""
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    missing: list[dict[str, Any]] = field(default_factory=list)
    """For a withheld job: the strings that hold it back (reported again while unchanged)."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobRecord:
        return cls(fingerprint=str(data["fingerprint"]), status=str(data["status"]),
                   outputs={str(k): int(v) for k, v in dict(data.get("outputs", {})).items()},
                   warnings=[str(w) for w in data.get("warnings", [])],
                   reason=data.get("reason"),
                   missing=[dict(item) for item in data.get("missing", [])])


class BuildState:
    """The recorded jobs of one output folder; see the module docstring for the file format."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.jobs: dict[str, JobRecord] = {}
        self.pages: dict[str, str] = {}
        """Page key → the source path it was read from (to notice removed pages)."""
        self._journal: int | None = None
        self._by_page: dict[str, dict[str, None]] | None = None
        """Page key → its job ids, in the order of `jobs` (built on first use, then kept)."""
        self._indexed = 0
        self._dirty = False
        self.journal_error: str | None = None
        """Why the journal could not be written (a full disk…): finished jobs are then
        recorded only when the state is saved at the end."""

    @property
    def state_path(self) -> Path:
        return self.output_dir / STATE_NAME

    @property
    def journal_path(self) -> Path:
        return self.output_dir / JOURNAL_NAME

    @classmethod
    def load(cls, output_dir: Path) -> BuildState:
        """The state left by earlier builds, journal included; empty when there is none.

        A link in place of the state or the journal is refused (`PublishError`): the build
        would read a file it does not own, then write through the link."""
        state = cls(output_dir)
        refuse_link(state.journal_path)
        try:
            raw = read_no_follow(state.state_path)
            data = json.loads(raw) if raw is not None else None
        except (OSError, ValueError):
            # An unreadable state only costs a full rebuild; it is rewritten at the end.
            data = None
        if isinstance(data, dict) and data.get("version") == STATE_VERSION:
            try:
                state.pages = {str(k): str(v) for k, v in data.get("pages", {}).items()}
                state.jobs = {str(k): JobRecord.from_json(v)
                              for k, v in data.get("jobs", {}).items()}
            except (KeyError, TypeError, ValueError):
                state.pages, state.jobs = {}, {}
        state._replay_journal()
        state._by_page = None
        return state

    def _replay_journal(self) -> None:
        try:
            raw_journal = read_no_follow(self.journal_path)
        except OSError:
            return
        if raw_journal is None:
            return
        for raw in raw_journal.splitlines():
            try:
                entry = json.loads(raw)
                if "forget" in entry:
                    self.jobs.pop(entry["forget"], None)
                elif "forget_page" in entry:
                    self.pages.pop(entry["forget_page"], None)
                else:
                    self.jobs[entry["job"]] = JobRecord.from_json(entry["record"])
                    if entry.get("source"):
                        self.pages[split_job_id(entry["job"])[0]] = entry["source"]
            except (ValueError, KeyError, TypeError):
                # The last line of a journal cut by kill -9 may be partial: that job reruns.
                continue
        self._dirty = True

    def record(self, job: str, record: JobRecord, source: str | None) -> None:
        if self._by_page is not None and job not in self.jobs:
            self._by_page.setdefault(split_job_id(job)[0], {})[job] = None
            self._indexed += 1
        self.jobs[job] = record
        if source is not None:
            self.pages[split_job_id(job)[0]] = source
        self._append({"job": job, "record": asdict(record), "source": source})

    def forget(self, job: str) -> None:
        if self.jobs.pop(job, None) is not None:
            if self._by_page is not None and \
                    self._by_page.get(split_job_id(job)[0], {}).pop(job, 0) is None:
                self._indexed -= 1
            self._append({"forget": job})

    def forget_page(self, page: str) -> None:
        if self.pages.pop(page, None) is not None:
            self._append({"forget_page": page})

    def jobs_of(self, page: str) -> list[str]:
        """The page's job ids. Indexed: the site's links ask it of every page, and a scan of
        every job for each page made a no-op build of a large site quadratic."""
        index = self._by_page
        if index is None or self._indexed != len(self.jobs):  # changed behind its back
            index = {}
            for job in self.jobs:
                index.setdefault(split_job_id(job)[0], {})[job] = None
            self._by_page, self._indexed = index, len(self.jobs)
        return list(index.get(page, ()))

    def _append(self, entry: dict[str, Any]) -> None:
        self._dirty = True
        if self.journal_error is not None:
            return
        line = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            if self._journal is None:
                self._journal = open_no_follow(self.journal_path,
                                               os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            # One write per line, unbuffered: the OS keeps it even if this process is killed.
            written = os.write(self._journal, line)
            if written != len(line):
                raise OSError(0, "short write")
        except (OSError, PublishError) as error:
            # The job's files are in place; without a journal only a crash before the final
            # save would lose the record of it (and the job would run again).
            self.journal_error = (describe_os_error(error) if isinstance(error, OSError)
                                  else str(error))
            self._close_journal()

    def _close_journal(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None

    def save(self) -> None:
        """Fold the journal into the state file (atomically) and remove the journal.

        Raises `OSError` when the state cannot be written (the journal is then kept, so
        the next build still knows what this one finished)."""
        self._close_journal()
        if not self._dirty:
            return
        data = {"version": STATE_VERSION, "publish": publish.__version__,
                "pages": dict(sorted(self.pages.items())),
                "jobs": {job: asdict(record) for job, record in sorted(self.jobs.items())}}
        write_file_atomic(self.state_path,
                          json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                          .encode("utf-8"), durable=True)
        self.journal_path.unlink(missing_ok=True)
        self._dirty = False
