"""Find the stretches of a recording that hold speech (WebRTC's voice activity detector), so Vosk
decodes those and not the silence and line noise around them.

Detection errs towards speech: the detector runs at a middle aggressiveness, every detected
stretch is padded, and stretches close together are merged. A word cut at a region's edge is
lost for good, while extra silence only costs decoding time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from transcripts.audio import AudioInfo, mono_blocks, to_pcm16

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

logger = logging.getLogger(__name__)

# The detector's own rates are 8, 16, 32 and 48 kHz; telephone audio is 8 kHz, and 8 kHz keeps
# all the band speech needs while costing the least.
VAD_RATE = 8000
FRAME_S = 0.03  # 30 ms frames: the longest the detector takes, the steadiest decisions
FRAME_SAMPLES = int(VAD_RATE * FRAME_S)
# 0 (lets most noise through as speech) to 3 (most eager to call a frame non-speech). Measured
# on the shared clips made into 42 voicemails (silence, white and pink noise at 10-20 dB SNR):
# with the padding below, 0-2 lose no speech frame and 2 decodes the least (23% of the audio).
AGGRESSIVENESS = 2
# Seconds kept before and after detected speech: onsets and soft endings are quieter than the
# detector's threshold. Endings trail longer (a falling "...健康" ran 0.6 s past the last frame
# the detector heard), and 0.5 s after lost the last 0.1 s of two clips; 0.8 s lost none.
PADDING_BEFORE_S = 0.5
PADDING_AFTER_S = 0.8
# Padded regions closer than this are decoded as one: a pause mid-sentence stays in context.
MERGE_GAP_S = 1.0


class DetectionFailed(Exception):
    """Voice activity detection could not run; the caller decodes the whole recording."""


@dataclass(frozen=True)
class Region:
    """A stretch of the recording to decode, in seconds from its start."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Its length in seconds."""
        return self.end_s - self.start_s


def speech_regions(
    path: Path,
    info: AudioInfo,
    *,
    aggressiveness: int = AGGRESSIVENESS,
    padding_before_s: float = PADDING_BEFORE_S,
    padding_after_s: float = PADDING_AFTER_S,
    merge_gap_s: float = MERGE_GAP_S,
    progress: Callable[[float], None] | None = None,
) -> tuple[Region, ...]:
    """The padded, merged speech regions of a file, in order; empty if it holds no speech.
    Reads the file once, a block at a time; raises DetectionFailed if the detector cannot run."""
    try:
        # Untyped C extension; the one call used is is_speech(bytes, rate) -> bool.
        import webrtcvad  # type: ignore[import-untyped]

        vad = webrtcvad.Vad(aggressiveness)
    except (ImportError, ValueError) as exc:
        raise DetectionFailed(f"no voice activity detector: {exc}") from exc

    regions: list[Region] = []
    current: list[float] | None = None  # [start, end] of the region being grown
    frame_count = 0
    for frame_count, frame in enumerate(_frames(path, info, progress), start=1):
        try:
            voiced = vad.is_speech(frame, VAD_RATE)
        except Exception as exc:  # webrtcvad raises a bare Error on a frame it cannot take
            raise DetectionFailed(f"{path}: detector failed: {exc}") from exc
        if not voiced:
            continue
        at = (frame_count - 1) * FRAME_S
        start, end = max(0.0, at - padding_before_s), at + FRAME_S + padding_after_s
        if current is not None and start - current[1] < merge_gap_s:
            current[1] = end
            continue
        if current is not None:
            regions.append(Region(current[0], current[1]))
        current = [start, end]
    if current is not None:
        regions.append(Region(current[0], current[1]))
    # The file's end bounds the last region (the frames counted are what could be read).
    length_s = max(info.duration_s, frame_count * FRAME_S)
    clamped = tuple(Region(r.start_s, min(r.end_s, length_s)) for r in regions)
    logger.debug(
        "%s: %d speech regions, %.1f of %.1f s",
        path.name,
        len(clamped),
        sum(r.duration_s for r in clamped),
        length_s,
    )
    return clamped


def _frames(
    path: Path, info: AudioInfo, progress: Callable[[float], None] | None
) -> Iterator[bytes]:
    """The file as 30 ms frames of 8 kHz 16-bit PCM, streamed (one block in memory at a time)."""
    frame_bytes = FRAME_SAMPLES * 2
    pending = b""
    for samples in _at_vad_rate(path, info):
        data = pending + to_pcm16(samples)
        whole = len(data) - len(data) % frame_bytes
        for offset in range(0, whole, frame_bytes):
            yield data[offset : offset + frame_bytes]
        pending = data[whole:]
        if progress is not None:
            # Detection is a small part of the work; reporting keeps a job's lease renewed.
            progress(0.0)


def _at_vad_rate(path: Path, info: AudioInfo) -> Iterator[NDArray[np.float32]]:
    if info.samplerate == VAD_RATE:
        yield from mono_blocks(path)
        return
    import numpy as np
    import soxr

    resampler = soxr.ResampleStream(info.samplerate, VAD_RATE, 1, dtype="float32")
    for block in mono_blocks(path):
        yield resampler.resample_chunk(block)
    yield resampler.resample_chunk(np.zeros(0, np.float32), last=True)
