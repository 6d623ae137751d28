"""The package document, the navigation document and the OCF container of one leaflet.

Written with lxml, so every text and attribute is escaped by the serialiser (the standard
library's ElementTree cannot write a default namespace next to plain attributes). The
zip is deterministic (EPUB 3.3 OCF): `mimetype` first, stored, without extra fields; every
other entry in a fixed order with a fixed time stamp and mode, so the same files always
give the same bytes.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as StdET

from lxml import etree as ET

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
SMIL = "http://www.w3.org/ns/SMIL"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"

NAMESPACES = {"opf": OPF, "dc": DC, "epub": OPS}

CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
ACTIVE_CLASS = "-epub-media-overlay-active"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
"""Every entry's time stamp (zip times before 1980 do not exist; any fixed time will do)."""
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class Item:
    """One file of the publication, as the manifest lists it."""

    id: str
    href: str
    media_type: str
    data: bytes
    properties: str = ""
    overlay: str = ""
    """Id of the media overlay item that voices this content document."""


@dataclass(frozen=True)
class Accessibility:
    """The EPUB Accessibility 1.1 metadata (schema.org properties), honest about the audio."""

    summary: str
    audio: bool

    @property
    def modes(self) -> list[str]:
        return ["textual", "auditory"] if self.audio else ["textual"]

    @property
    def sufficient(self) -> list[str]:
        # Every word is both shown and (with audio) spoken, headings included: either mode
        # alone carries the whole leaflet.
        return ["textual", "auditory"] if self.audio else ["textual"]

    @property
    def features(self) -> list[str]:
        features = ["structuralNavigation", "tableOfContents", "readingOrder",
                    "displayTransformability"]
        if self.audio:
            features.insert(3, "synchronizedAudioText")
        return features


@dataclass(frozen=True)
class Metadata:
    identifier: str
    title: str
    language: str
    direction: str
    modified: str
    """`CCYY-MM-DDThh:mm:ssZ`, as dcterms:modified requires."""
    publisher: str
    accessibility: Accessibility
    durations: dict[str, float] = field(default_factory=dict)
    """Media overlay item id → seconds; empty for a publication without audio."""


def identifier(*parts: str) -> str:
    """A stable `urn:uuid:` for one page in one locale: the same on every build."""
    name = "\x1f".join(parts)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish-epub:' + name)}"


