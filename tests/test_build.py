"""The build: incremental skips, atomic writes, worker processes, kill -9 and resume, Dask.

Real renderers, real processes, real files. Pages are made from the seed page with a changed
title, so each fixture site has as many distinct leaflets as a test needs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish.build import BuildReport, BuildRequest, build
from publish.build.scheduling import InlineScheduler
from publish.build.state import JOURNAL_NAME, STATE_NAME, BuildState, JobRecord
from publish.config import SiteConfig, build_config, load_config
from publish.errors import PublishError
from publish.pages import discover
from publish.renderers import registry
from tests.conftest import CORPUS, ROOT, SEED, requires_corpus
from tests.outputs import assert_complete

SEED_TEXT = SEED.read_text(encoding="utf-8")
BAD_YAML = "---\ntitle: [unclosed\n---\n\n# Broken\n"
UNSTRUCTURED = "---\ntitle: Omega\n---\n\n# Omega\n\nPlease provide the name of the medicine.\n"


def page_text(number: int) -> str:
    return SEED_TEXT.replace("Naltrexone", f"Testamol {number}")


def code_guard(*formats: str):  # type: ignore[no-untyped-def]
    """Call the result before asserting that a later build found jobs unchanged: fingerprints
    cover the source of the reader and of these formats' renderers, so an edit to them while
    the test runs rebuilds those jobs (correctly), and the test cannot tell."""
    from publish.build.fingerprints import LEAFLET_MODULES, code_fingerprint

    modules = (*LEAFLET_MODULES, *(registry()[fmt].__module__ for fmt in formats))
    before = code_fingerprint(modules)

    def check() -> None:
        if code_fingerprint(modules) != before:
            pytest.skip("the package source changed during the test")

    return check


def make_site(root: Path, pages: int, formats: tuple[str, ...] = ("json",),
              extra: str = "") -> Path:
    content = root / "content"
    for number in range(pages):
        path = content / "abcdefgh"[number % 8] / f"testamol-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page_text(number), encoding="utf-8")
    fmt_list = ", ".join(f'"{fmt}"' for fmt in formats)
    (root / "publish.toml").write_text(f'[site]\nname = "Test site"\nformats = [{fmt_list}]\n'
                                       f"{extra}", encoding="utf-8")
    return root


def request_for(config: SiteConfig, formats: tuple[str, ...] = ("json",)) -> BuildRequest:
    pages = discover([config.content_dir], root=config.content_dir)
    return BuildRequest(tuple(pages), ("en",), formats)


def run_inline(root: Path, formats: tuple[str, ...] = ("json",), **options) -> BuildReport:  # type: ignore[no-untyped-def]
    config = load_config(root=root)
    return build(request_for(config, formats), config, root / "dist",
                 scheduler=InlineScheduler(), **options)


def statuses(report: BuildReport) -> dict[str, int]:
    return {status: report.count(status) for status in ("written", "unchanged", "skipped",
                                                        "failed")}


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def outputs(dist: Path) -> list[Path]:
    return sorted(p for p in dist.rglob("*") if p.is_file() and not p.name.startswith(".")
                  and p.name != "build-report.json")


# --- incremental ------------------------------------------------------------------------------


def test_first_build_writes_outputs_state_and_report(tmp_path: Path) -> None:
    root = make_site(tmp_path, 3)
    report = run_inline(root)
    assert statuses(report) == {"written": 3, "unchanged": 0, "skipped": 0, "failed": 0}
    files = outputs(root / "dist")
    assert [p.relative_to(root / "dist").as_posix() for p in files] == [
        "en/a/testamol-0.json", "en/b/testamol-1.json", "en/c/testamol-2.json"]
    for path in files:
        assert_complete(path)
        assert path.stat().st_mode & 0o044  # readable like any other file, not 0600
    saved = json.loads((root / "dist" / "build-report.json").read_text("utf-8"))
    assert saved["status"] == "ok" and saved["summary"]["written"] == 3
    job = saved["jobs"][0]
    assert set(job) >= {"page", "locale", "format", "status", "duration", "outputs", "warnings"}
    assert job["outputs"] == {"en/a/testamol-0.json": files[0].stat().st_size}
    assert (root / "dist" / STATE_NAME).is_file()
    assert not (root / "dist" / JOURNAL_NAME).exists()


def test_noop_rebuild_runs_nothing_and_spawns_no_worker(tmp_path: Path) -> None:
    root = make_site(tmp_path, 4)
    run_inline(root)
    before = {p: p.stat().st_mtime_ns for p in outputs(root / "dist")}
    config = load_config(root=root)
    report = build(request_for(config), config, root / "dist", jobs=2)
    assert statuses(report)["unchanged"] == 4 and report.count("written") == 0
    assert report.scheduler == "" and report.workers == []
    assert {p: p.stat().st_mtime_ns for p in outputs(root / "dist")} == before
    saved = json.loads((root / "dist" / "build-report.json").read_text("utf-8"))
    assert {job["status"] for job in saved["jobs"]} == {"unchanged"}
    assert all(job["outputs"] for job in saved["jobs"])  # sizes still reported


def test_touched_page_rebuilds_only_that_page(tmp_path: Path) -> None:
    root = make_site(tmp_path, 4)
    run_inline(root)
    page = root / "content" / "b" / "testamol-1.md"
    page.write_text(page_text(1).replace("Headache", "Mild headache"), encoding="utf-8")
    report = run_inline(root)
    written = [o.page for o in report.outcomes if o.status == "written"]
    assert written == ["b/testamol-1.md"] and report.count("unchanged") == 3
    leaflet = (root / "dist" / "en" / "b" / "testamol-1.json").read_text("utf-8")
    assert "Mild headache" in leaflet
    # Same bytes again (a touch without an edit) changes nothing.
    os.utime(page)
    assert run_inline(root).count("written") == 0


def test_force_rebuilds_everything(tmp_path: Path) -> None:
    root = make_site(tmp_path, 3)
    run_inline(root)
    assert statuses(run_inline(root, force=True))["written"] == 3


def test_configuration_change_rebuilds_but_build_settings_do_not(tmp_path: Path) -> None:
    root = make_site(tmp_path, 2)
    run_inline(root)
    toml = root / "publish.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[build]\njobs = 1\ntimeout = 60\n", "utf-8")
    assert run_inline(root).count("written") == 0  # scheduling settings change no output
    toml.write_text(toml.read_text("utf-8").replace('"Test site"', '"Other site"'), "utf-8")
    assert run_inline(root).count("written") == 2


def test_deleted_or_truncated_output_is_rebuilt(tmp_path: Path) -> None:
    root = make_site(tmp_path, 3)
    run_inline(root)
    (root / "dist" / "en" / "a" / "testamol-0.json").unlink()
    (root / "dist" / "en" / "b" / "testamol-1.json").write_bytes(b"{")
    report = run_inline(root)
    assert sorted(o.page for o in report.outcomes if o.status == "written") == [
        "a/testamol-0.md", "b/testamol-1.md"]
    for path in outputs(root / "dist"):
        assert_complete(path)


def test_removed_page_outputs_are_removed_and_other_outputs_kept(tmp_path: Path) -> None:
    root = make_site(tmp_path, 3)
    stray = root / "dist" / "en" / "notes.txt"  # not written by the build: never touched
    stray.parent.mkdir(parents=True)
    stray.write_text("mine", encoding="utf-8")
    run_inline(root)
    (root / "content" / "b" / "testamol-1.md").unlink()
    report = run_inline(root)
    assert report.removed == ["en/b/testamol-1.json"]
    assert not (root / "dist" / "en" / "b").exists()  # emptied folder removed too
    assert stray.read_text("utf-8") == "mine"
    assert (root / "dist" / "en" / "a" / "testamol-0.json").is_file()
    # A page that exists but was not asked for this time keeps its outputs.
    config = load_config(root=root)
    one = discover([root / "content" / "a"], root=config.content_dir)
    build(BuildRequest(tuple(one), ("en",), ("json",)), config, root / "dist",
          scheduler=InlineScheduler())
    assert (root / "dist" / "en" / "c" / "testamol-2.json").is_file()


def test_failing_page_fails_alone_and_loses_its_stale_output(tmp_path: Path) -> None:
    root = make_site(tmp_path, 3)
    run_inline(root)
    bad = root / "content" / "a" / "testamol-0.md"
    bad.write_text(BAD_YAML, encoding="utf-8")
    report = run_inline(root)
    assert statuses(report) == {"written": 0, "unchanged": 2, "skipped": 0, "failed": 1}
    [failed] = [o for o in report.outcomes if o.status == "failed"]
    assert re.match(rf"{re.escape(str(bad))}:\d+: invalid YAML", failed.error)
    assert failed.removed == ["en/a/testamol-0.json"]  # the old leaflet is not left behind
    assert not report.ok and report.status == "failed"
    assert run_inline(root).count("failed") == 1  # failures are retried, never cached


def test_unstructured_page_is_skipped_and_remembered(tmp_path: Path) -> None:
    root = make_site(tmp_path, 1)
    (root / "content" / "omega.md").write_text(UNSTRUCTURED, encoding="utf-8")
    report = run_inline(root)
    [skipped] = [o for o in report.outcomes if o.status == "skipped"]
    assert skipped.page == "omega.md" and "not published" in skipped.error
    assert report.ok and not (root / "dist" / "en" / "omega.json").exists()
    again = run_inline(root)
    assert statuses(again) == {"written": 0, "unchanged": 2, "skipped": 0, "failed": 0}


def test_pages_whose_output_names_collide_are_refused(tmp_path: Path) -> None:
    root = make_site(tmp_path, 1)
    run_inline(root)
    (root / "content" / "a" / "testamol 0.md").write_text(page_text(9), encoding="utf-8")
    report = run_inline(root)
    failed = {o.page: o.error for o in report.outcomes if o.status == "failed"}
    assert set(failed) == {"a/testamol-0.md", "a/testamol 0.md"}  # both, not one of them
    for page, other in (("testamol-0.md", "testamol 0.md"), ("testamol 0.md", "testamol-0.md")):
        assert failed[f"a/{page}"] == (
            f"{root / 'content' / 'a' / page}: its output en/a/testamol-0.json would also be "
            f"an output of {root / 'content' / 'a' / other}; rename one of the two pages")
    # Neither leaflet is left under the disputed name: it could be either medicine's.
    assert not (root / "dist" / "en" / "a" / "testamol-0.json").exists()


# --- atomic writes, state and journal ---------------------------------------------------------


def test_leftover_temporary_files_are_removed(tmp_path: Path) -> None:
    root = make_site(tmp_path, 1)
    leftover = root / "dist" / "en" / "a" / ".testamol-0.json.x1y2.part"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b'{"cut sh')
    run_inline(root)
    assert not leftover.exists()


def test_journal_replay_survives_a_cut_last_line(tmp_path: Path) -> None:
    state = BuildState(tmp_path)
    state.record("a.md\ten\tjson", JobRecord("f1", "written", {"en/a.json": 3}), "/x/a.md")
    state.record("b.md\ten\tjson", JobRecord("f2", "written", {"en/b.json": 4}), "/x/b.md")
    state._close_journal()
    with open(tmp_path / JOURNAL_NAME, "ab") as journal:
        journal.write(b'{"job": "c.md\\ten\\tjson", "record": {"fingerp')
    loaded = BuildState.load(tmp_path)
    assert sorted(loaded.jobs) == ["a.md\ten\tjson", "b.md\ten\tjson"]
    assert loaded.pages == {"a.md": "/x/a.md", "b.md": "/x/b.md"}
    loaded.save()
    assert not (tmp_path / JOURNAL_NAME).exists()
    assert sorted(BuildState.load(tmp_path).jobs) == ["a.md\ten\tjson", "b.md\ten\tjson"]


def test_a_second_build_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    import fcntl

    root = make_site(tmp_path, 1)
    (root / "dist").mkdir()
    with open(root / "dist" / ".publish-lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(PublishError, match="another build"):
            run_inline(root)


# --- worker processes ---------------------------------------------------------------------------


def test_worker_processes_render_and_report_memory(tmp_path: Path) -> None:
    root = make_site(tmp_path, 6)
    (root / "content" / "broken.md").write_text(BAD_YAML, encoding="utf-8")
    config = load_config(root=root)
    report = build(request_for(config), config, root / "dist", jobs=2)
    assert statuses(report) == {"written": 6, "unchanged": 0, "skipped": 0, "failed": 1}
    assert report.scheduler == "processes (2)"
    assert len(report.workers) == 2 and sum(w["pages"] for w in report.workers) == 7
    for worker in report.workers:  # a worker may get no page if the other was ready first
        assert worker["pid"] != os.getpid() and 20 < worker["peak_rss_mb"] < 1000
    for path in outputs(root / "dist"):
        assert_complete(path)


def test_a_worker_killed_from_outside_costs_at_most_its_job(tmp_path: Path) -> None:
    import multiprocessing

    root = make_site(tmp_path, 12)
    config = load_config(root=root)
    killed: list[int] = []

    def kill_a_worker(outcome) -> None:  # type: ignore[no-untyped-def]
        if not killed:
            victim = multiprocessing.active_children()[0]
            killed.append(victim.pid)
            os.kill(victim.pid, signal.SIGKILL)

    report = build(request_for(config), config, root / "dist", jobs=1,
                   on_outcome=kill_a_worker)
    assert killed and report.count("written") + report.count("failed") == 12
    assert report.count("failed") <= 1
    for outcome in report.outcomes:
        if outcome.status == "failed":
            assert "worker process died (exit code -9)" in outcome.error
    assert len(report.workers) == 2  # the dead worker was replaced


def test_a_worker_over_the_memory_limit_is_replaced(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from publish.build import scheduling

    monkeypatch.setattr(scheduling, "RECYCLE_RSS_KB", 1)  # every worker is "too big"
    root = make_site(tmp_path, 3)
    config = load_config(root=root)
    report = build(request_for(config), config, root / "dist", jobs=1)
    assert report.count("written") == 3
    assert [w["pages"] for w in report.workers] == [1, 1, 1]


def test_a_job_over_the_timeout_fails_with_a_clear_message(tmp_path: Path) -> None:
    root = make_site(tmp_path, 3)
    config = load_config(root=root)
    report = build(request_for(config), config, root / "dist", jobs=1, timeout=1e-4)
    assert report.scheduler == "processes (1)" and report.count("failed") == 3
    for outcome in report.outcomes:
        assert "timed out after 0.0001 s ([build] timeout)" in outcome.error
        assert "testamol-" in outcome.error
    assert len(report.workers) == 3  # a timed-out worker is killed; a new one takes the rest
    again = build(request_for(config), config, root / "dist", jobs=1)
    assert again.count("written") == 3


def test_a_build_of_one_page_renders_in_process_with_a_timeout(tmp_path: Path) -> None:
    root = make_site(tmp_path, 1)
    config = load_config(root=root)
    report = build(request_for(config, ("json", "json")), config, root / "dist",
                   timeout=1e-6)
    assert report.scheduler == "inline" and report.workers[0]["pid"] == os.getpid()
    assert report.count("failed") >= 1
    assert all("timed out" in o.error for o in report.outcomes if o.status == "failed")
    again = build(request_for(config), config, root / "dist", force=True)
    assert again.scheduler == "inline" and again.count("written") == 1


def test_cli_exit_status_and_plain_progress_lines(tmp_path: Path) -> None:
    code_unchanged = code_guard("json")
    root = make_site(tmp_path, 3)
    (root / "content" / "broken.md").write_text(BAD_YAML, encoding="utf-8")
    result = run_cli("build", "--jobs", "2", cwd=root)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "build: 4 jobs, 0 up to date, 4 to run"
    assert any(re.match(r"failed: .*broken\.md:\d+: invalid YAML", line) for line in lines)
    assert any(line.startswith("[4/4] 100% | json 4/4 |") and line.endswith("| 1 failed")
               for line in lines)
    assert "\x1b[" not in result.stderr  # no terminal escapes in a log
    assert "| json   |       3 |" in result.stderr  # the summary table
    assert lines[-1].startswith("build finished with failures: 3 written, 0 unchanged")
    (root / "content" / "broken.md").unlink()
    again = run_cli("build", cwd=root)
    assert again.returncode == 0, again.stderr
    code_unchanged()
    assert again.stderr.splitlines()[0] == "build: 3 jobs, 3 up to date, 0 to run"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_in_the_middle_then_rerun_finishes_the_rest(tmp_path: Path) -> None:
    pages = 300
    code_unchanged = code_guard("json")
    root = make_site(tmp_path, pages)
    journal = root / "dist" / JOURNAL_NAME
    process = subprocess.Popen([sys.executable, "-m", "publish", "build", "--jobs", "1"],
                               cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 20:
            break
        assert process.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.01)
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert workers, "the build had no worker process"
    for _ in range(200):  # workers die with their parent
        if not any(_running(pid) for pid in workers):
            break
        time.sleep(0.05)
    assert not any(_running(pid) for pid in workers)
    done = outputs(root / "dist")
    assert 20 <= len(done) < pages
    for path in done:  # nothing truncated under a final name
        assert_complete(path)
    result = run_cli("build", "--jobs", "2", cwd=root)
    assert result.returncode == 0, result.stderr
    report = json.loads((root / "dist" / "build-report.json").read_text("utf-8"))
    assert report["summary"]["unchanged"] + report["summary"]["written"] == pages
    final = outputs(root / "dist")
    assert len(final) == pages
    for path in final:
        assert_complete(path)
    assert not list((root / "dist").rglob("*.part")) and not journal.exists()
    code_unchanged()
    assert report["summary"]["unchanged"] >= 20  # what was done before the kill was kept


def test_ctrl_c_stops_cleanly_and_the_next_build_carries_on(tmp_path: Path) -> None:
    pages = 300
    code_unchanged = code_guard("json")
    root = make_site(tmp_path, pages)
    journal = root / "dist" / JOURNAL_NAME
    process = subprocess.Popen([sys.executable, "-m", "publish", "build", "--jobs", "1"],
                               cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 20:
            break
        assert process.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.rstrip().endswith("interrupted") and "Traceback" not in stderr
    report = json.loads((root / "dist" / "build-report.json").read_text("utf-8"))
    assert report["status"] == "interrupted" and report["summary"]["written"] >= 20
    assert not journal.exists()  # folded into the state on the way out
    again = run_cli("build", cwd=root)
    assert again.returncode == 0, again.stderr
    resumed = json.loads((root / "dist" / "build-report.json").read_text("utf-8"))
    assert resumed["summary"]["unchanged"] + resumed["summary"]["written"] == pages
    code_unchanged()
    assert resumed["summary"]["unchanged"] == report["summary"]["written"]


def test_every_registered_format_writes_complete_outputs(tmp_path: Path) -> None:
    formats = tuple(name for name in registry() if name != "audio")
    root = make_site(tmp_path, 3, formats)
    config = load_config(root=root)
    report = build(request_for(config, formats), config, root / "dist", jobs=2)
    assert report.count("failed") == 0, [o.error for o in report.outcomes]
    assert report.count("written") == 3 * len(formats)
    files = outputs(root / "dist")
    assert len(files) >= 3 * len(formats)
    for path in files:
        assert_complete(path)


# --- Dask ---------------------------------------------------------------------------------------


def test_dask_local_cluster_builds_the_same_outputs(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    formats = tuple(name for name in registry() if name in ("json", "html", "sms"))
    code_unchanged = code_guard(*formats)
    root = make_site(tmp_path, 4, formats)
    (root / "content" / "broken.md").write_text(BAD_YAML, encoding="utf-8")
    config = load_config(root=root)
    report = build(request_for(config, formats), config, root / "dist", dask="local:2")
    assert report.scheduler == "dask"
    assert report.count("written") == 4 * len(formats)
    assert report.count("failed") == len(formats)  # the broken page, reported per job
    assert 1 <= len(report.workers) <= 2 and all(w["pid"] != os.getpid()
                                                  for w in report.workers)
    inline = root / "inline"
    build(request_for(config, formats), config, inline, scheduler=InlineScheduler())
    for path in outputs(root / "dist"):
        assert_complete(path)
        if path.suffix == ".json" and path.name.count(".") == 1:
            twin = inline / path.relative_to(root / "dist")
            assert path.read_bytes() == twin.read_bytes()
    # Results came back to this process, which recorded them: only the failure runs again.
    again = build(request_for(config, formats), config, root / "dist", dask="local:2")
    code_unchanged()
    assert again.count("unchanged") == 4 * len(formats) and again.count("written") == 0


@pytest.mark.skipif(not SEED.exists(), reason="seed page missing")
def test_seed_site_builds_with_the_cli(tmp_path: Path) -> None:
    result = run_cli("build", "--format", "json", "--out", str(tmp_path / "out"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert_complete(tmp_path / "out" / "en" / "naltrexone.json")


def test_a_worker_without_the_content_folder_reads_the_shipped_bytes(tmp_path: Path) -> None:
    from publish.build import RendererPool, iter_render_page
    from publish.pages import PageRef

    config = build_config({}, tmp_path)
    elsewhere = PageRef(tmp_path / "not-here" / "testamol.md", "t/testamol.md")
    pool = RendererPool()
    [ok] = iter_render_page(elsewhere, config, [("en", "json")], pool,
                            source=page_text(5).encode("utf-8"))
    assert ok.status == "written"
    assert json.loads(ok.files[0][1])["title"] == "Testamol 5"
    [bad] = iter_render_page(elsewhere, config, [("en", "json")], pool,
                             source=BAD_YAML.encode("utf-8"))
    assert bad.status == "failed" and bad.error.startswith(f"{elsewhere.path}:")
    pool.close()


@pytest.mark.corpus
@requires_corpus
def test_corpus_slice_builds_completely_then_rebuilds_nothing(tmp_path: Path) -> None:
    formats = tuple(name for name in registry() if name in ("pdf", "html", "sms", "json"))
    code_unchanged = code_guard(*formats)
    config = build_config({}, tmp_path)
    pages = discover([CORPUS / "y", CORPUS / "z"], root=CORPUS)
    request = BuildRequest(tuple(pages), ("en",), formats)
    report = build(request, config, tmp_path / "dist", jobs=2)
    assert report.count("failed") == 0, [o.error for o in report.outcomes if o.error]
    assert report.count("written") + report.count("skipped") == len(pages) * len(formats)
    for path in outputs(tmp_path / "dist"):
        assert_complete(path)
    again = build(request, config, tmp_path / "dist", jobs=2)
    code_unchanged()
    assert again.count("unchanged") == len(pages) * len(formats) and not again.workers


def test_jobs_of_a_page_follow_records_and_forgets(tmp_path: Path) -> None:
    """`jobs_of` is indexed (the site asks it of every page): it must say what a scan of
    every job says, through records, forgets, a reload and a change made behind its back."""
    state = BuildState(tmp_path)

    def scan(page: str) -> list[str]:
        return [job for job in state.jobs if job.split("\t")[0] == page]

    record = JobRecord(fingerprint="f", status="written", outputs={})
    pages = ["a.md", "a.md.md", "b/a.md", "c.md"]
    for page in pages:
        for fmt in ("html", "pdf"):
            state.record(f"{page}\ten\t{fmt}", record, None)
    assert all(state.jobs_of(page) == scan(page) for page in pages)
    state.record("a.md\tes\thtml", record, None)  # after the index was built
    state.record("a.md\ten\thtml", record, None)  # again: no duplicate
    state.forget("c.md\ten\tpdf")
    assert all(state.jobs_of(page) == scan(page) for page in pages)
    assert state.jobs_of("a.md") == ["a.md\ten\thtml", "a.md\ten\tpdf", "a.md\tes\thtml"]
    del state.jobs["b/a.md\ten\thtml"]  # behind its back
    assert state.jobs_of("b/a.md") == ["b/a.md\ten\tpdf"]
    state.save()
    again = BuildState.load(tmp_path)
    assert all(again.jobs_of(page) == [job for job in again.jobs
                                       if job.split("\t")[0] == page] for page in pages)
    assert again.jobs_of("nowhere.md") == []
