"""Shared channel helpers: conversation ids, commands, text safety, evidence kinds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cssecure.channels.common import (
    MAX_MESSAGE_CHARS,
    bot_command,
    conversation_id,
    external_id_of,
    split_text,
)
from cssecure.channels.evidence import evidence_kind, inform_message
from cssecure.channels.intake import typed_text
from cssecure.identity.metadata import channel_metadata, normalise_locale
from cssecure.settings import PROJECT_ROOT, Settings


def test_conversation_ids_round_trip_only_with_the_same_channel_and_secret() -> None:
    conv = conversation_id("telegram", "4242", "secret-a")
    assert conv.startswith("telegram-4242-")
    assert external_id_of(conv, "telegram", "secret-a") == "4242"
    assert external_id_of(conv, "telegram", "secret-b") is None
    assert external_id_of(conv, "discord", "secret-a") is None
    assert external_id_of(conv.replace("4242", "4243"), "telegram", "secret-a") is None
    assert external_id_of("telegram-4242", "telegram", "secret-a") is None
    assert conversation_id("telegram", "4243", "secret-a") != conv


def test_conversation_id_refuses_a_missing_secret_or_a_dash_in_the_chat_id() -> None:
    with pytest.raises(ValueError):
        conversation_id("telegram", "1", "")
    with pytest.raises(ValueError):
        conversation_id("telegram", "-100", "s")


def test_bot_commands_with_and_without_bot_name_and_argument() -> None:
    link = bot_command("/link@cssecure_bot  abcd-efgh ")
    assert link is not None and (link.name, link.argument) == ("link", "abcd-efgh")
    start = bot_command("/START")
    assert start is not None and (start.name, start.argument) == ("start", "")
    assert bot_command("link ABCD") is None
    assert bot_command('/inform{"a": 1}') is None


def test_typed_text_drops_the_intent_slash_controls_and_bidi_overrides() -> None:
    assert typed_text('/inform{"evidence_id": "1"}') == 'inform{"evidence_id": "1"}'
    assert typed_text("//restart") == "restart"
    assert typed_text("hi\x00\x07 there\u202e!\n") == "hi there!"
    assert typed_text("lost 📦 parcel\tP900001") == "lost 📦 parcel\tP900001"


def test_split_text_keeps_parts_within_the_limit_and_loses_nothing() -> None:
    text = "\n".join(f"line {i} " + "x" * 30 for i in range(200))
    parts = split_text(text, 2000)
    assert all(len(p) <= 2000 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("z" * 4097, 4096) == ["z" * 4096, "z"]
    assert MAX_MESSAGE_CHARS == 2000


def test_split_text_counts_utf16_units_as_telegram_and_discord_do() -> None:
    # An emoji is one character to Python, two units to Telegram (and Discord's limit).
    text = "📦" * 1500 + " done"
    parts = split_text(text, 2000)
    assert [len(p.encode("utf-16-le")) // 2 for p in parts] == [2000, 1000 + len(" done")]
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
    assert split_text("a📦", 2) == ["a", "📦"]  # never half an emoji


@pytest.mark.parametrize(
    ("media", "caption", "mime", "kind"),
    [
        ("video", None, "video/mp4", "unboxing_video"),
        ("photo", None, None, "photo"),
        ("document", None, "application/pdf", "other"),
        ("document", "Customs seizure letter", "application/pdf", "customs_letter"),
        ("photo", "screenshot of the carrier's confirmation", None, "carrier_confirmation"),
        ("photo", "order receipt from the seller", None, "value_proof"),
        ("document", None, "image/png", "photo"),
    ],
)
def test_evidence_kind_from_caption_then_media(
    media: str, caption: str | None, mime: str | None, kind: str
) -> None:
    assert evidence_kind(media, caption, mime) == kind


def test_inform_message_is_the_contracts_json() -> None:
    assert inform_message("photo", "ev_1") == (
        '/inform{"evidence_kind": "photo", "evidence_id": "ev_1"}')


def test_discord_bot_without_a_token_exits_2_with_a_clear_message() -> None:
    # The command the stack launcher starts the bot process with (issue 19: its own module).
    from cssecure.ops.stack import plan_parts

    planned = Settings.from_env({"DISCORD_TOKEN": "x"})
    (bot,) = [p for p in plan_parts(planned, Path("model.tar.gz")) if p.name == "Discord bot"]
    assert bot.argv == [sys.executable, "-m", "cssecure.channels.discord_bridge"]
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    done = subprocess.run(
        bot.argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "DISCORD_TOKEN is not set" in done.stderr


CREDENTIALS_ENTRIES = (
    "cssecure.channels.telegram.CSSecureTelegramInput:\n"
    "cssecure.channels.discord.DiscordInput:\n"
)


def test_rasa_builds_both_channels_from_credentials_without_values_or_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.run import create_http_input_channels

    from cssecure.channels.discord import DiscordInput
    from cssecure.channels.telegram import CSSecureTelegramInput

    for name in ("TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(CREDENTIALS_ENTRIES)
    channels = create_http_input_channels(None, str(credentials))
    assert [type(c) for c in channels] == [CSSecureTelegramInput, DiscordInput]
    assert [c.url_prefix() for c in channels] == ["telegram", "discord"]
    # Not configured: mounted, but nothing can be sent and the webhooks answer 503.
    assert all(c.get_output_channel() is None for c in channels)


def test_the_repositorys_credentials_name_both_channels_without_values() -> None:
    import yaml

    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    for entry in CREDENTIALS_ENTRIES.split():
        assert entry.rstrip(":") in credentials
        assert credentials[entry.rstrip(":")] is None


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("en", "en"), ("EN-us", "en-US"), ("pt_br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"), ("de-CH-1996", "de-CH-1996"), (" fr-FR ", "fr-FR"),
        ("", None), ("english", None), ("en-", None), ("12", None), ("x" * 40, None),
        ("en US", None), (None, None), (42, None), ("<b>en</b>", None),
    ],
)
def test_a_locale_is_a_canonical_bcp47_tag_or_nothing(value: object, tag: str | None) -> None:
    assert normalise_locale(value) == tag
    metadata = channel_metadata("telegram", None, value if isinstance(value, str) else None)
    assert metadata.get("locale") == tag
    assert ("locale" in metadata) is (tag is not None)  # absent, never null