def clock(seconds: float) -> str:
    """A SMIL clock value (`h:mm:ss.fff`) for media:duration."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def package_document(metadata: Metadata, items: Sequence[Item], spine: Sequence[str],
                     aside: Sequence[str] = ()) -> bytes:
    package = ET.Element(f"{{{OPF}}}package", nsmap={None: OPF, "dc": DC}, attrib={
        "version": "3.0", "unique-identifier": "uid", XML_LANG: metadata.language,
        "dir": metadata.direction})
    meta = ET.SubElement(package, f"{{{OPF}}}metadata")

    def dc(name: str, text: str, **attributes: str) -> None:
        ET.SubElement(meta, f"{{{DC}}}{name}", attributes).text = text

    def prop(name: str, text: str, refines: str = "") -> None:
        attributes = {"property": name}
        if refines:
            attributes["refines"] = refines
        ET.SubElement(meta, f"{{{OPF}}}meta", attributes).text = text

    dc("identifier", metadata.identifier, id="uid")
    dc("title", metadata.title)
    dc("language", metadata.language)
    if metadata.publisher:
        dc("publisher", metadata.publisher)
    prop("dcterms:modified", metadata.modified)
    prop("dcterms:conformsTo", CONFORMS_TO)
    access = metadata.accessibility
    for mode in access.modes:
        prop("schema:accessMode", mode)
    for mode in access.sufficient:
        prop("schema:accessModeSufficient", mode)
    for feature in access.features:
        prop("schema:accessibilityFeature", feature)
    prop("schema:accessibilityHazard", "none")
    prop("schema:accessibilitySummary", access.summary)
    if metadata.durations:
        for item_id, seconds in sorted(metadata.durations.items()):
            prop("media:duration", clock(seconds), refines=f"#{item_id}")
        prop("media:duration", clock(sum(metadata.durations.values())))
        prop("media:active-class", ACTIVE_CLASS)
    manifest = ET.SubElement(package, f"{{{OPF}}}manifest")
    for item in items:
        attributes = {"id": item.id, "href": item.href, "media-type": item.media_type}
        if item.properties:
            attributes["properties"] = item.properties
        if item.overlay:
            attributes["media-overlay"] = item.overlay
        ET.SubElement(manifest, f"{{{OPF}}}item", attributes)
    # The reading system turns pages right to left for Arabic, Hebrew… (EPUB 3.3 §5.8).
    spine_element = ET.SubElement(package, f"{{{OPF}}}spine",
                                  {"page-progression-direction": metadata.direction})
    for idref in spine:
        ET.SubElement(spine_element, f"{{{OPF}}}itemref", {"idref": idref})
    for idref in aside:
        # Links lead only to spine items: the contents page is one, out of reading order.
        ET.SubElement(spine_element, f"{{{OPF}}}itemref", {"idref": idref, "linear": "no"})
    return xml_document(package)


@dataclass(frozen=True)
class NavEntry:
    text: str
    href: str
    children: tuple[NavEntry, ...] = ()


def navigation_document(*, title: str, language: str, direction: str, stylesheet: str,
                        contents_label: str, entries: Sequence[NavEntry],
                        landmarks_label: str, landmarks: Sequence[tuple[str, str, str]]) -> bytes:
    """The EPUB navigation document: the table of contents and the landmarks
    (`landmarks` as (epub:type, href, text))."""
    html = ET.Element(f"{{{XHTML}}}html", nsmap={None: XHTML, "epub": OPS},
                      attrib={"lang": language, XML_LANG: language, "dir": direction})
    head = ET.SubElement(html, f"{{{XHTML}}}head")
    ET.SubElement(head, f"{{{XHTML}}}meta", {"charset": "utf-8"})
    ET.SubElement(head, f"{{{XHTML}}}title").text = title
    ET.SubElement(head, f"{{{XHTML}}}link", {"rel": "stylesheet", "type": "text/css",
                                             "href": stylesheet})
    body = ET.SubElement(html, f"{{{XHTML}}}body")
    toc = ET.SubElement(body, f"{{{XHTML}}}nav", {f"{{{OPS}}}type": "toc", "id": "toc",
                                                  "role": "doc-toc",
                                                  "aria-labelledby": "toc-heading"})
    ET.SubElement(toc, f"{{{XHTML}}}h1", {"id": "toc-heading"}).text = contents_label
    _entries(toc, entries)
    marks = ET.SubElement(body, f"{{{XHTML}}}nav", {f"{{{OPS}}}type": "landmarks",
                                                    "id": "landmarks", "hidden": "hidden",
                                                    "aria-labelledby": "landmarks-heading"})
    ET.SubElement(marks, f"{{{XHTML}}}h2", {"id": "landmarks-heading"}).text = landmarks_label
    ol = ET.SubElement(marks, f"{{{XHTML}}}ol")
    for kind, href, text in landmarks:
        li = ET.SubElement(ol, f"{{{XHTML}}}li")
        ET.SubElement(li, f"{{{XHTML}}}a", {f"{{{OPS}}}type": kind, "href": href}).text = text
    return xhtml_document(html)


def _entries(parent: Any, entries: Sequence[NavEntry]) -> None:
    ol = ET.SubElement(parent, f"{{{XHTML}}}ol")
    for entry in entries:
        li = ET.SubElement(ol, f"{{{XHTML}}}li")
        ET.SubElement(li, f"{{{XHTML}}}a", {"href": entry.href}).text = entry.text
        if entry.children:
            _entries(li, entry.children)


def from_elementtree(element: StdET.Element, parent: Any = None) -> Any:
    """An ElementTree tree (what the HTML5 parser gives) as an lxml tree whose root binds
    XHTML as the default namespace; comments and processing instructions are left out."""
    if parent is None:
        copy = ET.Element(element.tag, nsmap={None: XHTML, "epub": OPS})
    else:
        copy = ET.SubElement(parent, element.tag)
    for key, value in element.attrib.items():
        copy.set(key, value)
    copy.text = element.text
    last = None
    for child in element:
        if not isinstance(child.tag, str):  # a comment: keep the text that follows it
            if child.tail:
                if last is None:
                    copy.text = (copy.text or "") + child.tail
                else:
                    last.tail = (last.tail or "") + child.tail
            continue
        last = from_elementtree(child, copy)
        last.tail = child.tail
    return copy


def xhtml_document(html: Any) -> bytes:
    text = ET.tostring(html, encoding="unicode")
    return (XML_DECLARATION + "<!DOCTYPE html>\n" + text + "\n").encode("utf-8")


def container_document(package_path: str) -> bytes:
    container = ET.Element(f"{{{CONTAINER}}}container", nsmap={None: CONTAINER},
                           attrib={"version": "1.0"})
    rootfiles = ET.SubElement(container, f"{{{CONTAINER}}}rootfiles")
    ET.SubElement(rootfiles, f"{{{CONTAINER}}}rootfile", {
        "full-path": package_path, "media-type": "application/oebps-package+xml"})
    return xml_document(container)


def xml_document(root: Any) -> bytes:
    text = ET.tostring(root, encoding="unicode")
    return (XML_DECLARATION + text + "\n").encode("utf-8")


STORED_TYPES = ("audio/", "font/", "image/")
"""Already compressed: deflating them again costs time and saves nothing."""


def ocf_zip(package_path: str, items: Iterable[Item], root: str) -> bytes:
    """The publication as an OCF zip: `mimetype`, `META-INF/container.xml`, the package
    document and the items under `root`, in that order, with fixed times and modes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        _add(archive, "mimetype", b"application/epub+zip", zipfile.ZIP_STORED)
        _add(archive, "META-INF/container.xml", container_document(package_path),
             zipfile.ZIP_DEFLATED)
        for name, data, media_type in items_in_order(items, root):
            method = (zipfile.ZIP_STORED if media_type.startswith(STORED_TYPES)
                      else zipfile.ZIP_DEFLATED)
            _add(archive, name, data, method)
    return out.getvalue()


def items_in_order(items: Iterable[Item], root: str) -> list[tuple[str, bytes, str]]:
    return sorted(((f"{root}/{item.href}", item.data, item.media_type) for item in items),
                  key=lambda entry: entry[0])


def _add(archive: zipfile.ZipFile, name: str, data: bytes, method: int) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = method
    info.create_system = 3  # Unix, whatever the machine: part of the bytes
    info.external_attr = 0o100644 << 16
    archive.writestr(info, data, compress_type=method, compresslevel=9 if method else None)
