"""Voicemail-shaped test audio: a real speech clip put inside silence or telephone line noise,
with pauses, as 8 kHz mu-law. The benchmark and the tests of speech detection both use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from transcripts.audio import TELEPHONE_RATE, mono_blocks, probe

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Noise = Literal["silence", "white", "pink"]
NOISES: tuple[Noise, ...] = ("silence", "white", "pink")
# "Silence" on a phone line is never digital zero: a faint hiss about 60 dB under full scale.
SILENCE_DBFS = -60.0
# A 30 ms frame of a clip counts as speech when it is no more than this far under the clip's
# RMS: clips begin and end with their own quiet, which a detector may rightly leave out.
ACTIVE_BELOW_RMS_DB = 20.0
ACTIVE_FRAME = TELEPHONE_RATE * 3 // 100


@dataclass(frozen=True)
class Layout:
    """Where the speech ended up in a generated voicemail, in seconds."""

    speech: tuple[tuple[float, float], ...]  # where the clip's speech (active frames) went
    duration_s: float


def load_telephone(path: Path) -> NDArray[np.float32]:
    """A clip as 8 kHz mono float samples."""
    import numpy as np
    import soxr

    info = probe(path)
    samples = np.concatenate([*mono_blocks(path), np.zeros(0, np.float32)])
    if info.samplerate != TELEPHONE_RATE:
        samples = soxr.resample(samples, info.samplerate, TELEPHONE_RATE).astype(np.float32)
    return samples


def quiet_points(speech: NDArray[np.float32], count: int) -> list[int]:
    """`count` sample positions inside a clip where it is quietest (between words), at least
    0.5 s from its ends and from each other: places to insert a pause without cutting a word."""
    import numpy as np

    window = TELEPHONE_RATE // 10  # 100 ms
    margin = TELEPHONE_RATE // 2
    usable = (len(speech) - 2 * margin) // window
    if count <= 0 or usable <= 0:
        return []
    frames = speech[margin : margin + usable * window].reshape(usable, window)
    energy = (frames.astype(np.float64) ** 2).mean(axis=1)
    chosen: list[int] = []
    for index in np.argsort(energy):
        at = margin + int(index) * window + window // 2
        if all(abs(at - other) >= margin for other in chosen):
            chosen.append(at)
        if len(chosen) == count:
            break
    return sorted(chosen)


def noise(
    kind: Noise, length: int, level_rms: float, rng: np.random.Generator
) -> NDArray[np.float32]:
    """`length` samples of line noise at RMS `level_rms`: white, pink (1/f), or faint hiss."""
    import numpy as np

    white = rng.standard_normal(length)
    if kind == "pink":
        # Shape white noise by 1/sqrt(f) in the frequency domain: power falls 3 dB per octave.
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(length)
        freqs[0] = freqs[1] if length > 1 else 1.0
        shaped = np.fft.irfft(spectrum / np.sqrt(freqs), n=length)
    else:
        shaped = white
    rms = float(np.sqrt(np.mean(shaped**2))) or 1.0
    target = 10 ** (SILENCE_DBFS / 20) if kind == "silence" else level_rms
    return (shaped * (target / rms)).astype(np.float32)


def voicemail(
    speech: NDArray[np.float32],
    rng: np.random.Generator,
    *,
    kind: Noise,
    snr_db: float,
    lead_s: float,
    pauses: Sequence[float],
    tail_s: float,
) -> tuple[NDArray[np.float32], Layout]:
    """The clip with `lead_s` before it, a pause of each length in `pauses` at its quietest
    points, and `tail_s` after it; noise of `kind` at `snr_db` under the speech's RMS throughout."""
    import numpy as np

    cuts = quiet_points(speech, len(pauses))
    pieces = np.split(speech, cuts)
    gaps = [lead_s, *pauses[: len(cuts)], tail_s]
    speech_rms = float(np.sqrt(np.mean(speech.astype(np.float64) ** 2))) if len(speech) else 0.0
    parts: list[NDArray[np.float32]] = []
    spans: list[tuple[float, float]] = []
    at = 0
    for index, piece in enumerate(pieces):
        parts.append(np.zeros(int(gaps[index] * TELEPHONE_RATE), np.float32))
        at += len(parts[-1])
        spans.extend(_active_spans(piece, speech_rms, at))
        parts.append(piece)
        at += len(piece)
    parts.append(np.zeros(int(gaps[-1] * TELEPHONE_RATE), np.float32))
    signal = np.concatenate(parts)
    signal = signal + noise(kind, len(signal), speech_rms / 10 ** (snr_db / 20), rng)
    layout = Layout(tuple(spans), len(signal) / TELEPHONE_RATE)
    return np.clip(signal, -1.0, 1.0).astype(np.float32), layout


def _active_spans(
    piece: NDArray[np.float32], speech_rms: float, offset: int
) -> list[tuple[float, float]]:
    """Spans (seconds, shifted by `offset` samples) of a piece's frames loud enough to be speech."""
    import numpy as np

    if not len(piece) or speech_rms <= 0:
        return []
    threshold = (speech_rms * 10 ** (-ACTIVE_BELOW_RMS_DB / 20)) ** 2
    spans: list[tuple[float, float]] = []
    for start in range(0, len(piece), ACTIVE_FRAME):
        frame = piece[start : start + ACTIVE_FRAME].astype(np.float64)
        if float(np.mean(frame**2)) < threshold:
            continue
        begin = (offset + start) / TELEPHONE_RATE
        end = (offset + start + len(frame)) / TELEPHONE_RATE
        if spans and spans[-1][1] >= begin:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((begin, end))
    return spans


def write_voicemail(
    clip: Path,
    dst: Path,
    rng: np.random.Generator,
    *,
    kind: Noise,
    snr_db: float = 15.0,
    lead_s: float = 10.0,
    pauses: Sequence[float] = (),
    tail_s: float = 20.0,
) -> Layout:
    """Write `clip` as a voicemail (see `voicemail`) to `dst`, 8 kHz mu-law WAV."""
    import soundfile as sf

    samples, layout = voicemail(
        load_telephone(clip),
        rng,
        kind=kind,
        snr_db=snr_db,
        lead_s=lead_s,
        pauses=pauses,
        tail_s=tail_s,
    )
    sf.write(str(dst), samples, TELEPHONE_RATE, "ULAW", format="WAV")
    return layout


def random_voicemail(clip: Path, dst: Path, rng: np.random.Generator, kind: Noise) -> Layout:
    """The benchmark's shape: 5-20 s before, 1-3 pauses of 2-5 s inside, 10-30 s after, noise at
    10-20 dB SNR."""
    return write_voicemail(
        clip,
        dst,
        rng,
        kind=kind,
        snr_db=float(rng.uniform(10, 20)),
        lead_s=float(rng.uniform(5, 20)),
        pauses=[float(rng.uniform(2, 5)) for _ in range(int(rng.integers(1, 4)))],
        tail_s=float(rng.uniform(10, 30)),
    )
