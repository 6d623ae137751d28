"""Checks shared by the build and hostile-input tests: is an output file complete and valid?"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def assert_complete(path: Path) -> None:
    """The output parses as what its suffix says: not cut short, not garbage."""
    data = path.read_bytes()
    assert data, path
    name = path.name
    if name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".pdf"):
        from pypdf import PdfReader

        assert data.rstrip().endswith(b"%%EOF"), path
        assert len(PdfReader(path).pages) >= 1
    elif name.endswith((".html", ".htm")):
        assert data.decode("utf-8").rstrip().endswith("</html>"), path
    elif name.endswith(".vtt"):
        import webvtt

        assert len(webvtt.read(str(path))) >= 1
    elif name.endswith(".epub"):
        assert epub_text(data).strip(), path
    elif name.endswith((".po", ".pot")):
        import polib

        assert len(polib.pofile(str(path))) >= 1
    elif name.endswith((".mp3", ".m4b", ".m4a", ".opus", ".ogg", ".wav")):
        decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                                 capture_output=True, text=True, timeout=120)
        assert decoded.returncode == 0 and not decoded.stderr.strip(), (path, decoded.stderr)
        duration = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                                   "format=duration", "-of", "csv=p=0", str(path)],
                                  capture_output=True, text=True, timeout=60)
        assert float(duration.stdout.strip()) > 1.0, path
    else:
        data.decode("utf-8")


def epub_text(data: bytes) -> str:
    """The text of an EPUB's content documents in spine order, as a reading system shows it
    (parsed as XML: an EPUB whose XHTML is not well-formed fails here)."""
    import io
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist()[0] == "mimetype"
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        [rootfile] = container.iter("{*}rootfile")
        opf_path = rootfile.get("full-path")
        folder = opf_path.rpartition("/")[0]
        package = etree.fromstring(archive.read(opf_path))
        hrefs = {item.get("id"): item.get("href") for item in package.iter("{*}item")}
        texts = []
        for itemref in package.iter("{*}itemref"):
            href = hrefs[itemref.get("idref")]
            name = f"{folder}/{href}" if folder else href
            document = etree.fromstring(archive.read(name))
            for body in document.iter("{http://www.w3.org/1999/xhtml}body"):
                texts.append("".join(body.itertext()))
        return "\n".join(texts)


def brf_text(data: bytes, tables: tuple[str, ...] = ("en-ueb-g2.ctb",)) -> str:
    """A BRF file read back to print by liblouis (page numbers left out)."""
    from publish.braille.layout import body_text
    from publish.braille.liblouis import Translator

    return Translator(tables).backward(body_text(data.decode("ascii")))
