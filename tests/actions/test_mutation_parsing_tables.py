"""Table tests of the answer readers' cached tables (issue 20, mutation testing).

The tables of ``actions/parsing.py`` (``answer_words.yml``, the yes/no phrases, the openers,
the "file it as it is", "later" and "which fact" phrases, the "not 350" pattern, the "not
delivered" phrases) were built by decorated functions, which mutmut 3 does not mutate; they
are plain builders now, cached where named. Each case is a mistake a builder could make: a
list read from the wrong kind, a yes read as a no, phrases tried shortest first, a word found
inside another word, a separator taken for a second amount. The expectations are written out
here; the builders are called as the readers call them (the mutation runs empty their caches
before each test: tests/mutation_caches.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import actions.parsing as parsing
from actions.parsing import files_as_is, names_fact_kind, sends_later, yes_or_no

# --- answer_words.yml -----------------------------------------------------------------------


def test_the_answer_words_are_read_per_kind_and_language_as_tuples() -> None:
    raw = yaml.safe_load(parsing.ANSWER_WORDS_FILE.read_text(encoding="utf-8"))
    data = parsing._answer_words_data()
    assert data == {
        kind: {str(code): tuple(words) for code, words in by_language.items()}
        for kind, by_language in raw.items()
    }
    assert set(data) >= {"fillers", "openers", "file_as_is", "date_fact", "amount_fact", "later",
                         "not_yet"}
    assert data["openers"]["pt"][:4] == ("bem", "bom", "então", "olha")
    assert data["later"]["de"][:2] == ("später", "morgen")
    assert data["not_yet"]["de"][:2] == ("noch nicht", "warte noch")
    assert all(isinstance(words, tuple) for table in data.values() for words in table.values())


def test_merged_lists_keep_the_order_of_the_languages_and_drop_repeats() -> None:
    assert parsing.answer_word_list("date_fact", ["de"]) == ("datum", "tag")
    assert parsing.answer_word_list("date_fact", ["en"]) == ("date", "day")
    assert parsing.answer_word_list("date_fact", ["en", "de"]) == ("date", "day", "datum", "tag")
    assert parsing.answer_word_list("no such kind") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # an unquoted no is a boolean, not a word
        ("later:\n  en: [later, no]\n", "answer_words.yml later.en: quote every word"),
        ("openers:\n  de: [na, 3]\n", "answer_words.yml openers.de: quote every word"),
        # a single word instead of a list
        ("fillers:\n  fr: bon\n", "answer_words.yml fillers.fr: quote every word"),
    ],
    ids=["a-boolean-in-a-list", "a-number-in-a-list", "a-word-not-in-a-list"],
)
def test_a_list_that_is_not_a_list_of_words_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    path = tmp_path / "answer_words.yml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(parsing, "ANSWER_WORDS_FILE", path)
    # the builder itself, not the cache the readers share
    with pytest.raises(ValueError) as raised:
        parsing._read_answer_words_data()
    assert str(raised.value) == message


def test_a_file_of_quoted_words_is_read_with_its_codes_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "answer_words.yml"
    path.write_text('later:\n  en: [later, "no"]\n  pl: []\nopeners:\n  de: [na]\n', "utf-8")
    monkeypatch.setattr(parsing, "ANSWER_WORDS_FILE", path)
    assert parsing._read_answer_words_data() == {
        "later": {"en": ("later", "no"), "pl": ()},
        "openers": {"de": ("na",)},
    }


# --- the yes/no table of a conversation's language ------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "yes"),
    [(("yes",), True), (("no",), False), (("tak",), True), (("nie",), False),
     (("no", "tak"), True)],
)
def test_the_yes_no_table_of_a_language_holds_its_yes_and_its_no(
    phrase: tuple[str, ...], yes: bool
) -> None:
    table = parsing._yes_no_tables(("en", "pl"))
    assert (phrase, yes) in table
    assert (phrase, not yes) not in table


def test_the_yes_no_table_is_longest_phrase_first() -> None:
    table = parsing._yes_no_tables(("en", "pl"))
    sizes = [len(phrase) for phrase, _ in table]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > sizes[-1] == 1
    # English alone: its yes and its no, nothing of Polish
    english = parsing._yes_no_tables(("en",))
    assert (("yes",), True) in english
    assert (("no",), False) in english
    assert (("tak",), True) not in english


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        ("no tak", "pl", True),  # "well yes": the longer phrase first, not a "no"
        ("tak", "pl", True),
        ("nie", "pl", False),
        ("sim", "pt", True),
        ("bom dia sim", "pt", True),  # after an opener of two words
        ("well yes", None, True),
        ("yes", "de", True),
        ("hello there", "pl", None),
    ],
)
def test_a_yes_or_no_is_read_with_the_conversations_language(
    text: str, language: str | None, said: bool | None
) -> None:
    assert yes_or_no(text, language) is said


# --- openers -------------------------------------------------------------------------------


def test_the_openers_are_every_languages_longest_first() -> None:
    openers = parsing._openers()
    sizes = [len(phrase) for phrase in openers]
    assert sizes == sorted(sizes, reverse=True)
    assert len(set(openers)) == len(openers)
    for phrase in [("bom", "dia"), ("thank", "you"), ("guten", "tag"), ("well",), ("olha",)]:
        assert phrase in openers
    assert ("yes",) not in openers


@pytest.mark.parametrize(
    ("words", "opened"),
    [
        (["boa", "tarde", "sim"], [True, False, True, False]),  # "boa" alone opens nothing
        (["bom", "dia", "sim"], [True, True, True, False]),
        (["sim", "bom"], [True, False, False]),
        (["well", "hmm", "yes"], [True, True, True, False]),
    ],
)
def test_openers_are_taken_only_at_the_start(words: list[str], opened: list[bool]) -> None:
    assert parsing._after_openers(words) == opened


# --- "file it as it is", "later", "which fact" ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "files"),
    [("passt so", True), ("file it", True), ("tel quel", True), ("don't file it", False),
     ("hello", False), ("", False)],
)
def test_files_as_is_reads_the_phrases_of_every_language(text: str, files: bool) -> None:
    assert files_as_is(text) is files


@pytest.mark.parametrize(
    ("text", "later"),
    [("not yet", True), ("später", True), ("tomorrow", True), ("pas encore", True),
     ("here it is", False), ("", False)],
)
def test_sends_later_reads_the_phrases_of_every_language(text: str, later: bool) -> None:
    assert sends_later(text) is later


@pytest.mark.parametrize(
    ("text", "kind", "named"),
    [
        ("the date", "date_fact", True),
        ("welches datum", "date_fact", True),
        ("the amount", "amount_fact", True),
        ("der betrag", "amount_fact", True),
        # each kind its own words
        ("the date", "amount_fact", False),
        ("the amount", "date_fact", False),
    ],
)
def test_a_fact_kind_is_named_by_its_own_words(text: str, kind: str, named: bool) -> None:
    assert names_fact_kind(text, kind) is named


# --- "not 350": an amount right after a "replaced" word -------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("statt 1.250,00 €", "1.250,00"),
        ("not 350", "350"),
        ("NOT THE ¥300", "300"),
        ("instead of EUR 1'200", "1'200"),
        ("not eur 40", "40"),
        ("not 300, 250", "300"),  # a comma and a space: two amounts
        ("not 1 250", "1 250"),  # a space before three digits: one amount
        ("not 12 5", "12"),
        ("not 1 2500", "1"),
        ("rather than 99.5", "99.5"),
        ("not 350.", "350"),
    ],
)
def test_the_replaced_amount_is_the_number_after_the_word(text: str, amount: str) -> None:
    found = parsing._replaced_pattern("de").search(text)
    assert found is not None
    assert found.group(1) == amount


@pytest.mark.parametrize(
    "text", ["knot 350", "cannot 350", "not yet", "notice 350", "nicht 350"]
)
def test_no_replaced_amount_inside_a_word_or_without_a_number(text: str) -> None:
    # "nicht" is German: English alone does not know it
    assert parsing._replaced_pattern(None).search(text) is None


def test_the_replaced_pattern_of_a_language_adds_its_words_to_englishs() -> None:
    german = parsing._replaced_pattern("de")
    assert german.search("nicht 350") is not None
    assert german.search("not 350") is not None
    assert parsing._replaced_pattern("fr").search("statt 350") is None


# --- "not delivered" phrases of the fact registry ------------------------------------------


@pytest.mark.parametrize(
    ("text", "not_delivered"),
    [
        # read by the registry's phrases alone (no English pattern, no negation + arrival)
        ("kam nicht an", True),
        ("Kam nicht an.", True),
        ("mai ricevuto", True),
        ("still not here", True),
        # the phrase inside a longer word is not the phrase
        ("kam nicht anders", False),
        ("mai ricevutos", False),
        ("was delivered", False),
        ("it arrived", False),
    ],
)
def test_not_delivered_reads_the_registrys_phrases_as_whole_words(
    text: str, not_delivered: bool
) -> None:
    assert parsing._not_delivered(text) is not_delivered


def test_the_not_delivered_pattern_holds_the_registrys_phrases() -> None:
    pattern = parsing._not_delivered_phrases()
    assert pattern.search("kam nicht an") is not None
    assert pattern.search("nooit gekregen") is not None
    assert pattern.search("xkam nicht an") is None
    assert pattern.search("delivered") is None
