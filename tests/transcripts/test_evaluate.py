"""CER/WER arithmetic and manifest evaluation on the shared clips."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.helpers import MANIFEST
from tests.transcripts.conftest import ZH_CLIP
from transcripts import LoadedModel
from transcripts.evaluate import (
    EvalReport,
    EvalRow,
    cer,
    evaluate_manifest,
    manifest_clips,
    metric_for,
    wer,
)


@pytest.mark.parametrize(
    ("ref", "hyp", "expected"),
    [
        ("广州市房地产", "广州市房地产", 0.0),
        ("广州市房地产", "广州是房地产", 1 / 6),  # one substitution
        ("广州市房地产", "广州市地产", 1 / 6),  # one deletion
        ("广州市房地产", "广州市的房地产", 1 / 6),  # one insertion
        ("广州 市，房地产。", "广州市房地产", 0.0),  # spaces and punctuation are not characters
        ("ab", "", 1.0),
        ("ab", "xyzw", 2.0),  # insertions can push the rate past 1
        ("", "", 0.0),
        ("", "a", 1.0),
    ],
)
def test_cer(ref: str, hyp: str, expected: float) -> None:
    assert cer(ref, hyp) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ref", "hyp", "expected"),
    [
        ("go forward ten meters", "go forward ten meters", 0.0),
        ("Go forward, ten meters!", "go forward ten meters", 0.0),
        ("go forward ten meters", "go forward two meters", 0.25),
        ("go forward ten meters", "go ten meters", 0.25),
        ("go forward ten meters", "go go forward ten meters now", 0.5),
        ("the neighbor's house", "the neighbors house", 0.0),
        ("one two three", "", 1.0),
        ("", "", 0.0),
    ],
)
def test_wer(ref: str, hyp: str, expected: float) -> None:
    assert wer(ref, hyp) == pytest.approx(expected)


def test_metric_follows_the_script() -> None:
    assert [metric_for(lang) for lang in ("zh", "ja", "ko", "en")] == ["cer", "cer", "cer", "wer"]


def test_evaluate_manifest_scores_every_clip(manifest_report: EvalReport) -> None:
    with MANIFEST.open(encoding="utf-8", newline="") as f:
        expected = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    report = manifest_report
    assert [(r.path, r.lang) for r in report.rows] == [(e["path"], e["lang"]) for e in expected]
    for row, entry in zip(report.rows, expected, strict=True):
        assert row.metric == ("cer" if row.lang == "zh" else "wer")
        assert row.audio_seconds == pytest.approx(float(entry["duration_s"]), abs=0.01)
        assert row.decode_seconds > 0
        assert row.error_rate == pytest.approx(row.edits / row.ref_units)
        assert row.reference == entry["reference_text"]
    assert set(report.error_by_language) == {"zh", "en"}
    # A Korean model on Mandarin and English: far from right, but it heard speech.
    assert all(0 < rate for rate in report.error_by_language.values())
    total_decode = sum(r.decode_seconds for r in report.rows)
    assert report.real_time_factor == pytest.approx(
        total_decode / sum(r.audio_seconds for r in report.rows)
    )
    assert not report.telephone


def test_evaluate_manifest_over_the_telephone(
    model: LoadedModel, speech_dir: Path, tmp_path: Path
) -> None:
    # Manifest paths are relative to the manifest's folder; link the clip, never copy it.
    (tmp_path / "clip.wav").symlink_to((speech_dir / ZH_CLIP).resolve())
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text("path\tlang\treference_text\nclip.wav\tzh\t广州市房地产中介协会分析\n")
    report = evaluate_manifest(manifest, model, telephone=True)
    (row,) = report.rows
    assert report.telephone
    assert (row.path, row.metric, row.ref_units) == ("clip.wav", "cer", 12)
    assert row.audio_seconds == pytest.approx(4.28, abs=0.01)
    assert report.error_by_language == {"zh": row.error_rate}


def test_manifest_without_required_columns_is_rejected(model: LoadedModel, tmp_path: Path) -> None:
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text("path\tlanguage\nclip.wav\tzh\n")
    with pytest.raises(ValueError, match="lang, reference_text"):
        evaluate_manifest(manifest, model)


def test_each_score_is_handed_on_before_the_next_clip_is_decoded(
    model: LoadedModel, speech_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("a.wav", "b.wav"):
        (tmp_path / name).symlink_to((speech_dir / "zh" / "uberi_chinese.wav").resolve())
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text(
        "path\tlang\treference_text\na.wav\tzh\t砸自己的脚\nb.wav\tzh\t砸自己的脚\n"
    )
    caplog.set_level("INFO", logger="transcripts")
    seen: list[EvalRow] = []

    class Enough(Exception):
        pass

    def on_row(row: EvalRow) -> None:
        seen.append(row)
        raise Enough

    with pytest.raises(Enough):
        evaluate_manifest(manifest, model, on_row=on_row)

    # The first score arrived while the second clip was still undecoded.
    assert [row.path for row in seen] == ["a.wav"]
    decoded = [r for r in caplog.records if r.getMessage().startswith("transcribed")]
    assert len(decoded) == 1
    assert [c.path for c in manifest_clips(manifest)] == ["a.wav", "b.wav"]
    assert manifest_clips(manifest)[0].audio_seconds == pytest.approx(0.96, abs=0.01)
