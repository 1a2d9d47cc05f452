"""Translated texts composed in code: gettext catalogs kept with Babel (issue 14).

The source language is English: code writes its texts in English, marked for extraction:

* ``tr(language, "Your claim {reference} is filed.", reference=ref)``: the text in
  ``language`` with its ``{placeholders}`` filled (``str.format``);
* ``trn(language, "one file", "{n} files", n, n=n)``: with a plural form;
* ``N_("...")``: marks a text kept in a constant and translated later with ``tr``;
* ``Message(template, values)``: a text made now (by the policy engine) and shown later in
  the customer's language with ``render``.

The message passed to ``tr``/``trn``/``N_`` must be a string literal (implicit
concatenation allowed, no f-string): extraction reads it from the source. Texts kept as data
(``cssecure/policy/facts.yaml``: questions, labels, choice titles) are extracted from there.

Catalogs: ``cssecure/i18n/cssecure.pot`` (the template) and
``cssecure/i18n/locale/<lang>/LC_MESSAGES/cssecure.po``, read with Babel when first needed.
``python -m cssecure.i18n.catalog`` (``make i18n``) extracts the template and updates every
catalog, keeping what is translated; ``tests/i18n/test_catalogs.py`` fails while a text
lacks a language or a translation's placeholders differ from the English ones.
"""

from __future__ import annotations

import ast
import gettext
import re
import string
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEMPLATE = HERE / "cssecure.pot"
DOMAIN = "cssecure"
KEYWORDS: dict[str, Any] = {"tr": (2,), "trn": (2, 3), "N_": None}

# Where texts are extracted from (relative to the project root) and how.
METHOD_MAP = [
    ("actions/**.py", "cssecure.i18n.catalog:extract_python"),
    ("cssecure/**.py", "cssecure.i18n.catalog:extract_python"),
    ("cssecure/policy/facts.yaml", "cssecure.i18n.catalog:extract_facts_yaml"),
    ("cssecure/policy/terms.yaml", "cssecure.i18n.catalog:extract_terms_yaml"),
]
_SKIP_DIRS = ("tests", "bench", ".venv", "node_modules")


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark ``message`` for extraction; it is translated where it is shown (``tr``)."""
    return message


def catalog_path(language: str) -> Path:
    """The ``.po`` file of ``language``."""
    return HERE / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> Mapping[str | tuple[str, str], tuple[str, ...]]:
    """``{msgid: (msgstr, ...)}`` of a language's catalog: translated, non-fuzzy entries only.

    A plural entry's key is ``(singular, plural)``; its value has one string per plural form.
    """
    path = catalog_path(language)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    table: dict[str | tuple[str, str], tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            key = tuple(message.id) if isinstance(message.id, tuple) else message.id
            table[key] = tuple(strings)  # type: ignore[index,arg-type]
    return table


def language_or_default(language: str | None) -> str:
    """``language`` when we speak it, else English."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE  # type: ignore[return-value]


def tr(language: str | None, message: str, /, **values: Any) -> str:
    """``message`` in ``language`` (English when untranslated), placeholders filled.

    Args:
        language: ISO 639-1 code of ``cssecure.i18n.LANGUAGES``; None or unknown -> English.
        message: The English text (a string literal, see the module docstring).
        **values: Values of the ``{placeholders}``; without any, the text is not formatted
            (so literal braces need no escaping in texts that have no placeholders).
    """
    found = _translations(language_or_default(language)).get(message)
    text = found[0] if found else message
    return text.format(**values) if values else text


def trn(language: str | None, singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or plural text for ``n`` in ``language``'s plural rules, filled."""
    lang = language_or_default(language)
    found = _translations(lang).get((singular, plural))
    if found:
        text = found[min(_plural_index(lang, n), len(found) - 1)]
    else:
        text = singular if n == 1 else plural
    return text.format(**values) if values else text


@cache
def _plural_rule(language: str) -> Any:
    """The catalog's ``Plural-Forms`` expression compiled by the standard library's gettext."""
    with catalog_path(language).open("rb") as handle:
        return gettext.c2py(read_po(handle, locale=language).plural_expr)


def _plural_index(language: str, n: int) -> int:
    """The plural form's index for ``n`` in ``language``."""
    return int(_plural_rule(language)(n))


@dataclass(frozen=True)
class Message:
    """A text made now and shown later in the reader's language (the engine's reasons).

    Attributes:
        template: The English text with ``{placeholders}`` (marked with ``N_``).
        values: The placeholders' values, already words (clauses stay English: they quote
            the terms); dates and amounts are formatted for the reader by ``render``.
    """

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        """The text in English (stored, shown to agents)."""
        return render(DEFAULT_LANGUAGE, self)

    def as_dict(self) -> dict[str, Any]:
        """``{"template", "values"}`` with values as plain strings (JSON, slots)."""
        return {"template": self.template, "values": {k: _plain(v) for k, v in self.values.items()}}


@dataclass(frozen=True)
class Number:
    """A plain number in a ``Message`` (a weight, a percentage): written "3.5" in English and
    with the reader's decimal mark elsewhere ("3,5"); a ``Decimal`` value is an RMB amount."""

    value: Any

    def __str__(self) -> str:
        from decimal import Decimal

        return f"{Decimal(str(self.value)).normalize():f}"


def _plain(value: Any) -> Any:
    from datetime import date
    from decimal import Decimal

    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"amount": str(value)}
    if isinstance(value, Number):
        return {"number": str(value)}
    return value


