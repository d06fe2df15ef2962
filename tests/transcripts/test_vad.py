"""Speech detection before Vosk: only speech is decoded, and no speech is lost.

"Lost" is measured two ways. Every 30 ms frame of the clip loud enough to be speech (within 20 dB
of its RMS; see transcripts.synthetic) must lie inside a decoded region: none may be lost, whatever
the model. And the text, compared with decoding the clip alone (same telephone quality, same
noise), may differ no more than decoding the whole padded recording (as before speech detection)
does, plus TEXT_TOLERANCE character edits. Exact equality cannot be asked of the dev model: it
is Korean, guessing at Mandarin, and merely putting 0.5 s of the same line noise before the
clip changed its text by a CER of 0.62-1.50 against the clip alone (measured on these clips),
while the whole padded recording differed by 0.50-1.00 and the speech regions by 0.31-1.00.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.transcripts.conftest import ZH_CLIP
from transcripts import LoadedModel, transcribe
from transcripts.audio import TELEPHONE_RATE, probe
from transcripts.evaluate import char_edits
from transcripts.synthetic import Layout, Noise, load_telephone, voicemail
from transcripts.vad import FRAME_S, PADDING_AFTER_S, PADDING_BEFORE_S, Region, speech_regions

CLIPS = [ZH_CLIP, "zh/funasr_example0.wav", "zh/paddlespeech_zh.wav", "zh/uberi_chinese.wav"]
# Character edits the regions' text may be further from the clip alone than the whole
# recording's text is: one syllable guessed differently at each edge of a region (the context a
# region starts with is up to 0.5 s of noise, never the whole lead); 1 in the cases measured.
TEXT_TOLERANCE = 2
# Rounding of region edges to detector frames, not speech.
EPSILON_S = 1e-6
# The detector calls its first 90 ms speech while it learns the noise floor: that much, padded,
# is decoded at the start of every recording.
STARTUP_S = 0.09 + PADDING_AFTER_S


def write(path: Path, samples: np.ndarray) -> Path:
    sf.write(str(path), samples, TELEPHONE_RATE, "ULAW", format="WAV")
    return path


def make(
    speech_dir: Path,
    tmp_path: Path,
    clip: str,
    kind: Noise,
    snr_db: float,
    *,
    lead_s: float = 12.0,
    pauses: tuple[float, ...] = (),
    tail_s: float = 20.0,
) -> tuple[Path, Path, Layout]:
    """The clip as a voicemail, and the same clip alone with the same noise (same seed)."""
    speech = load_telephone(speech_dir / clip)
    shaped, layout = voicemail(
        speech,
        np.random.default_rng(7),
        kind=kind,
        snr_db=snr_db,
        lead_s=lead_s,
        pauses=pauses,
        tail_s=tail_s,
    )
    alone, _ = voicemail(
        speech,
        np.random.default_rng(7),
        kind=kind,
        snr_db=snr_db,
        lead_s=0.0,
        pauses=(),
        tail_s=0.0,
    )
    stem = f"{Path(clip).stem}-{kind}-{snr_db:g}"
    return (
        write(tmp_path / f"{stem}.wav", shaped),
        write(tmp_path / f"{stem}-alone.wav", alone),
        layout,
    )


def lost_seconds(layout: Layout, regions: tuple[Region, ...]) -> float:
    """Seconds of the embedded speech outside every region."""
    return sum(
        (end - start) - sum(max(0.0, min(end, r.end_s) - max(start, r.start_s)) for r in regions)
        for start, end in layout.speech
    )


def assert_no_speech_lost(model: LoadedModel, padded: Path, alone: Path, layout: Layout) -> None:
    """No speech frame outside the regions, and the text as close to the clip alone as the
    whole recording's (within TEXT_TOLERANCE)."""
    regions = speech_regions(padded, probe(padded))
    clip_alone = transcribe(alone, model, vad=False).text
    whole = transcribe(padded, model, vad=False).text
    with_vad = transcribe(padded, model).text

    assert lost_seconds(layout, regions) <= EPSILON_S
    assert (
        char_edits(clip_alone, with_vad)[0] <= char_edits(clip_alone, whole)[0] + TEXT_TOLERANCE
    ), (
        clip_alone,
        whole,
        with_vad,
    )


@pytest.mark.parametrize(
    ("clip", "kind", "snr_db"),
    [
        (ZH_CLIP, "silence", 15),
        ("zh/paddlespeech_zh.wav", "silence", 15),
        (ZH_CLIP, "white", 10),
        pytest.param(
            "zh/funasr_example0.wav",
            "pink",
            10,
            marks=pytest.mark.xfail(
                strict=True,
                reason="issue 13, open: webrtcvad at aggressiveness 2 keeps most of 10 dB pink"
                " noise as speech (19.5 s decoded of this recording)",
            ),
        ),
    ],
)
def test_speech_in_silence_and_line_noise_is_never_lost(
    model: LoadedModel, speech_dir: Path, tmp_path: Path, clip: str, kind: Noise, snr_db: float
) -> None:
    padded, alone, layout = make(speech_dir, tmp_path, clip, kind, snr_db, lead_s=6, tail_s=8)

    assert_no_speech_lost(model, padded, alone, layout)
    transcript = transcribe(padded, model)
    # The silence or noise around the clip is mostly not decoded: the clip and its padding.
    extent = layout.speech[-1][1] - layout.speech[0][0]
    assert transcript.decoded_s <= extent + PADDING_BEFORE_S + PADDING_AFTER_S + STARTUP_S + 1.5
    assert transcript.duration_s == pytest.approx(layout.duration_s, abs=0.01)


