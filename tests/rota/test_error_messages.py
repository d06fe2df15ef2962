"""Refused rota changes: English msgids in the domain and the CLI, translated on the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline import rota
from hotline.models import Role
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
ZH_CATALOG = ROOT / "hotline" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def marked_messages() -> set[str]:
    """Every msgid marked with N_ (RotaError messages), extracted as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords={"N_": None}
        )
        if isinstance(message, str)
    }


def test_every_rota_error_message_is_translated_into_chinese() -> None:
    with ZH_CATALOG.open("rb") as po:
        zh = {m.id: m.string for m in read_po(po) if m.id and not m.fuzzy}
    messages = marked_messages()

    assert "no volunteer is called or has the number %(names)s" in messages
    assert sorted(m for m in messages if not zh.get(m)) == []


def test_error_keeps_its_msgid_and_params_and_reads_in_english(session: Session) -> None:
    with pytest.raises(rota.RotaError) as refused:
        rota.resolve_volunteers(session, ["13800000999", "13800000998"])

    assert refused.value.message == "no volunteer is called or has the number %(names)s"
    assert refused.value.params == {"names": "13800000999, 13800000998"}
    assert str(refused.value) == "no volunteer is called or has the number 13800000999, 13800000998"


def test_refused_override_is_explained_in_the_pages_language(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, session, role=Role.SUPERVISOR)
    form = {
        "volunteer": "13800000999",
        "layer": "1",
        "starts": "2026-12-01T08:00",
        "ends": "2026-12-01T20:00",
    }

    html = client.post("/rota/overrides", data=form).get_data(as_text=True)
    assert "没有叫这个名字或使用这个号码的志愿者：13800000999" in html
    assert "no volunteer is" not in html

    client.post("/language", data={"lang": "en"})
    html = client.post("/rota/overrides", data=form).get_data(as_text=True)
    assert "no volunteer is called or has the number 13800000999" in html


def test_refused_swap_step_is_explained_in_chinese_with_its_params(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, session, role=Role.SUPERVISOR)

    html = client.post("/rota/swaps/999/approve", follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash flash-error" role="status">找不到换班申请 999</p>' in html
