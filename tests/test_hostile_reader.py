"""Hostile pages against the reader: no regex or loop that a page can make super-linear, a time
bound on reading a page, invisible characters cleaned after character references are decoded,
safety texts a page cannot empty or reverse, front matter that always gives valid JSON.

The reproductions are the red-team findings' own pages (each took from 49 s to minutes to
`check` before the fixes); the timing bounds are generous (seconds for what now takes
milliseconds), so that they only fail on a hang.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publish.config import SiteConfig, build_config
from publish.errors import ConfigError, PageError
from publish.model import Leaflet
from publish.reader import read_page

FRONT = "---\ntitle: Testamol\n---\n\n"
SECTION = "\n\n### Usage\n\nTestamol is used for tests.\n"


def read_text(tmp_path: Path, text: str, config: SiteConfig | None = None) -> Leaflet:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return read_page(path, config or build_config({}, tmp_path), key="page.md")


def timed_read(tmp_path: Path, text: str) -> float:
    started = time.perf_counter()
    read_text(tmp_path, text)
    return time.perf_counter() - started


# --- finding 3: pages that made the reader backtrack for minutes ------------------------------

# name → page (each under 256 KB); the time `publish check` took before the fix.
REPRODUCTIONS: dict[str, str] = {
    # 491 s: `_ITEM_GT` let `\s*` run over every following blank line from each line start.
    "newlines": FRONT + "\n" * 200_000 + "# Testamol" + SECTION,
    # 315 s: the title split tried every space as the start of `\s*(?:\+|,|…)\s*`.
    "title-spaces": "---\ntitle: 'Testamol" + " " * 100_000 + "x'\n---\n" + SECTION,
    # 64 s: `\s*\d*\s*` in the FAQ question prefix shared 120,000 spaces every possible way.
    "faq-nbsp": FRONT + "### FAQs\n\nQ" + "\u00a0" * 120_000 + "x\n",
    # 49 s: `\(.*?\)` scanned to the end of the title from each of 100,000 "(".
    "title-parens": "---\ntitle: 'Testamol " + "(" * 100_000 + "'\n---\n" + SECTION,
    # minutes: `[^()]*\d[^()]*%` over a parenthesis of 100,000 digits in a bold label.
    "label-digits": FRONT + "### Side Effects\n\n**(" + "1" * 100_000 + ":**\n\n* Headache\n",
}


@pytest.mark.parametrize("name", REPRODUCTIONS)
def test_reproduction_reads_fast(tmp_path: Path, name: str) -> None:
    assert timed_read(tmp_path, REPRODUCTIONS[name]) < 5


def test_check_on_every_reproduction_is_fast(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for name, page in REPRODUCTIONS.items():
        (content / f"{name}.md").write_text(page, encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "publish", "check", "--json", "content"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    entries = json.loads(result.stdout)
    assert {entry["key"] for entry in entries} == {f"{name}.md" for name in REPRODUCTIONS}
    assert all(entry["status"] in ("ok", "warning") for entry in entries), result.stdout
    assert elapsed < 5 * len(REPRODUCTIONS), elapsed


# Other page shapes that were quadratic outside regexes (a loop over words, spans or tags).
def _many(template: str, count: int) -> str:
    return "".join(template.format(i=i) for i in range(count))


SHAPES: dict[str, str] = {
    # the ingredient prefix of a heading was looked for at every word: 112 s for 50 KB
    "heading-words": FRONT + "### " + "a " * 100_000 + "Usage\n\nx\n",
    "heading-colons": FRONT + "### x " + "Usage: " * 30_000 + "\n",
    "title-ingredients": "---\ntitle: '" + "+".join(f"n{i:05d}" for i in range(5000))
                         + "'\n---\n\n" + _many("### n{i:05d} Usage x\n\n", 5000),
    # each comma item of a side-effect label split all the label's spans again
    "comma-spans": FRONT + "### Side Effects\n\n**Common:** "
                   + _many("a{i}, *b{i}*, ", 10_000) + "\n",
    # every span copied the list of `<sub>` tags still open
    "open-tags": FRONT + "### Usage\n\n" + "<sub>" * 40_000 + "x\n",
    "line-breaks": FRONT + "### Usage\n\n" + "ab\n" * 50_000,
    "blank-spans": FRONT + "### Usage\n\n" + "** ** * * " * 20_000 + "x\n",
    "italic-questions": FRONT + "### FAQs\n\n* " + _many("*q{i}?* a{i} ", 15_000) + "\n",
    "section-list": FRONT + _many("* **Usage:** a\n* **Dosage:** b\n* **FAQs:** c\n", 1500),
}


@pytest.mark.parametrize("name", SHAPES)
def test_page_shape_reads_fast(tmp_path: Path, name: str) -> None:
    """Seconds at most (dense pages of thousands of blocks); quadratic, they took minutes."""
    assert len(SHAPES[name].encode()) <= 256 * 1024
    assert timed_read(tmp_path, SHAPES[name]) < 10


# --- a time bound on reading one page ([site] read_timeout) ---------------------------------

# markdown-it takes seconds over 200,000 "[" (each may open a link): one long step that only
# the alarm or the checks inside markdown-it can stop.
SLOW = FRONT + "### Usage\n\n" + "[" * 200_000 + "\n"


def timeout_config(tmp_path: Path, seconds: float) -> SiteConfig:
    return build_config({"site": {"read_timeout": seconds}}, tmp_path)


def test_slow_page_is_refused_after_read_timeout(tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(PageError) as caught:
        read_text(tmp_path, SLOW, timeout_config(tmp_path, 0.2))
    assert time.perf_counter() - started < 2
    assert str(caught.value) == (f"{tmp_path / 'page.md'}: reading the page took longer than "
                                 "0.2 s ([site] read_timeout)")


def test_read_timeout_holds_outside_the_main_thread(tmp_path: Path) -> None:
    """No alarm in a thread (Dask runs tasks in threads): the reader's own checks stop it."""
    outcome: dict[str, object] = {}

    def read() -> None:
        started = time.perf_counter()
        try:
            read_text(tmp_path, SLOW, timeout_config(tmp_path, 0.2))
        except PageError as error:
            outcome["error"] = str(error)
        outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(60)
    assert "took longer than 0.2 s ([site] read_timeout)" in str(outcome.get("error"))
    assert float(outcome["seconds"]) < 2  # type: ignore[arg-type]


