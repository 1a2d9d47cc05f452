"""The ``cssecure assess``/``quote`` commands in process, what the mutants of cli.py showed
unpinned (issue 20): the help each sub-command prints, text printed as it is (not escaped),
and each element of a batch answered by the command asked for."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from cssecure.policy import cli


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(prog="cssecure")
    subparsers = parser.add_subparsers(dest="command")
    cli.register(subparsers)
    return parser, subparsers.choices


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_help_says_what_each_command_reads_and_prints() -> None:
    parser, commands = _parser()
    overview = _words(parser.format_help())
    assert (
        "assess assess claims: JSON claim facts (object or array) on stdin, assessments on "
        "stdout" in overview
    )
    assert "quote quote premiums: JSON {insured_value, ...} (object or array) on stdin" in overview
    assert (
        "Read a JSON object of claim facts, or an array of them, on standard input and print "
        "each assessment as JSON. Exit status 2 if any element is invalid."
        in _words(commands["assess"].format_help())
    )
    assert (
        "Read {insured_value, items_value?, shipping_fee?, shipping_line?, destination_country?} "
        "(or an array) on standard input and print each quote."
        in _words(commands["quote"].format_help())
    )


def test_text_is_printed_as_written_not_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    parser, _ = _parser()
    args = parser.parse_args(["assess"])
    monkeypatch.setattr("sys.stdin", io.StringIO('{"claim_type": "lost", '
                                                 '"destination_country": "Ñandú"}'))
    assert args.handler(args) == 2
    out = capsys.readouterr().out
    assert "'Ñandú'" in out and "\\u" not in out
    assert json.loads(out) == {
        "error": "destination_country (the destination country): unknown country 'Ñandú': use "
        "an ISO code like DE or a name like Germany"
    }


@pytest.mark.parametrize(
    ("command", "element", "key"),
    [("assess", {"claim_type": "lost", "insured": False}, "decision"),
     ("quote", {"insured_value": 200}, "premium_rmb")],
)
def test_each_command_answers_with_its_own_handler(
    command: str, element: dict[str, object], key: str
) -> None:
    answer, status = cli.run(command, json.dumps([element]))
    assert status == 0
    assert isinstance(answer, list) and key in answer[0]


def test_a_batch_with_one_non_object_element_exits_2() -> None:
    answer, status = cli.run("quote", '[{"insured_value": 200}, 5]')
    assert status == 2
    assert isinstance(answer, list)
    assert answer[1] == {"error": "each element must be a JSON object, got 5"}


def test_the_answer_is_printed_indented_by_two(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    parser, _ = _parser()
    args = parser.parse_args(["quote"])
    monkeypatch.setattr("sys.stdin", io.StringIO('{"insured_value": 200}'))
    args.handler(args)
    out = capsys.readouterr().out
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
