"""The files a build leaves in its output folder: their names, the writer, their removal.

Output paths are `<output>/<locale>/<page path><suffix>` (`publish.pages.output_path`).
The writer writes each job's files atomically (`publish.files`), all or none, and never one
path twice in a build; removal touches only files the build recorded writing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from publish.build.state import JobRecord, job_id, split_job_id
from publish.errors import PublishError
from publish.files import describe_os_error, write_file_atomic
from publish.pages import output_path, output_stem, sanitise_part
from publish.rendering import JobOutcome


class OutputWriter:
    """Writes jobs' files atomically under the output folder, each path at most once.

    The plan gives each output name (compared case-insensitively, as on macOS and Windows
    file systems) to the one job meant to write it; pages whose names collide are refused
    before anything runs. This is the second line of defence: a file claimed by another job,
    or already written in this build, is never overwritten, whatever a renderer returns.
    """

    def __init__(self, output_dir: Path, owners: dict[str, str | None] | None = None) -> None:
        self.output_dir = output_dir
        self.owners = dict(owners or {})
        """Case-folded relative path → job id meant to write it (None: claimed by several)."""
        self.written: dict[str, str] = {}

    def write(self, outcome: JobOutcome) -> None:
        """Write every file of the job or none (all targets are checked first)."""
        job = job_id(outcome.page, outcome.locale, outcome.format)
        targets: dict[str, tuple[Path, str, bytes]] = {}
        for suffix, data in outcome.files:
            target = output_path(self.output_dir, outcome.locale, outcome.page, suffix)
            relative = target.relative_to(self.output_dir).as_posix()
            folded = relative.casefold()
            owner = self.written.get(folded) or self.owners.get(folded, job)
            if folded in targets or folded in self.written or owner != job:
                other = split_job_id(owner)[0] if owner else "another page"
                raise PublishError(f"cannot write {relative}: also an output of {other} in "
                                   "this build (not overwritten)")
            targets[folded] = (target, relative, data)
        for folded, (target, relative, data) in targets.items():
            self.written[folded] = job
            try:
                write_file_atomic(target, data, durable=True)
            except OSError as error:
                raise PublishError(f"cannot write {relative}: {describe_os_error(error)}") \
                    from None
            outcome.outputs[relative] = len(data)
        outcome.files = []


def remove_outputs(output_dir: Path, relative: Iterable[str]) -> list[str]:
    """Delete outputs this tool wrote (paths from the state), and folders left empty."""
    removed = []
    for name in relative:
        target = (output_dir / name).resolve()
        if not target.is_relative_to(output_dir) or target.parent == output_dir:
            continue  # never outside the output folder, never the report or the state
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            continue  # a read-only folder: the file stays, and is not reported as removed
        removed.append(name)
        folder = target.parent
        while folder != output_dir and folder.is_relative_to(output_dir):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
    return removed


def planned_name(key: str, locale: str, suffix: str) -> str:
    """An output's path relative to the output folder, as `output_path` will write it."""
    return f"{sanitise_part(locale)}/{output_stem(key)}{suffix}"


def outputs_intact(output_dir: Path, record: JobRecord) -> bool:
    """Every file the job wrote last time is still there with the size it had."""
    for name, size in record.outputs.items():
        try:
            if os.stat(os.path.join(output_dir, name)).st_size != size:
                return False
        except OSError:
            return False
    return True
