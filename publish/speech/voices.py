"""The espeak-ng voice of a locale: locale data, found by the one lookup of locale data.

A locale's `speech.toml` names its voice, either for every locale the file serves or per
tag, most specific first (`Locale.candidates()`):

    voice = "roa/fr"                 # locales/fr/speech.toml

    [voice]                          # publish/data/locales/en/speech.toml
    en = "gmw/en-us"
    en-GB = "gmw/en"

Every copy of the file is asked, the site's before the built-in one, so a site's own
`speech.toml` without a voice keeps the built-in voice. `[audio] voice` overrides them all.
Voice ids are the `File` column of `espeak-ng --voices`.
"""

from __future__ import annotations

from pathlib import Path

from publish.errors import ConfigError, RenderError
from publish.locale import Locale
from publish.resources import locale_data_files
from publish.speech.normalise import SPEECH_FILE, _read_toml

VOICE_KEY = "voice"


def find_voice(locales_dir: Path, locale: Locale) -> tuple[str, Path] | None:
    """The voice id the locale's speech data names, and the file that names it."""
    for path in locale_data_files(locales_dir, locale, SPEECH_FILE):
        value = _read_toml(path).get(VOICE_KEY)
        if value is None:
            continue
        if isinstance(value, dict):
            value = next((value[name] for name in locale.candidates() if name in value), None)
            if value is None:
                continue
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{VOICE_KEY}: expected an espeak-ng voice id (\"gmw/en-us\") or "
                              "a table of them by locale tag", path)
        return value.strip(), path
    return None


def voice_for(locales_dir: Path, locale: Locale, override: str | None = None) -> str:
    """The voice to speak `locale` with: `override` (`[audio] voice`) if given, else the one
    the locale's speech data names; `RenderError` when none does."""
    if override:
        return override
    found = find_voice(locales_dir, locale)
    if found is None:
        raise RenderError(f"no speech voice for locale {locale.tag!r}: add {VOICE_KEY} = "
                          f"\"<espeak-ng voice id>\" to its {SPEECH_FILE} (`espeak-ng --voices` "
                          "lists them) or set [audio] voice")
    return found[0]