def test_long_pauses_between_sentences_keep_every_sentence(
    model: LoadedModel, speech_dir: Path, tmp_path: Path
) -> None:
    # Two sentences 4 s apart in faint hiss: each decoded in a region of its own, nothing lost.
    first, second = (load_telephone(speech_dir / clip) for clip in (ZH_CLIP, CLIPS[2]))
    speech = np.concatenate([first, np.zeros(4 * TELEPHONE_RATE, np.float32), second])
    shaped, layout = voicemail(
        speech, np.random.default_rng(3), kind="silence", snr_db=15, lead_s=6, pauses=(), tail_s=8
    )
    alone_samples, _ = voicemail(
        speech, np.random.default_rng(3), kind="silence", snr_db=15, lead_s=0, pauses=(), tail_s=0
    )
    padded = write(tmp_path / "two.wav", shaped)

    assert_no_speech_lost(model, padded, write(tmp_path / "alone.wav", alone_samples), layout)
    second_starts = 6.0 + (len(first) + 4 * TELEPHONE_RATE) / TELEPHONE_RATE
    regions = speech_regions(padded, probe(padded))
    assert any(r.start_s >= second_starts - 1.5 for r in regions)  # the pause splits them


def test_word_times_stay_in_the_recordings_time(
    model: LoadedModel, speech_dir: Path, tmp_path: Path
) -> None:
    padded, _, _ = make(speech_dir, tmp_path, ZH_CLIP, "silence", 15, lead_s=7.0, tail_s=3)
    info = probe(padded)
    (region,) = [r for r in speech_regions(padded, info) if r.start_s > STARTUP_S]
    # The region's own samples, cut out and decoded on their own: the same words, `start_s` later.
    samples, rate = sf.read(str(padded), dtype="float32")
    cut = write(
        tmp_path / "cut.wav", samples[int(region.start_s * rate) : int(round(region.end_s * rate))]
    )

    shifted = transcribe(padded, model).words
    original = transcribe(cut, model, vad=False).words

    assert shifted and [w.word for w in shifted] == [w.word for w in original]
    for late, early in zip(shifted, original, strict=True):
        assert late.start == pytest.approx(early.start + region.start_s, abs=0.001)
        assert late.end == pytest.approx(early.end + region.start_s, abs=0.001)
    assert shifted[0].start >= 7.0 - PADDING_BEFORE_S


def test_hiss_alone_decodes_next_to_nothing(model: LoadedModel, tmp_path: Path) -> None:
    shaped, _ = voicemail(
        np.zeros(0, np.float32),
        np.random.default_rng(1),
        kind="silence",
        snr_db=15,
        lead_s=30.0,
        pauses=(),
        tail_s=0.0,
    )

    transcript = transcribe(write(tmp_path / "hiss.wav", shaped), model)

    assert transcript.text == ""
    assert transcript.decoded_s <= STARTUP_S
    assert transcript.duration_s == pytest.approx(30.0)


def test_without_a_detector_the_whole_recording_is_decoded(
    model: LoadedModel, speech_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    padded, _, layout = make(speech_dir, tmp_path, ZH_CLIP, "silence", 15, lead_s=5, tail_s=5)
    whole = transcribe(padded, model, vad=False)
    monkeypatch.setitem(sys.modules, "webrtcvad", None)  # import fails as if not installed

    fallback = transcribe(padded, model)

    assert whole.decoded_s == pytest.approx(layout.duration_s, abs=0.01)
    assert fallback.decoded_s == whole.decoded_s
    assert (fallback.text, fallback.words) == (whole.text, whole.words)


def test_progress_reports_positions_in_the_recording(
    model: LoadedModel, speech_dir: Path, tmp_path: Path
) -> None:
    padded, _, layout = make(speech_dir, tmp_path, ZH_CLIP, "white", 15, lead_s=10, tail_s=10)
    seen: list[float] = []

    transcribe(padded, model, progress=seen.append)

    positions = [p for p in seen if p > STARTUP_S + FRAME_S]
    assert positions == sorted(positions)
    assert positions[0] >= 10.0 - PADDING_BEFORE_S - 2 * FRAME_S  # the lead is skipped
    assert layout.speech[-1][1] <= positions[-1] <= layout.speech[-1][1] + PADDING_AFTER_S + 0.1