class OuterAlarm(BaseException):
    pass


def _outer_alarm(signum: int, frame: object) -> None:
    raise OuterAlarm()


@pytest.fixture
def outer_alarm() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _outer_alarm)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_a_later_outer_alarm_is_set_again_after_reading(tmp_path: Path, outer_alarm) -> None:  # type: ignore[no-untyped-def]
    """The build's job timeout (an interval timer too) survives the reading of the page."""
    signal.setitimer(signal.ITIMER_REAL, 100)
    read_text(tmp_path, FRONT + SECTION)
    left, _ = signal.getitimer(signal.ITIMER_REAL)
    assert 90 < left <= 100
    assert signal.getsignal(signal.SIGALRM) is _outer_alarm


def test_an_earlier_outer_alarm_still_rings(tmp_path: Path, outer_alarm) -> None:  # type: ignore[no-untyped-def]
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    started = time.perf_counter()
    with pytest.raises(OuterAlarm):
        read_text(tmp_path, SLOW)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0, -1.0])
def test_read_timeout_must_be_a_positive_number(tmp_path: Path, value: float) -> None:
    with pytest.raises(ConfigError, match=r"\[site\] read_timeout: (expected a finite number, "
                                          r"got|-?[0-9.]+ is out of range \(> 0\))"):
        read_text(tmp_path, FRONT + SECTION, timeout_config(tmp_path, value))


def run_publish(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "publish", *args], cwd=site,
                            capture_output=True, text=True, timeout=600)
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream[-2000:]
    return result


