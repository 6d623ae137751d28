"""Watch the site's sources and rebuild what changed through the incremental build.

Watched: the content folder, the catalogs and locale data (`[site] locales_dir`), the site's
`themes/` folder and a theme given as a path, and `publish.toml` (its stamp is compared every
half second: editors that save by renaming a new file over it would end a watch on the file).
Each batch of changes runs one `publish.build.build` of every page: the build's fingerprints
decide what is out of date, so an edited page renders that page, an edited theme every page
that uses it, and a removed page deletes its outputs.

When only a few pages changed, they are rendered in this process by renderers kept warm
from one rebuild to the next (compiled templates, fonts): an edited page is back in the
browser in well under the time a fresh `publish build` takes. Anything larger (a theme, a
catalog, the configuration) goes to the build's own choice of worker processes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.config import CONFIG_NAME, SiteConfig, load_config
from publish.errors import PublishError
from publish.locale import parse_locales
from publish.pages import discover
from publish.serve.status import SiteStatus

Echo = Callable[[str], None]
CONFIG_POLL_MS = 500
WARM_PAGES = 4
"""Changed pages up to which a rebuild renders in this process with warm renderers."""


@dataclass(frozen=True)
class Choice:
    """What the command line fixed; None means "as the configuration says" (re-read when
    `publish.toml` changes)."""

    formats: tuple[str, ...] | None = None
    locales: tuple[str, ...] | None = None
    theme: str | None = None
    output_dir: Path | None = None


class Previewer:
    """Builds the site, then rebuilds it whenever its sources change, for the server."""

    def __init__(self, config: SiteConfig, choice: Choice, status: SiteStatus,
                 echo: Echo, progress: Callable[[bool], object] | None = None) -> None:
        self.config = config
        self.choice = choice
        self.status = status
        self.echo = echo
        self.progress = progress
        self._config_stamp = _stamp(config.path or config.root / CONFIG_NAME)
        self._pool: Any = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @property
    def output_dir(self) -> Path:
        return (self.choice.output_dir or self.config.output_dir).resolve()

    def rebuild(self, reason: str = "", first: bool = False, warm: bool = False) -> list[str]:
        """Run one incremental build; returns its errors (also shown to pages and printed).

        `warm`: few pages changed, render them here with the renderers of the last rebuild."""
        from publish.build import BuildRequest, RendererPool, build
        from publish.build.scheduling import InlineScheduler

        self.status.building()
        started = time.perf_counter()
        errors: list[str] = []
        summary = ""
        try:
            request = BuildRequest(tuple(discover([self.config.content_dir],
                                                  root=self.config.content_dir)),
                                   self._locales(), self._formats(), self.choice.theme)
            progress = self.progress(first) if self.progress else None
            scheduler = None
            if warm:
                if self._pool is None:
                    self._pool = RendererPool()
                scheduler = InlineScheduler(float(self.config.table("build")["timeout"]),
                                            self._pool)
            report = build(request, self.config, self.output_dir, progress=progress,  # type: ignore[arg-type]
                           scheduler=scheduler)
            errors = [outcome.error or f"{outcome.page}: {outcome.format} failed"
                      for outcome in report.outcomes if outcome.status == "failed"]
            summary = (f"{report.count('written')} written, {report.count('failed')} failed, "
                       f"{len(report.removed)} removed")
        except PublishError as error:
            errors = [str(error)]
            self.echo(f"error: {error}")
        except OSError as error:
            errors = [f"{error.filename or self.output_dir}: {error.strerror or error}"]
            self.echo(f"error: {errors[0]}")
        elapsed = time.perf_counter() - started
        if not first:
            because = f" ({reason})" if reason else ""
            self.echo(f"rebuilt in {elapsed:.2f} s{because}: "
                      + (summary or f"{len(errors)} error{'s' if len(errors) != 1 else ''}"))
        self.status.built(errors, f"{summary} in {elapsed:.2f} s" if summary else "")
        return errors

    def watched(self) -> list[Path]:
        """The folders whose changes mean a rebuild (those that exist)."""
        folders = [self.config.content_dir, self.config.locales_dir, self.config.root / "themes"]
        theme = self.choice.theme or str(self.config.site["theme"])
        if "/" in theme:
            folders.append((self.config.root / theme).resolve())
        found: list[Path] = []
        for folder in folders:
            if folder.is_dir() and all(folder != seen and not folder.is_relative_to(seen)
                                       for seen in found):
                found.append(folder.resolve())
        return found

    def run(self, stop: threading.Event) -> None:
        """Rebuild on every change until `stop` is set (or Ctrl-C, which propagates). A folder
        that appears later (a site's first `themes/`, a new `locales_dir`) is watched from
        then on, and so is a `publish.toml` written after the start."""
        import watchfiles

        while not stop.is_set():
            folders = self.watched()
            output = self.output_dir
            for changes in watchfiles.watch(*folders, stop_event=stop,
                                            rust_timeout=CONFIG_POLL_MS, yield_on_timeout=True,
                                            raise_interrupt=True):
                changed = sorted({Path(path) for _change, path in changes
                                  if not Path(path).is_relative_to(output)})
                config_changed = self._config_changed()
                if config_changed:
                    self.close()  # renderers set up for the old configuration
                    if not self._reload_config():
                        continue
                    changed.insert(0, self._config_file())
                now = self.watched()
                changed += [folder for folder in now if folder not in folders]
                if changed:
                    content = self.config.content_dir
                    pages_only = not config_changed and all(
                        path.is_relative_to(content) for path in changed)
                    self.rebuild(self._describe(changed),
                                 warm=pages_only and len(changed) <= WARM_PAGES)
                if now != folders or self.output_dir != output:
                    break  # watch what the site is made of now
            else:
                return

    def _config_file(self) -> Path:
        return self.config.path or self.config.root / CONFIG_NAME

    def _config_changed(self) -> bool:
        stamp = _stamp(self._config_file())
        if stamp == self._config_stamp:
            return False
        self._config_stamp = stamp
        return True

    def _reload_config(self) -> bool:
        try:
            self.config = load_config(root=self.config.root, path=self.config.path)
        except PublishError as error:
            self.echo(f"error: {error}")
            self.status.built([str(error)], "")
            return False
        return True

    def _formats(self) -> tuple[str, ...]:
        from publish.renderers import get_renderer_class

        formats = self.choice.formats or tuple(self.config.site["formats"])
        for name in formats:
            get_renderer_class(name)  # an unknown format: one line, as `publish build` says
        return tuple(dict.fromkeys(formats))

    def _locales(self) -> tuple[str, ...]:
        if self.choice.locales:
            return self.choice.locales
        found = parse_locales(self.config.site["locales"], "[site] locales", self.config.path)
        return tuple(dict.fromkeys(locale.tag for locale in found))

    def _describe(self, changed: Iterable[Path]) -> str:
        names = []
        for path in changed:
            try:
                names.append(str(path.relative_to(self.config.root)))
            except ValueError:
                names.append(str(path))
        shown = ", ".join(names[:3])
        return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)
