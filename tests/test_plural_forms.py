"""Plural-Forms compared by meaning: equivalent spellings pass the gate, other rules and
hostile expressions are refused in one line."""

from __future__ import annotations

import time

import pytest

from publish.catalogs.checks import header_problems
from publish.catalogs.languages import PLURAL_FORMS
from publish.catalogs.plurals import PluralRuleError, parse_rule, rule_difference, same_rule
from publish.catalogs.translations import plural_function
from publish.errors import CatalogError

HEADER = {"Content-Type": "text/plain; charset=UTF-8"}

EQUIVALENT = [
    ("es", "nplurals=2; plural=(n != 1);", "nplurals=2; plural=n!=1;"),
    ("es", "nplurals=2; plural=(n != 1);", "nplurals=2; plural=n != 1;"),
    ("es", "nplurals=2; plural=(n != 1);", "nplurals=2;plural=(n!=1)"),
    ("es", "nplurals=2; plural=(n != 1);", "nplurals = 2 ; plural = n>1 || n<1 ;"),
    ("fr", "nplurals=2; plural=(n > 1);", "nplurals=2; plural=n>1;"),
    ("fr", "nplurals=2; plural=(n > 1);", "nplurals=2; plural=(n >= 2);"),
    ("id", "nplurals=1; plural=0;", "nplurals=1; plural=0"),
    # Arabic as CLDR, Weblate and Poedit spell it
    ("ar", PLURAL_FORMS["ar"],
     "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
     "n%100>=11 ? 4 : 5;"),
    ("ar", PLURAL_FORMS["ar"],
     "nplurals=6; plural=(n==0 ? 0 : (n==1 ? 1 : (n==2 ? 2 : ((n%100>=3 && n%100<=10) ? 3 "
     ": ((n%100>=11 && n%100<=99) ? 4 : 5)))));"),
    # Polish as gettext's manual writes it
    ("pl", PLURAL_FORMS["pl"],
     "nplurals=3; plural=n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    ("pl", PLURAL_FORMS["pl"],
     "nplurals=3; plural=(n==1 ? 0 : (n%10>=2 && n%10<=4) && (n%100<12 || n%100>14) ? 1 : 2);"),
    # Russian: gettext's manual and Weblate's spelling
    ("ru", PLURAL_FORMS["ru"],
     "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || "
     "n%100>=20) ? 1 : 2;"),
    ("ru", PLURAL_FORMS["ru"],
     "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || "
     "n%100>14) ? 1 : 2);"),
]


@pytest.mark.parametrize("locale, pinned, given", EQUIVALENT)
def test_equivalent_spellings_are_the_same_rule(locale: str, pinned: str, given: str) -> None:
    assert PLURAL_FORMS[locale] == pinned
    assert same_rule(given, pinned)
    assert header_problems({**HEADER, "Plural-Forms": given}, pinned) == []


@pytest.mark.parametrize("pinned, given, reason", [
    ("nplurals=2; plural=(n != 1);", "nplurals=2; plural=(n > 1);",
     "for n = 0 it chooses form 0, not 1"),
    ("nplurals=2; plural=(n != 1);", "nplurals=1; plural=0;", "nplurals=1, not 2"),
    (PLURAL_FORMS["ru"], PLURAL_FORMS["pl"], "for n = 21 it chooses form 2, not 0"),
    (PLURAL_FORMS["ar"], "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
     "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 5 : 4);", "for n = 11 it chooses form 5, not 4"),
])
def test_different_rules_are_refused(pinned: str, given: str, reason: str) -> None:
    assert not same_rule(given, pinned)
    problems = header_problems({**HEADER, "Plural-Forms": given}, pinned)
    assert len(problems) == 1 and "differs from this language's" in problems[0]
    assert problems[0].endswith(f"({reason})")


@pytest.mark.parametrize("given, reason", [
    ("nplurals=2; plural=n/0;", "divides by zero for n = 0"),
    ("nplurals=2; plural=n%0;", "divides by zero for n = 0"),
    ("nplurals=2; plural=n%(n-5) > 0;", "divides by zero for n = 5"),
    ("nplurals=2; plural=n;", "gives form 2 for n = 2, but nplurals=2 allows 0 to 1"),
    ("nplurals=2; plural=" + "(" * 400 + "n" + ")" * 400 + ";", "too complex"),
    ("nplurals=2; plural=" + "(" * 40 + "n!=1" + ")" * 40 + ";", "too complex"),
    ("nplurals=2; plural=" + "n+" * 5000 + "1;", "characters long"),
    ("nplurals=2; plural=__import__('os').system('true');", "invalid token"),
    ("nplurals=2; plural=n**2;", "unexpected token"),
    ("nplurals=99; plural=0;", "out of range"),
    ("nplurals=2; plural=(n != 1", "unbalanced parenthesis"),
    ("plural=(n != 1); nplurals=2;", "not of the form"),
])
def test_hostile_expressions_are_refused_in_one_line(given: str, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(PluralRuleError) as caught:
        parse_rule(given)
    assert reason in str(caught.value) and "\n" not in str(caught.value)
    problems = header_problems({**HEADER, "Plural-Forms": given}, "nplurals=2; plural=(n != 1);")
    assert len(problems) == 1 and "cannot be read" in problems[0] and "\n" not in problems[0]
    assert len(problems[0]) < 300
    with pytest.raises(CatalogError):
        plural_function({"Plural-Forms": given})
    assert time.perf_counter() - started < 5  # not a timing test: a guard against a hang


def test_rule_difference_names_nothing_for_the_pinned_rules() -> None:
    for pinned in set(PLURAL_FORMS.values()):
        assert rule_difference(pinned, pinned) is None


def test_plural_function_chooses_forms_of_an_equivalent_spelling() -> None:
    choose = plural_function({"Plural-Forms": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 "
                                              ": n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;"})
    assert [choose(n) for n in (0, 1, 2, 3, 11, 100, 102, 1011, 100000)] == \
        [0, 1, 2, 3, 4, 5, 5, 4, 5]
