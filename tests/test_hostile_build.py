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
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from publish.build import BuildRequest, RendererPool, build, iter_render_page
from publish.build.outputs import OutputWriter
from publish.build.scheduling import InlineScheduler
from publish.config import build_config, load_config
from publish.errors import PublishError
from publish.pages import PageRef, discover
from tests.conftest import ROOT
from tests.outputs import assert_complete

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


# --- finding 1: one medicine's outputs must never overwrite another's -------------------------


def test_outputs_colliding_across_formats_refuse_both_pages(tmp_path: Path) -> None:
    """`foo.md` in sms and `foo.sms.md` in audio both make `foo.sms.txt`."""
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg"),
                                "foo.sms.md": medicine("Barbital", "500 mg"),
                                "bar.md": medicine("Baramol", "20 mg")})
    result = publish("build", "-f", "sms,audio", "--jobs", "1", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    content, dist = root / "content", root / "dist"
    expected = {
        "foo.md": f"{content / 'foo.md'}: its output en/foo.sms.txt would also be an output "
                  f"of {content / 'foo.sms.md'}; rename one of the two pages",
        "foo.sms.md": f"{content / 'foo.sms.md'}: its output en/foo.sms.txt would also be an "
                      f"output of {content / 'foo.md'}; rename one of the two pages"}
    jobs = report(dist)["jobs"]
    for job in jobs:
        if job["page"] in expected:  # every job of both pages, not only the colliding ones
            assert (job["status"], job["error"], job["outputs"]) == (
                "failed", expected[job["page"]], {}), job
        else:
            assert job["status"] == "written", job
    assert len(jobs) == 6
    for line in expected.values():
        assert f"failed: {line}" in result.stderr.splitlines()
    assert sorted(path.name for path in (dist / "en").iterdir()) == [
        "bar.mp3", "bar.sms.json", "bar.sms.txt", "bar.txt", "bar.vtt"]
    assert (dist / "en" / "bar.sms.txt").read_text("utf-8").startswith("Baramol is used")
    assert "Take 20 mg daily" in (dist / "en" / "bar.txt").read_text("utf-8")  # the transcript


def test_a_page_colliding_with_outputs_already_built_is_refused(tmp_path: Path) -> None:
    """Yesterday's `foo.md` SMS stays Fooamol's when `foo.sms.md` is built in audio today."""
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    assert publish("build", "-f", "sms", cwd=root).returncode == 0
    (root / "content" / "foo.sms.md").write_text(medicine("Barbital", "500 mg"), "utf-8")
    result = publish("build", "-f", "audio", "content/foo.sms.md", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [job] = report(root / "dist")["jobs"]
    assert job["status"] == "failed" and job["error"] == (
        "content/foo.sms.md: its output en/foo.sms.txt would also be an output of "
        f"{root / 'content' / 'foo.md'}; rename one of the two pages")
    sms = (root / "dist" / "en" / "foo.sms.txt").read_text("utf-8")
    assert sms.startswith("Fooamol is used") and "Barbital" not in sms
    assert not list((root / "dist" / "en").glob("foo.sms.*.mp3"))
    assert not (root / "dist" / "en" / "foo.sms.mp3").exists()


def test_names_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    """`Foo.md` and `foo.md` are one file on macOS and Windows file systems."""
    root = make_site(tmp_path, {"Foo.md": medicine("Fooamol", "5 mg"),
                                "foo.md": medicine("Barbital", "500 mg"),
                                "bar.md": medicine("Baramol", "20 mg")})
    result = publish("build", "-f", "pdf,html", "--jobs", "1", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = {(job["page"], job["format"]): job["error"] for job in report(root / "dist")["jobs"]
              if job["status"] == "failed"}
    assert set(errors) == {(page, fmt) for page in ("Foo.md", "foo.md")
                           for fmt in ("pdf", "html")}
    content = root / "content"
    assert errors[("Foo.md", "html")] == (
        f"{content / 'Foo.md'}: its output en/Foo.pdf and en/foo.pdf, an output of "
        f"{content / 'foo.md'}, differ only in case (one file on case-insensitive file "
        "systems); rename one of the two pages")
    assert sorted(p.name for p in (root / "dist" / "en").iterdir()) == ["bar.html", "bar.pdf",
                                                                        "index.html"]
    assert "Baramol" in subprocess.run(["pdftotext", str(root / "dist" / "en" / "bar.pdf"),
                                        "-"], capture_output=True, text=True).stdout


def test_the_writer_never_writes_one_path_twice(tmp_path: Path) -> None:
    """Second line of defence: whatever the plan missed, a path written once in a build (or
    owned by another job) is not overwritten."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "foo.md").write_text(medicine("Fooamol", "5 mg"), "utf-8")
    (content / "foo.sms.md").write_text(medicine("Barbital", "500 mg"), "utf-8")
    config = build_config({}, tmp_path)
    pool = RendererPool()
    try:
        [sms] = iter_render_page(PageRef(content / "foo.md", "foo.md"), config,
                                 [("en", "sms")], pool)
        [fake_sms] = iter_render_page(PageRef(content / "foo.sms.md", "foo.sms.md"), config,
                                      [("en", "json")], pool)
    finally:
        pool.close()
    # A renderer that (wrongly) names its output `.txt`: foo.sms + .txt = foo.sms.txt.
    fake_sms.files = [(".txt", b"Barbital: take 500 mg daily")]
    dist = tmp_path / "dist"
    writer = OutputWriter(dist)
    writer.write(sms)
    with pytest.raises(PublishError, match=r"^cannot write en/foo\.sms\.txt: also an output "
                                           r"of foo\.md in this build \(not overwritten\)$"):
        writer.write(fake_sms)
    text = (dist / "en" / "foo.sms.txt").read_text("utf-8")
    assert "Fooamol" in text and "Barbital" not in text
    # A name the plan gave to another job is refused before anything is written.
    owned = OutputWriter(tmp_path / "other", {"en/foo.sms.txt": "foo.md\ten\tsms"})
    with pytest.raises(PublishError, match="also an output of foo.md"):
        owned.write(fake_sms)
    assert not (tmp_path / "other" / "en").exists()


# --- finding 7: links planted in the output folder --------------------------------------------


@pytest.mark.parametrize("name", [".publish-state.journal", ".publish-lock",
                                  ".publish-state.json"])
def test_links_in_place_of_the_builds_own_files_are_refused(tmp_path: Path, name: str) -> None:
    root = make_site(tmp_path / "site", {"foo.md": medicine("Fooamol", "5 mg")})
    outside = tmp_path / "outside.txt"
    outside.write_text("not the build's\n", encoding="utf-8")
    missing = tmp_path / "created-outside"
    dist = root / "dist"
    dist.mkdir()
    (dist / name).symlink_to(outside if name != ".publish-lock" else missing)
    result = publish("build", "-f", "json", cwd=root)
    one_line_error(result, f"{dist / name}: is a symbolic link; remove it (the build never "
                           "reads or writes through links in its output folder)")
    assert outside.read_text("utf-8") == "not the build's\n"
    assert not missing.exists()
    assert (dist / name).is_symlink()
    assert not (dist / "en").exists()


def test_links_in_place_of_the_report_or_an_output_are_not_followed(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"foo.md": medicine("Fooamol", "5 mg"),
                                         "bar.md": medicine("Baramol", "5 mg")})
    outside = tmp_path / "outside.txt"
    outside.write_text("not the build's\n", encoding="utf-8")
    dist = root / "dist"
    (dist / "en").mkdir(parents=True)
    (dist / "build-report.json").symlink_to(outside)
    (dist / "en" / "foo.json").symlink_to(outside)
    result = publish("build", "-f", "json", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert outside.read_text("utf-8") == "not the build's\n"
    jobs = {job["page"]: job for job in report(dist)["jobs"]}  # the link was replaced
    assert not (dist / "build-report.json").is_symlink()
    assert jobs["bar.md"]["status"] == "written"
    assert jobs["foo.md"]["error"] == (f"{root / 'content' / 'foo.md'}: output path escapes "
                                       "the output folder: en/foo.json")


def test_an_output_folder_linked_out_is_not_written_through(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"foo.md": medicine("Fooamol", "5 mg")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "dist").mkdir()
    (root / "dist" / "en").symlink_to(elsewhere)
    result = publish("build", "-f", "json", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []
    [job] = report(root / "dist")["jobs"]
    assert job["error"] == (f"{root / 'content' / 'foo.md'}: output path escapes the output "
                            "folder: en/foo.json")


# --- finding 12: one-line errors where tracebacks were ----------------------------------------


def test_output_folder_under_a_file(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    (root / "afile").write_text("x", encoding="utf-8")
    one_line_error(publish("build", "-f", "json", "-o", "afile/sub", cwd=root),
                   f"{root / 'afile' / 'sub'}: cannot create the output folder: part of its "
                   "path is a file, not a folder")


def test_output_folder_that_cannot_exist(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    result = publish("build", "-f", "json", "-o", "/proc/self/x", cwd=root)
    assert "Traceback" not in result.stderr and result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: /proc/") and line.endswith(
        "/x: cannot create the output folder: No such file or directory")


def in_mount_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace (to mount a small or read-only tmpfs
    without touching the machine); skip when this machine does not allow it."""
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else [
        "unshare", "--user", "--map-root-user", "--mount"]
    if shutil.which("unshare") is None:
        pytest.skip("unshare not available")
    probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {probe.stderr.strip()}")
    return subprocess.run([*prefix, "sh", "-c", script], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_read_only_output_folder(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    (root / "dist").mkdir()
    result = in_mount_namespace(
        f"mount -t tmpfs -o ro,size=64k tmpfs dist && exec {PYTHON} -m publish build -f json",
        cwd=root)
    one_line_error(result, f"{root / 'dist'}: cannot write in the output folder: Read-only "
                           "file system")


def test_full_disk_fails_the_jobs_that_do_not_fit_and_says_what_was_not_saved(
        tmp_path: Path) -> None:
    """A 96 KB output folder: the first leaflets fit, the rest fail one by one with the
    reason; the state and report that no longer fit are named in one last line."""
    pages = {f"page-{n}.md": medicine(f"Testamol {n}", f"{n} mg") for n in range(8)}
    root = make_site(tmp_path, pages)
    (root / "dist").mkdir()
    (root / "kept").mkdir()
    result = in_mount_namespace(
        f"mount -t tmpfs -o size=96k tmpfs dist && {PYTHON} -m publish build -f html,json "
        "--jobs 1; status=$?; cp -a dist/. kept/; exit $status", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert failed, result.stderr[-3000:]
    for line in failed:
        assert line.endswith(": No space left on device"), line
        assert " cannot write en/page-" in line
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"error: {root / 'dist'}: cannot save the build state (No space "
                           "left on device): the next build runs this one's jobs again"), last
    written = [path for path in (root / "kept" / "en").iterdir()]
    assert written, "nothing fitted at all: the folder is too small for this test"
    for path in written:  # what was written is whole; nothing half-written is left
        assert_complete(path)
    assert not list((root / "kept").rglob("*.part"))


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_nonsense_timeouts_on_the_command_line(tmp_path: Path, value: str) -> None:
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    result = publish("build", "-f", "json", "--timeout", value, cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--timeout': '{value}' is not a positive, finite number "
        "of seconds")
    assert not (root / "dist").exists()


@pytest.mark.parametrize("value, message", [
    ("nan", "expected a finite number, got nan"),
    ("inf", "expected a finite number, got inf"),
    ("-1", "-1 is out of range (> 0)"),
])
def test_nonsense_timeouts_in_the_configuration(tmp_path: Path, value: str,
                                                message: str) -> None:
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")},
                     f"[build]\ntimeout = {value}\n")
    one_line_error(publish("build", "-f", "json", cwd=root),
                   f"{root / 'publish.toml'}: [build] timeout: {message}")


def test_library_build_refuses_a_nonsense_timeout(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    config = load_config(root=root)
    request = BuildRequest(tuple(discover([root / "content"])), ("en",), ("json",))
    with pytest.raises(PublishError, match="timeout must be a positive number of seconds"):
        build(request, config, root / "dist", timeout=float("nan"))


def test_a_folder_where_a_catalog_should_be_fails_that_locale_only(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "locales", root / "locales")
    (root / "publish.toml").write_text('[site]\nlocales = ["en", "es"]\n', encoding="utf-8")
    catalog = root / "locales" / "es" / "LC_MESSAGES" / "pages" / "naltrexone.po"
    catalog.unlink()
    catalog.mkdir()
    result = publish("build", "-f", "json", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    jobs = {job["locale"]: job for job in report(root / "dist")["jobs"]}
    assert jobs["en"]["status"] == "written"
    assert jobs["es"]["status"] == "failed"
    error = jobs["es"]["error"]
    assert "\n" not in error and "naltrexone.po" in error, error
    assert "a folder where a catalog file should be" in error, error


def test_a_fifo_in_the_content_folder_is_not_a_page(tmp_path: Path) -> None:
    """Reading a named pipe would block the build for ever."""
    root = make_site(tmp_path, {"foo.md": medicine("Fooamol", "5 mg")})
    os.mkfifo(root / "content" / "pipe.md")
    result = publish("build", "-f", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert [job["page"] for job in report(root / "dist")["jobs"]] == ["foo.md"]


# --- a page too slow to read fails whole, once ------------------------------------------------


def slow_page() -> str:
    """About 230 KB of list items: within the page size limit, and far slower to read than
    the timeouts below, whatever the reader does."""
    items = "".join(f"* {number}\n" for number in range(30_000))
    return (f"---\ntitle: Listamol\n---\n\n# Listamol\n\n### Usage\n\nUsed for tests.\n\n"
            f"### Side Effects\n\n{items}\n**Disclaimer:** A test page.\n")


def test_a_page_too_slow_to_read_fails_all_its_jobs_at_once_inline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The alarm may ring inside a garbage-collector callback (hypothesis installs one), where
    # Python swallows the exception and reports it to sys.unraisablehook; the scheduler's
    # repeated ring then stops the job (what this test checks). pytest's own hook formats
    # that report at length and can be hit by the next ring, failing the test for nothing.
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
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
    result = build(request, config, root / "dist", jobs=1, timeout=1.0)
    slow = [o for o in result.outcomes if o.page == "slow.md"]
    assert [o.status for o in slow] == ["failed"] * 3
    for outcome in slow:
        assert outcome.error == (f"{root / 'content' / 'slow.md'}: reading the page timed out "
                                 "after 1 s ([build] timeout); no job ran")
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
