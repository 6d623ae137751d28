"""`publish sms-count TEXT|-`: what one message costs, for checking a message by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from publish.commands.group import fail
from publish.config import load_config
from publish.errors import PublishError
from publish.sms import gsm
from publish.sms.transliterate import Transliterator, load_locale


@click.command("sms-count")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--transliterate", "-t", is_flag=True,
              help="Count the text as the sms renderer would send it: typographic characters "
                   "replaced, medical symbols written out (see --locale).")
@click.option("--locale", "-l", default="en", show_default=True,
              help="Locale whose locales/<lang>/sms.toml gives the words (with -t).")
@click.option("--segments", "show_segments", is_flag=True,
              help="Also print each segment as the network would send it.")
@click.option("--shift", type=click.Choice(sorted(gsm.SHIFT_TABLES)), default=None,
              help="Count with this language's GSM 03.38 national single shift table (what "
                   "[sms] national_shift enables): its letters cost 2 septets instead of "
                   "forcing UCS-2, and the header it needs costs 5 septets a message.")
@click.pass_context
def sms_count(ctx: click.Context, text: str, as_json: bool, transliterate: bool, locale: str,
              show_segments: bool, shift: str | None) -> None:
    """Count TEXT (or standard input for "-") as one SMS: encoding, septets or UTF-16 units,
    segments, and the characters that force UCS-2.

    One trailing newline of standard input is ignored (what `echo` adds).
    """
    if text == "-":
        text = _read_stdin()
        if text.endswith("\n"):
            text = text[:-1]
            if text.endswith("\r"):
                text = text[:-1]
    else:
        _refuse_undecodable(text)
    with gsm.using_shift(gsm.SHIFT_TABLES[shift] if shift else None):
        _report(ctx, text, as_json, transliterate, locale, show_segments)


def _report(ctx: click.Context, text: str, as_json: bool, transliterate: bool, locale: str,
            show_segments: bool) -> None:
    original = text
    replaced: dict[str, str] = {}
    if transliterate:
        text = Transliterator(load_locale(_locales_dir(ctx), locale))(text, replaced)
    figures = gsm.count(text)
    segments = gsm.split_segments(text, figures.encoding)
    if as_json:
        data = figures.to_dict()
        data["per_segment"] = figures.per_segment
        if transliterate:
            data["original"] = original
            data["transliterated"] = replaced
        if show_segments:
            data["segment_texts"] = segments
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    unit = "septets" if figures.encoding is gsm.Encoding.GSM7 else "UTF-16 units"
    if transliterate:
        click.echo(f"text:       {text}")
    click.echo(f"encoding:   {figures.label}")
    click.echo(f"characters: {figures.characters}")
    click.echo(f"{unit + ':':<11} {figures.units}")
    click.echo(f"segments:   {figures.segments} ({figures.per_segment} {unit} per segment)")
    if figures.offending:
        click.echo("forced UCS-2 by:")
        hint = None if transliterate else Transliterator(load_locale(_locales_dir(ctx), locale))
        for ch in figures.offending:
            info = gsm.describe(ch)
            line = f"  {info['char']!r} {info['codepoint']} {info['name']} (x{text.count(ch)})"
            if hint is not None:
                form = hint(f"a{ch}a")[1:-1].strip()
                if form != ch and gsm.is_gsm7(form):
                    line += f": -t writes {form!r}"
            tables = [table.language for table in gsm.SHIFT_TABLES.values()
                      if ch in table.characters]
            if tables and gsm.current().shift is None:
                line += f" (--shift {'/'.join(tables)} keeps it in GSM-7)"
            click.echo(line)
    for key, value in replaced.items():
        click.echo(f"replaced:   {key!r} -> {value!r}")
    if show_segments:
        for index, segment in enumerate(segments, start=1):
            click.echo(f"[{index}] {segment}")


def _read_stdin() -> str:
    """Standard input as UTF-8, strictly: undecodable bytes must not be counted as lone
    surrogates (U+DCxx), which no phone would ever send."""
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"-: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})")
        raise  # unreachable: _fail exits


def _refuse_undecodable(text: str) -> None:
    """An argument with bytes that are not UTF-8 reaches Python as lone surrogates."""
    for offset, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            byte = ord(char) - 0xDC00
            fail(f"TEXT: not valid UTF-8 (byte 0x{byte:02x} at character {offset})")


def _locales_dir(ctx: click.Context) -> Path:
    """The site's locales folder when a publish.toml is found, else ./locales."""
    config_path = (ctx.obj or {}).get("config_path") if ctx.obj is not None else None
    try:
        return load_config(path=config_path).locales_dir
    except PublishError:
        return Path("locales").resolve()