def test_check_and_build_report_the_read_timeout(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "slow.md").write_text(SLOW, encoding="utf-8")
    (content / "fine.md").write_text(FRONT + SECTION, encoding="utf-8")
    (tmp_path / "publish.toml").write_text("[site]\nread_timeout = 0.2\n", encoding="utf-8")
    message = "reading the page took longer than 0.2 s ([site] read_timeout)"
    checked = run_publish(tmp_path, "check")
    assert checked.returncode == 1
    assert f"error: {content / 'slow.md'}: {message}" in checked.stdout.splitlines()
    built = run_publish(tmp_path, "build", "-f", "sms", "-q")
    assert built.returncode == 1
    jobs = json.loads((tmp_path / "dist" / "build-report.json").read_text("utf-8"))["jobs"]
    status = {job["page"]: (job["status"], job["error"]) for job in jobs}
    assert status["slow.md"] == ("failed", f"{content / 'slow.md'}: {message}")
    assert status["fine.md"][0] == "written"


def test_invalid_read_timeout_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "fine.md").write_text(FRONT + SECTION, encoding="utf-8")
    (tmp_path / "publish.toml").write_text("[site]\nread_timeout = nan\n", encoding="utf-8")
    checked = run_publish(tmp_path, "check")
    assert checked.returncode != 0
    assert "[site] read_timeout: expected a finite number, got nan" in (
        checked.stdout + checked.stderr)


# --- finding 4: invisible characters written as character references --------------------------

HIDDEN = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u200b", "\u2060", "\ufeff"}
REFERENCES = ("---\ntitle: \"Testamol \\u202e51\"\nkey\\u202e: \"v\\u202d\"\n---\n\n"
              "# Testamol\n\n### Usage\n\nTake &#x202E;51 mg&#x202C; daily.\n\n"
              "### Dosage &#8238;X\n\n**Adults&#x202D;:** 2&#x200B;0 mg\n\n"
              "* Children: &#xFEFF;5 mg\n\n![alt &#x202E;text](x.png)\n\n"
              "### FAQs\n\n* **Q: Is it &#x2060;safe?** A: Yes.\n")


def all_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


def test_references_are_cleaned_after_decoding(tmp_path: Path) -> None:
    leaflet = read_text(tmp_path, REFERENCES)
    strings = list(all_strings(leaflet.to_dict()))
    assert not [s for s in strings if HIDDEN & set(s)]
    assert "Take 51 mg daily." in strings
    assert "20 mg" in strings and "Is it safe?" in strings and "alt text" in " ".join(strings)
    warnings = [w for w in leaflet.warnings if w.code == "invisible"]
    decoded = [w for w in warnings if "U+202E RIGHT-TO-LEFT OVERRIDE" in w.message
               and w.line == 10]
    assert decoded, warnings


def test_a_reference_cannot_reverse_a_dose_in_any_output(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "page.md").write_text(REFERENCES, encoding="utf-8")
    run_publish(tmp_path, "build", "-f", "html,pdf,json", "-q")
    out = tmp_path / "dist" / "en"
    html = (out / "page.html").read_text("utf-8")
    assert not HIDDEN & set(html)
    assert not re.search(r"&#(x0*202[a-e]|0*823[4-8]|x0*200b|0*8203);", html, re.IGNORECASE)
    data = json.loads((out / "page.json").read_text("utf-8"))
    assert not [s for s in all_strings(data) if HIDDEN & set(s)]
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out / "page.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "Take 51 mg daily." in " ".join(pdf.split())
    assert not HIDDEN & set(pdf)


# --- finding 5: safety texts a page could empty or reverse ------------------------------------

USAGE = FRONT + "# Testamol\n\n### Usage\n\nTestamol is used for tests.\n\n"
SITE = build_config({}, Path.cwd()).site


def warning_codes(leaflet: Leaflet) -> list[str]:
    return [warning.code for warning in leaflet.warnings]


def page_text(leaflet: Leaflet) -> str:
    from publish.model import leaflet_texts

    return " ".join(text.plain for text in leaflet_texts(leaflet, safety=False))


@pytest.mark.parametrize("blank", ["&#8203;", "\u3164", "&#x3164;", "\u2800 \u2800", "&#x200D;",
                                   "\u200c\u200d", "&#x202E;&#x202C;", "**\u3164**"])
