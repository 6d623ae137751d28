"""Plural-Forms compared by meaning, not by spelling.

Poedit, Weblate and msgmerge each write a language's plural rule their own way: `(n != 1)`,
`n!=1`, `n != 1;`, Arabic's six forms with or without the outer parentheses. Two headers are
the same rule when their `nplurals` match and their expressions give the same form for every
n from 0 to 1000 (every rule CLDR has repeats with a period of 100 at most, so a thousand
numbers cover each of its cases several times over).

Expressions come from translators' files, so they are never given to `eval`: they go through
the standard library's `gettext.c2py`, a tokenizer-based translator that accepts only `n`,
integers and the operators of the C grammar gettext uses (`?:`, `||`, `&&`, `==`, `!=`, `<`,
`>`, `<=`, `>=`, `%`, `+`, `-`, `*`, `/`, `!`, parentheses) and refuses anything else, with its
own bounds (1,000 characters, 20 levels of parentheses). A rule that divides by zero for some
n, or gives a form outside 0…nplurals-1, is refused with the first n where it does.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import lru_cache

SAMPLE = range(0, 1001)
"""The numbers two rules are compared on."""
MAX_LENGTH = 1000
"""Longest Plural-Forms header read (the longest real rule, Arabic's, has about 120)."""
MAX_NPLURALS = 10

# one `nplurals=N; plural=EXPR;` header; the expression runs to the end (an optional `;`)
_HEADER = re.compile(r"\s*nplurals\s*=\s*(\d{1,3})\s*;\s*plural\s*=([^;]*);?\s*")


class PluralRuleError(ValueError):
    """A Plural-Forms value that cannot be read or used; the message is one line."""


@dataclass(frozen=True)
class PluralRule:
    nplurals: int
    expression: str
    forms: tuple[int, ...]
    """The form chosen for each n of `SAMPLE`."""

    def same_as(self, other: PluralRule) -> bool:
        return self.nplurals == other.nplurals and self.forms == other.forms

    def first_difference(self, other: PluralRule) -> int | None:
        """The first n of `SAMPLE` where the two rules choose different forms."""
        for n, (mine, theirs) in enumerate(zip(self.forms, other.forms, strict=True)):
            if mine != theirs:
                return n
        return None


@lru_cache(maxsize=256)
def parse_rule(header: str) -> PluralRule:
    """The rule of a Plural-Forms value; `PluralRuleError` (one line) if it cannot be used."""
    if len(header) > MAX_LENGTH:
        raise PluralRuleError(f"is {len(header):,} characters long (at most {MAX_LENGTH})")
    match = _HEADER.fullmatch(header)
    if match is None:
        raise PluralRuleError("is not of the form 'nplurals=N; plural=EXPRESSION;'")
    nplurals = int(match.group(1))
    if not 1 <= nplurals <= MAX_NPLURALS:
        raise PluralRuleError(f"nplurals={nplurals} is out of range (1 to {MAX_NPLURALS})")
    expression = match.group(2).strip()
    try:
        function = gettext.c2py(expression or "?")
    except (ValueError, SyntaxError, RecursionError, MemoryError) as error:
        raise PluralRuleError(str(error).split("\n", 1)[0]) from None
    forms = []
    for n in SAMPLE:
        try:
            form = function(n)
        except ZeroDivisionError:
            raise PluralRuleError(f"divides by zero for n = {n}") from None
        except (ArithmeticError, RecursionError, MemoryError) as error:
            raise PluralRuleError(f"cannot be evaluated for n = {n} ({error})") from None
        if not 0 <= form < nplurals:
            raise PluralRuleError(f"gives form {form} for n = {n}, but nplurals={nplurals} "
                                  f"allows 0 to {nplurals - 1}")
        forms.append(form)
    return PluralRule(nplurals, expression, tuple(forms))


def same_rule(given: str, expected: str) -> bool:
    """True when two Plural-Forms values mean the same rule (both must be readable)."""
    return parse_rule(given).same_as(parse_rule(expected))


def rule_difference(given: str, expected: str) -> str | None:
    """Why `given` is not the rule `expected` (a pinned, known-good value), or None.

    `PluralRuleError` when `given` cannot be read at all."""
    mine, theirs = parse_rule(given), parse_rule(expected)
    if mine.nplurals != theirs.nplurals:
        return f"nplurals={mine.nplurals}, not {theirs.nplurals}"
    n = mine.first_difference(theirs)
    if n is None:
        return None
    return f"for n = {n} it chooses form {mine.forms[n]}, not {theirs.forms[n]}"
