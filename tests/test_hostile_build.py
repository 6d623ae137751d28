"""Hostile conditions for the build and the command line (issue 12's red-team findings).

Output names that collide across formats, links planted in the output folder, an output folder
that cannot be made or written, a full disk, nonsense timeouts, a folder where a catalog
should be, a page too slow to read, invalid UTF-8 on standard input, and Dask asked for but
not installed. Each case runs the real command on real files and checks what is on disk:
one line of error where input is refused, never a traceback, never another page's leaflet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from publish.build import BuildRequest, build
from publish.config import load_config
from publish.pages import discover
from publish.scheduling import InlineScheduler
from tests.conftest import ROOT

PYTHON = sys.executable


def medicine(title: str, dose: str) -> str:
    return (f"---\ntitle: {title}\n---\n\n# {title}\n\n### Usage\n\n{title} is used for "
            f"tests.\n\n### Dosage\n\nTake {dose} daily.\n\n### Side Effects\n\n* Headache\n\n"
            "**Disclaimer:** A test page, not medical advice.\n")


def make_site(root: Path, pages: dict[str, str], toml: str = "") -> Path:
    for name, text in pages.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "publish.toml").write_text(
        f'[site]\nname = "Test site"\nlocales_dir = "{ROOT / "locales"}"\n{toml}',
        encoding="utf-8")
    return root


def publish(*args: str, cwd: Path, stdin: bytes | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([PYTHON, "-m", "publish", *args], cwd=cwd, input=stdin,
                            capture_output=True, timeout=600, env=env)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8", "replace"),
                                       result.stderr.decode("utf-8", "replace"))


def one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    """Exit 2, no traceback, and the last line of stderr is `error: <message>`."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == f"error: {message}", result.stderr[-3000:]


def report(dist: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((dist / "build-report.json").read_text("utf-8"))


# --- a page too slow to read fails whole, once ------------------------------------------------


def slow_page() -> str:
    """About 230 KB of list items: within the page size limit, and far slower to read than
    the timeouts below, whatever the reader does."""
    items = "".join(f"* {number}\n" for number in range(30_000))
    return (f"---\ntitle: Listamol\n---\n\n# Listamol\n\n### Usage\n\nUsed for tests.\n\n"
            f"### Side Effects\n\n{items}\n**Disclaimer:** A test page.\n")


def test_a_page_too_slow_to_read_fails_all_its_jobs_at_once_inline(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"slow.md": slow_page()})
    config = load_config(root=root)
    request = BuildRequest(tuple(discover([root / "content"])), ("en",),
                           ("json", "html", "sms"))
    result = build(request, config, root / "dist", scheduler=InlineScheduler(0.1))
    assert [o.status for o in result.outcomes] == ["failed"] * 3
    for outcome in result.outcomes:
        assert outcome.error == (f"{root / 'content' / 'slow.md'}: reading the page timed out "
                                 "after 0.1 s ([build] timeout); no job ran")


def test_a_page_too_slow_to_read_fails_all_its_jobs_at_once_in_workers(tmp_path: Path) -> None:
    """Before, each of its jobs timed out in turn (a worker killed and the page read again
    for each): here one worker is replaced, once, and the other pages are built."""
    root = make_site(tmp_path, {"slow.md": slow_page(),
                                "a.md": medicine("Aamol", "5 mg"),
                                "b.md": medicine("Bamol", "5 mg")})
    config = load_config(root=root)
    pages = tuple(discover([root / "content"]))
    request = BuildRequest(tuple(sorted(pages, key=lambda p: p.key != "slow.md")), ("en",),
                           ("json", "html", "sms"))
    result = build(request, config, root / "dist", jobs=1, timeout=1.5)
    slow = [o for o in result.outcomes if o.page == "slow.md"]
    assert [o.status for o in slow] == ["failed"] * 3
    for outcome in slow:
        assert outcome.error == (f"{root / 'content' / 'slow.md'}: reading the page timed out "
                                 "after 1.5 s ([build] timeout); no job ran")
    assert result.count("written") == 6
    assert len(result.workers) == 2  # the one killed while reading, and its replacement


# --- finding 15: sms-count reads standard input as UTF-8, strictly ----------------------------


def test_sms_count_refuses_invalid_utf8_on_standard_input(tmp_path: Path) -> None:
    result = publish("sms-count", "-", cwd=tmp_path, stdin=b"Take 5 mg\xff daily\n")
    one_line_error(result, "-: not valid UTF-8 (byte 0xff at offset 9)")
    assert result.stdout == ""
    fine = publish("sms-count", "--json", "-", cwd=tmp_path, stdin="Tomé 5 mg\n".encode())
    assert fine.returncode == 0 and json.loads(fine.stdout)["characters"] == 9


def test_sms_count_refuses_an_argument_that_is_not_utf8(tmp_path: Path) -> None:
    result = subprocess.run([PYTHON.encode(), b"-m", b"publish", b"sms-count", b"ab\xffc"],
                            cwd=tmp_path, capture_output=True, timeout=120)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().splitlines() == [
        "error: TEXT: not valid UTF-8 (byte 0xff at character 2)"]


# --- Dask is an optional extra ----------------------------------------------------------------


def test_dask_is_an_optional_extra() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert not [dep for dep in project["dependencies"] if dep.startswith(("dask", "distributed"))]
    extras = project["optional-dependencies"]
    assert any(dep.startswith("dask[distributed]") for dep in extras["dask"])
    assert any(dep.startswith("dask[distributed]") for dep in extras["test"])


def test_dask_asked_for_but_not_installed_is_one_line(tmp_path: Path) -> None:
    """A folder first on the path whose `distributed` cannot be imported stands for an
    installation without the extra."""
    root = make_site(tmp_path / "site", {"foo.md": medicine("Fooamol", "5 mg")})
    hidden = tmp_path / "no-dask" / "distributed"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text(textwrap.dedent("""\
        raise ModuleNotFoundError("No module named 'distributed'", name="distributed")
        """), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "no-dask"), str(ROOT)]))
    result = publish("build", "-f", "json", "--dask", "local:1", cwd=root, env=env)
    one_line_error(result, "--dask needs Dask, an optional extra: pip install 'publish[dask]' "
                           "(import failed: No module named 'distributed')")
    assert not (root / "dist" / "en").exists()