def test_a_disclaimer_with_nothing_visible_gives_the_site_text(tmp_path: Path,
                                                                blank: str) -> None:
    leaflet = read_text(tmp_path, USAGE + f"**Disclaimer:** {blank}\n")
    assert leaflet.disclaimer.origin.value == "site"
    assert leaflet.disclaimer.text.plain == SITE["disclaimer"]
    assert "empty-disclaimer" in warning_codes(leaflet)


REVERSED_AI = ("This leaflet is not AI-generated: it was written and verified by doctors, so "
               "follow it exactly.")
REVERSED_DISCLAIMER = ("This page is not for general knowledge: it is medical advice, follow "
                       "it exactly.")


@pytest.mark.parametrize("paragraph", [
    REVERSED_AI,
    "**Note:** This leaflet isn't AI-generated.",
    "This information was AI-generated and then verified by our doctors.",
    "Crowd-sourced and AI-generated, but 100% accurate: no need to consult a doctor.",
])
def test_a_reversed_ai_note_gives_the_site_text_and_stays_in_the_page(
        tmp_path: Path, paragraph: str) -> None:
    leaflet = read_text(tmp_path, USAGE + paragraph + "\n")
    assert leaflet.ai_note.origin.value == "site"
    assert leaflet.ai_note.text.plain == SITE["ai_note"]
    assert "reversed-ai-note" in warning_codes(leaflet)
    assert paragraph.replace("**", "").split(":")[-1].strip() in page_text(leaflet)


@pytest.mark.parametrize("page", [
    USAGE + REVERSED_DISCLAIMER + "\n",  # closing, unlabelled
    USAGE + f"**Disclaimer:** {REVERSED_DISCLAIMER}\n",
    USAGE + "**Disclaimer:** This is professional medical advice written by our doctors.\n",
    USAGE + "**Disclaimer:** You do not need to consult a doctor; follow these steps exactly.\n",
    USAGE + "**Disclaimer:** It replaces your doctor.\n",
    USAGE + "This leaflet is not for informational purposes only.\n",
])
def test_a_reversed_disclaimer_gives_the_site_text_and_stays_in_the_page(
        tmp_path: Path, page: str) -> None:
    leaflet = read_text(tmp_path, page)
    assert leaflet.disclaimer.origin.value == "site"
    assert leaflet.disclaimer.text.plain == SITE["disclaimer"]
    assert "reversed-disclaimer" in warning_codes(leaflet)
    last = page.rstrip("\n").rsplit("\n", 1)[-1].replace("**Disclaimer:** ", "")
    assert last in page_text(leaflet)


@pytest.mark.parametrize("page", [
    USAGE + "**Disclaimer:** This information is for general knowledge and does not "
            "constitute medical advice. Always consult a healthcare professional.\n",
    USAGE + "**Disclaimer:** This has not been reviewed by doctors and should not be taken as "
            "medical advice. Do not use it instead of consulting your doctor.\n",
    USAGE + "This information is for educational purposes only and is not a substitute for "
            "professional medical advice.\n",
    USAGE + "**Note:** This information is AI-generated or crowd-sourced and may not be "
            "accurate. Please consult a medical professional for verified advice.\n",
])
def test_real_safety_texts_are_still_taken_from_the_page(tmp_path: Path, page: str) -> None:
    leaflet = read_text(tmp_path, page)
    origins = {leaflet.disclaimer.origin.value, leaflet.ai_note.origin.value}
    assert "page" in origins
    assert not {"empty-disclaimer", "reversed-disclaimer", "reversed-ai-note"} & set(
        warning_codes(leaflet))


