"""A correction at the summary names the fact in the customer's language (issue 14):
"gastos de envío 180", "consegnato 01/05/2024" are read like "shipping fee 180"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.claim import Answer, _read_correction
from tests.actions.dialogue_support import make_tracker


def correction(text: str, language: str) -> tuple[str, object] | None:
    answer = Answer(make_tracker({"language": language}, text=text))
    return _read_correction(text, answer)


@pytest.mark.parametrize(
    ("text", "language"),
    [("shipping fee 180", "en"), ("Versandkosten 180", "de"), ("frais de port 180", "fr"),
     ("gastos de envío 180", "es"), ("gastos de envio 180", "es"),
     ("spese di spedizione 180", "it"), ("verzendkosten 180", "nl"),
     ("koszt wysyłki 180", "pl"), ("custos de envio 180", "pt")],
)
def test_a_shipping_fee_correction_is_read_in_every_language(text: str, language: str) -> None:
    found = correction(text, language)
    assert found is not None and found[0] == "shipping_fee", found
    assert Decimal(str(found[1])) == Decimal("180")


@pytest.mark.parametrize(
    ("text", "language"),
    [("zugestellt 01.05.2024", "de"), ("livré le 01/05/2024", "fr"),
     ("entregado 01/05/2024", "es"), ("consegnato 01/05/2024", "it"),
     ("bezorgd 01-05-2024", "nl"), ("doręczona 01.05.2024", "pl"), ("entregue 01/05/2024", "pt")],
)
def test_a_delivery_day_correction_is_read_day_first_in_every_language(
    text: str, language: str
) -> None:
    found = correction(text, language)
    assert found is not None and found[0] == "delivered_date", found
    assert str(found[1]) == "2024-05-01"


def test_a_message_naming_no_fact_is_no_correction() -> None:
    assert correction("alles gut, danke", "de") is None


@pytest.mark.parametrize(
    ("text", "language", "extent"),
    [("alleen een paar artikelen", "nl", "partial"), ("het hele pakket", "nl", "complete"),
     ("nur einige Artikel", "de", "partial"), ("das ganze Paket", "de", "complete"),
     ("seulement quelques articles", "fr", "partial"), ("tout le colis", "fr", "complete"),
     ("solo algunos artículos", "es", "partial"), ("el paquete completo", "es", "complete"),
     ("solo alcuni articoli", "it", "partial"), ("tutto il pacco", "it", "complete"),
     ("tylko kilka rzeczy", "pl", "partial"), ("cała paczka", "pl", "complete"),
     ("apenas alguns artigos", "pt", "partial"), ("a encomenda inteira", "pt", "complete"),
     ("all of it", "en", "complete"), ("only some items", "en", "partial")],
)
def test_how_much_customs_seized_is_read_in_every_language(
    text: str, language: str, extent: str
) -> None:
    """Money depends on it: Dutch "alleen" (only) once read as English "all"."""
    from actions.parsing import parse_choice
    from actions.questions import QUESTIONS

    assert parse_choice(text, QUESTIONS["seizure_extent"], language=language) == extent


@pytest.mark.parametrize(
    ("text", "language"),
    [("es wurde nie zugestellt", "de"), ("il n'a jamais été livré", "fr"),
     ("nunca fue entregado", "es"), ("non è mai stato consegnato", "it"),
     ("het is nooit bezorgd", "nl"), ("nigdy nie została doręczona", "pl"),
     ("nie doręczono", "pl"), ("nunca foi entregue", "pt")],
)
def test_never_delivered_is_read_in_every_language(text: str, language: str) -> None:
    from datetime import date

    from actions.parsing import parse_delivered
    from actions.questions import NOT_DELIVERED

    assert parse_delivered(text, [], date.today(), language=language) == NOT_DELIVERED


@pytest.mark.parametrize(
    ("text", "language"),
    [("shipped on 2024-05-01", "en"), ("versandt 01.05.2024", "de"),
     ("verschickt am 01.05.2024", "de"), ("abgeschickt 01.05.2024", "de"),
     ("expédié le 01/05/2024", "fr"),
     ("enviado 01/05/2024", "es"), ("spedito 01/05/2024", "it"), ("verzonden 01-05-2024", "nl"),
     ("wysłana 01.05.2024", "pl"), ("expedido 01/05/2024", "pt")],
)  # fmt: skip
def test_a_shipping_day_correction_is_read_in_every_language(text: str, language: str) -> None:
    # Issue 14 re-trial: German "versandt" (the summary's own word) was no correction word.
    found = correction(text, language)
    assert found is not None and found[0] == "shipped_date", found
    assert str(found[1]) == "2024-05-01"
