"""What a catalog needs to know about a locale beyond the `Locale` itself: its plural rule.

Plural-Forms are pinned here rather than taken from Babel: Babel's gettext table disagrees
with CLDR for fa, tr and id, and its CLDR conversion writes operands (`e`) that GNU gettext
cannot read. Each expression below follows the CLDR integer rules and passes `msgfmt -c`.
Locales not listed fall back to Babel's table; add a line here when you start one.
Everything else (gettext name, direction, pseudo-locales) is the `publish.locale.Locale`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from publish.locale import Locale

_TWO = "nplurals=2; plural=(n != 1);"
_ONE_FOR_ZERO_AND_ONE = "nplurals=2; plural=(n > 1);"
_NONE = "nplurals=1; plural=0;"
_SLAVIC = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
           "(n%100<10 || n%100>=20) ? 1 : 2);")

PLURAL_FORMS: dict[str, str] = {
    **{code: _TWO for code in (
        "en", "de", "nl", "sv", "da", "nb", "nn", "no", "fi", "et", "it", "es", "ca", "gl",
        "eu", "el", "hu", "bg", "sq", "tr", "sw", "ur", "ta", "te", "ml", "kn", "mr", "gu",
        "ne", "pt-PT", "af", "az", "kk", "uz", "mn", "so", "ps", "ha")},
    **{code: _ONE_FOR_ZERO_AND_ONE for code in (
        "fr", "pt", "pt-BR", "hi", "fa", "bn", "am", "zu", "ln", "ti", "pa", "si")},
    **{code: _NONE for code in (
        "id", "ms", "zh", "zh-Hans", "zh-Hant", "ja", "ko", "vi", "th", "lo", "my", "km",
        "yo", "ig", "jv")},
    "ru": _SLAVIC, "uk": _SLAVIC, "be": _SLAVIC, "sr": _SLAVIC, "hr": _SLAVIC, "bs": _SLAVIC,
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) "
          "? 1 : 2);",
    "cs": "nplurals=3; plural=(n==1 ? 0 : n>=2 && n<=4 ? 1 : 2);",
    "sk": "nplurals=3; plural=(n==1 ? 0 : n>=2 && n<=4 ? 1 : 2);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100>0 && n%100<20)) ? 1 : 2);",
    "lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) "
          "? 1 : 2);",
    "lv": "nplurals=3; plural=(n%10==0 || (n%100>=11 && n%100<=19) ? 0 : n%10==1 && "
          "n%100!=11 ? 1 : 2);",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
    "he": "nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
          ": n%100>=11 ? 4 : 5);",
    "ga": "nplurals=5; plural=(n==1 ? 0 : n==2 ? 1 : n>=3 && n<=6 ? 2 : n>=7 && n<=10 ? 3 "
          ": 4);",
    "cy": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 5);",
    "en-XA": _TWO,
}


@dataclass(frozen=True)
class Language:
    """A locale as its catalogs see it: the PO header values and the plural rule."""

    locale: Locale
    plural_forms: str

    @property
    def gettext_name(self) -> str:
        """The PO `Language:` value (`es`, `pt_BR`, `en_XA`)."""
        return self.locale.gettext_name

    @property
    def english_name(self) -> str:
        name = self.locale.english_name
        if not self.pseudo:
            return name
        from publish.catalogs.pseudo import describe

        return f"Pseudo-locale ({name}, {describe(self.locale)})"

    @property
    def pseudo(self) -> bool:
        """Catalogs filled in from the templates on every init and update."""
        return self.locale.is_pseudo

    @property
    def nplurals(self) -> int:
        head = self.plural_forms.split(";", 1)[0]
        return int(head.split("=", 1)[1])


def language(locale: Locale | str) -> Language:
    """The catalog view of `locale` (a tag is parsed; `ConfigError` if it names no locale)."""
    locale = Locale.parse(locale)
    plural = PLURAL_FORMS.get(locale.tag) or PLURAL_FORMS.get(locale.babel.language)
    if plural is None:
        from babel.messages.plurals import get_plural

        plural = str(get_plural(locale.babel).plural_forms)
    return Language(locale, plural)