def test_check_reports_the_safety_warnings(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "empty.md").write_text(USAGE + "**Disclaimer:** &#8203;\n", encoding="utf-8")
    (content / "reversed.md").write_text(USAGE + REVERSED_AI + "\n\n" + REVERSED_DISCLAIMER
                                         + "\n", encoding="utf-8")
    checked = run_publish(tmp_path, "check", "--json")
    entries = {entry["key"]: entry for entry in json.loads(checked.stdout)}
    assert checked.returncode == 0  # warned, published with the site texts
    empty, reversed_ = entries["empty.md"], entries["reversed.md"]
    assert (empty["disclaimer_origin"], empty["status"]) == ("site", "warning")
    assert [w["code"] for w in empty["warnings"]] == ["invisible", "empty-disclaimer"]
    assert (reversed_["disclaimer_origin"], reversed_["ai_note_origin"]) == ("site", "site")
    assert sorted(w["code"] for w in reversed_["warnings"]) == ["reversed-ai-note",
                                                               "reversed-disclaimer"]
    assert all(w["line"] for w in reversed_["warnings"])


# --- finding 14 and a duplicated key: front matter ---------------------------------------------

def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


NON_FINITE = ("---\ntitle: Nanamol\ndose: .nan\nmax: .inf\nmin: -.Inf\nbands: [.NaN, 1.5]\n"
              "limits: {low: -.inf, high: 2}\n---\n" + SECTION)


def test_non_finite_numbers_stay_as_their_yaml_text(tmp_path: Path) -> None:
    leaflet = read_text(tmp_path, NON_FINITE)
    extras = dict(leaflet.extras)
    assert (extras["dose"], extras["max"], extras["min"]) == (".nan", ".inf", "-.inf")
    assert extras["bands"] == [".nan", 1.5]
    assert extras["limits"] == {"low": "-.inf", "high": 2}
    json.dumps(leaflet.to_dict(), allow_nan=False)


def test_model_json_of_non_finite_extras_is_valid() -> None:
    from dataclasses import replace

    from tests.conftest import SEED

    leaflet = read_page(SEED, build_config({}, Path.cwd()), key="naltrexone.md")
    odd = replace(leaflet, extras=(("dose", float("nan")), ("band", [float("-inf")])))
    data = json.loads(json.dumps(odd.to_dict(), allow_nan=False))
    assert data["extras"] == {"dose": ".nan", "band": ["-.inf"]}


def test_json_output_of_non_finite_front_matter_is_valid(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "page.md").write_text(NON_FINITE, encoding="utf-8")
    run_publish(tmp_path, "build", "-f", "json", "-q")
    data = strict_json((tmp_path / "dist" / "en" / "page.json").read_text("utf-8"))
    assert data["extras"]["dose"] == ".nan"  # type: ignore[index]


@pytest.mark.parametrize(("front", "line", "key"), [
    ("title: Testamol\nlayout: minimal-medicine\ntitle: Poisonamol", 4, "title"),
    ("title: Testamol\ndose: 5 mg\nnotes: x\ndose: 50 mg", 5, "dose"),
    ("title: Testamol\nbands:\n  adult: 5 mg\n  adult: 50 mg", 5, "adult"),
    ("title: Testamol\nflow: {a: 1, a: 2}", 3, "a"),
])
def test_a_key_given_twice_is_refused(tmp_path: Path, front: str, line: int,
                                      key: str) -> None:
    with pytest.raises(PageError) as caught:
        read_text(tmp_path, f"---\n{front}\n---\n" + SECTION)
    assert str(caught.value) == (f"{tmp_path / 'page.md'}:{line}: duplicate key {key!r} in "
                                 "front matter")


def test_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    leaflet = read_text(tmp_path, "---\ntitle: Testamol\nbase: &base {dose: 5, unit: mg}\n"
                                  "child:\n  <<: *base\n  dose: 10\n---\n" + SECTION)
    assert dict(leaflet.extras)["child"] == {"dose": 10, "unit": "mg"}


def test_a_huge_title_is_clipped_in_the_title_mismatch_warning(tmp_path: Path) -> None:
    """A one-line message stays readable: a 100,000-character title is not printed whole."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "long.md").write_text(
        '---\ntitle: "' + "(" * 100_000 + '"\n---\n# A\n\n### Usage\n\nUsed for tests.\n',
        encoding="utf-8")
    checked = run_publish(tmp_path, "check")
    output = checked.stdout + checked.stderr
    [line] = [line for line in output.splitlines() if "differs from" in line]
    assert len(line) < 500 and line.endswith("…'"), line[:200]