def render(language: str | None, message: Message | Mapping[str, Any]) -> str:
    """A ``Message`` (or its ``as_dict``) in ``language``, dates and amounts formatted there."""
    from cssecure.i18n.formatting import format_amount, format_day, format_number

    if isinstance(message, Message):
        message = message.as_dict()
    values: dict[str, Any] = {}
    for key, value in dict(message.get("values") or {}).items():
        if isinstance(value, Mapping) and "date" in value:
            from datetime import date

            values[key] = format_day(date.fromisoformat(str(value["date"])), language)
        elif isinstance(value, Mapping) and "amount" in value:
            from decimal import Decimal

            values[key] = format_amount(Decimal(str(value["amount"])), language)
        elif isinstance(value, Mapping) and "number" in value:
            values[key] = format_number(str(value["number"]), language)
        elif key == "clause" and isinstance(value, str):
            values[key] = clause_in(language, value)
        elif key == "where" and isinstance(value, str):
            values[key] = tr(language, value)  # a limit's label (terms.yaml), translated
        else:
            values[key] = value
    return tr(language, str(message["template"]), **values) if values else tr(
        language, str(message["template"])
    )


def placeholders(text: str) -> frozenset[str]:
    """The ``{placeholder}`` names of a text (format spec and conversion ignored)."""
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(text)
        if name is not None
    )


# --- extraction -------------------------------------------------------------------------


class ExtractionError(ValueError):
    """A marked text that cannot be extracted (an f-string or a non-literal message)."""


def extract_python(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel extraction method: the literal messages of ``tr``/``trn``/``N_`` calls (by AST,
    so parenthesised and concatenated literals work).

    Raises:
        ExtractionError: A marked call whose message is not a string literal.
    """
    source = fileobj.read().decode("utf-8")
    name = getattr(fileobj, "name", "<source>")
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else ""
        if called not in KEYWORDS:  # (Babel passes only the keywords' names)
            continue
        positions = (0,) if called == "N_" else tuple(p - 1 for p in KEYWORDS[called])
        texts: list[str] = []
        for position in positions:
            if position >= len(node.args):
                raise ExtractionError(f"{name}:{node.lineno}: {called}() without its message")
            arg = node.args[position]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                # tr() may show a text marked elsewhere (N_, facts.yaml): a name, an
                # attribute, a call... but never a text built here, which nothing extracts.
                built = isinstance(arg, (ast.JoinedStr, ast.BinOp, ast.Constant))
                if called == "tr" and not built:
                    texts = []
                    break
                raise ExtractionError(
                    f"{name}:{node.lineno}: the message of {called}() must be a string literal"
                )
            texts.append(arg.value)
        if texts:
            # Babel picks the messages at the keyword's argument positions: pad before them.
            padded = (None,) * (min(positions)) + tuple(texts)
            yield node.lineno, called, padded if called != "N_" else texts[0], []


# The texts of the fact registry a customer reads.
_FACT_TEXT_KEYS = ("label", "summary", "question", "example", "title", "hint")


def _yaml_texts(fileobj: IO[bytes], keys: Collection[str]) -> Iterator[str]:
    """The string values under ``keys`` anywhere in a YAML file, in order."""
    from cssecure import yaml_files

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(yaml_files.safe_load(fileobj.read()))


def extract_facts_yaml(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel extraction method for ``facts.yaml``: labels, summaries, questions, examples,
    choice titles (the words customers may use are data per language, not translations)."""
    for text in _yaml_texts(fileobj, _FACT_TEXT_KEYS):
        yield 0, None, text, []


def extract_terms_yaml(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel extraction method for ``terms.yaml``: the limits' ``label`` ("China Post SAL to
    Germany"), named in reasons (the quoted clauses stay English)."""
    for text in _yaml_texts(fileobj, {"label"}):
        yield 0, None, text, []


# A quoted clause in a reason: 'terms: "Insured Value"'; the label "terms" is translated, the
# clause's name quotes the (English) terms.
_CLAUSE = re.compile(r'^terms: (".*)$', re.DOTALL)
CLAUSE_TEXT = N_("terms: {clause}")


def clause_in(language: str | None, clause: str) -> str:
    """A quoted clause with its label in ``language``: 'AGB: "Insured Value"' in German."""
    match = _CLAUSE.match(clause)
    return tr(language, CLAUSE_TEXT, clause=match.group(1)) if match else clause


def extract_template() -> Catalog:
    """The template catalog: every marked text of the code and the fact registry."""
    template = Catalog(project="cssecure", domain=DOMAIN, locale=None, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map=METHOD_MAP,
        keywords=KEYWORDS,
        strip_comment_tags=True,
        directory_filter=lambda path: not any(
            part in _SKIP_DIRS or part.startswith(".") for part in Path(path).parts
        ),
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments,
                     context=context, flags=("python-brace-format",) if _has_braces(message)
                     else ())
    return template


def _has_braces(message: str | tuple[str, ...]) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any(placeholders(text) for text in texts)


def update_catalogs() -> list[str]:
    """Write the template and update every language's catalog; return the untranslated
    count per language as report lines."""
    template = extract_template()
    with TEMPLATE.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False, sort_output=True,
                 include_lineno=False)
    report = []
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        path = catalog_path(language)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="cssecure")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, include_lineno=False,
                     ignore_obsolete=True)
        missing = sum(1 for m in catalog if m.id and (not all(
            m.string if isinstance(m.string, tuple) else (m.string,)) or m.fuzzy))
        report.append(f"{language}: {len(template)} texts, {missing} untranslated")
    return report


if __name__ == "__main__":
    for line in update_catalogs():
        print(line)
    sys.exit(0)
