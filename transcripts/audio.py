"""Read audio files as mono 16-bit PCM chunks for Vosk, one small block at a time."""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # NumPy, libsndfile and soxr load on first use: importing transcripts is free.
    import numpy as np
    from numpy.typing import NDArray

logger = logging.getLogger(__name__)

# Vosk's examples feed 4000 frames per AcceptWaveform. Endpointing is checked once per call, so
# feeding the same chunks is what makes our text identical to a plain Vosk decode of a WAV file.
CHUNK_FRAMES = 4000
# Kaldi resamples internally from any rate in this range, and 8 kHz telephone audio decodes
# better fed at its own rate than upsampled first (STYLE.md section 7).
MIN_RATE = 8000
MAX_RATE = 48000
# Outside that range we resample to the rate the models are trained at.
MODEL_RATE = 16000
TELEPHONE_RATE = 8000


class AudioError(Exception):
    """The audio file is missing, unreadable or corrupt."""


@dataclass(frozen=True)
class AudioInfo:
    """What libsndfile reports about a file before any decoding."""

    samplerate: int
    channels: int
    format: str
    subtype: str
    frames: int  # what can be read (libsndfile stops at the end of a truncated file)
    truncated: bool = False  # a WAV whose data chunk is shorter than its header says

    @property
    def duration_s(self) -> float:
        """Seconds of audio that can be read."""
        return self.frames / self.samplerate


def probe(path: Path) -> AudioInfo:
    """Read an audio file's header; raise AudioError if it cannot be decoded."""
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except sf.SoundFileError as exc:
        raise AudioError(f"{path}: not a readable audio file ({exc})") from exc
    if info.samplerate <= 0 or info.channels <= 0:
        raise AudioError(f"{path}: bad header ({info.samplerate} Hz, {info.channels} channels)")
    return AudioInfo(
        int(info.samplerate),
        int(info.channels),
        str(info.format),
        str(info.subtype),
        int(info.frames),
        truncated=wav_truncated(path),
    )


def wav_truncated(path: Path) -> bool:
    """True if `path` is a RIFF WAV whose data chunk holds fewer bytes than its header says."""
    # libsndfile quietly reads what is there, so a voicemail cut off in transit (a dropped
    # download the carrier still answered 200 for) would look whole without this check.
    with path.open("rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return False
        size = path.stat().st_size
        while chunk := f.read(8):
            if len(chunk) < 8:
                return True  # cut inside a chunk header
            name, (length,) = chunk[:4], struct.unpack("<I", chunk[4:])
            length = int(length)
            if name == b"data":
                # 0 and 0xFFFFFFFF are what streaming writers leave when they never knew the
                # length: the header promises nothing, so nothing is missing.
                if length in (0, 0xFFFFFFFF):
                    return False
                return f.tell() + length > size
            f.seek(length + (length & 1), 1)  # chunks are padded to an even length
    return True  # no data chunk before the end of the file


def feed_rate(samplerate: int) -> int:
    """The rate to hand Vosk for audio recorded at `samplerate`."""
    return samplerate if MIN_RATE <= samplerate <= MAX_RATE else MODEL_RATE


class PcmStream:
    """Iterates over a file as mono little-endian 16-bit PCM chunks at `rate`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.info = probe(path)
        self.rate = feed_rate(self.info.samplerate)
        self.frames_read = 0
        logger.debug("reading %s: %s", path, self.info)

    @property
    def duration_s(self) -> float:
        """Seconds of audio read so far (the whole file once iteration has finished)."""
        return self.frames_read / self.info.samplerate

    def __iter__(self) -> Iterator[bytes]:
        import numpy as np
        import soxr

        self.frames_read = 0
        if self.rate == self.info.samplerate:
            for block in mono_blocks(self.path):
                self.frames_read += len(block)
                yield to_pcm16(block)
            return
        logger.info("resampling %s from %d Hz to %d Hz", self.path, self.info.samplerate, self.rate)
        resampler = soxr.ResampleStream(self.info.samplerate, self.rate, 1, dtype="float32")
        for block in mono_blocks(self.path):
            self.frames_read += len(block)
            yield to_pcm16(resampler.resample_chunk(block))
        yield to_pcm16(resampler.resample_chunk(np.zeros(0, np.float32), last=True))


def region_chunks(
    path: Path, info: AudioInfo, rate: int, start_s: float, end_s: float
) -> Iterator[bytes]:
    """The PCM16 chunks at `rate` of the stretch [start_s, end_s) of a file, read by seeking:
    nothing before or after it is decoded."""
    import numpy as np
    import soxr

    first = max(0, int(start_s * info.samplerate))
    last = int(round(end_s * info.samplerate))
    if last <= first:
        return
    resampler = (
        None
        if rate == info.samplerate
        else soxr.ResampleStream(info.samplerate, rate, 1, dtype="float32")
    )
    for block in mono_blocks(path, first, last):
        yield to_pcm16(block if resampler is None else resampler.resample_chunk(block))
    if resampler is not None:
        yield to_pcm16(resampler.resample_chunk(np.zeros(0, np.float32), last=True))


def to_telephone(src: Path, dst: Path) -> Path:
    """Write `src` as 8 kHz mono mu-law WAV, the way a phone line delivers a voicemail."""
    import numpy as np
    import soundfile as sf
    import soxr

    info = probe(src)
    resampler = soxr.ResampleStream(info.samplerate, TELEPHONE_RATE, 1, dtype="float32")
    with sf.SoundFile(
        str(dst), "w", samplerate=TELEPHONE_RATE, channels=1, format="WAV", subtype="ULAW"
    ) as out:
        for block in mono_blocks(src):
            out.write(_clip(resampler.resample_chunk(block)))
        out.write(_clip(resampler.resample_chunk(np.zeros(0, np.float32), last=True)))
    return dst


def mono_blocks(
    path: Path, start: int = 0, stop: int | None = None
) -> Iterator[NDArray[np.float32]]:
    """Float blocks in [-1, 1] of CHUNK_FRAMES frames, channels averaged: one block in memory;
    frames [start, stop) of the file (all of it by default)."""
    import numpy as np
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as audio:
            if start:
                audio.seek(start)
            # Without `stop`, read until libsndfile has nothing more (MP3 lengths are estimates).
            remaining = None if stop is None else stop - start
            while remaining is None or remaining > 0:
                wanted = CHUNK_FRAMES if remaining is None else min(CHUNK_FRAMES, remaining)
                # Read into our own array: SoundFile.read takes the address from a fresh
                # __array_interface__ dict every call, whose keys are interned and dropped each
                # time; that churn makes CPython rebuild its whole interned-string table (3.8 MB
                # in the test process) every few thousand blocks, in the middle of a decode.
                block = np.empty((wanted, audio.channels), np.float32)
                block = block[: audio.buffer_read_into(block, dtype="float32")]
                if not len(block):
                    return
                if remaining is not None:
                    remaining -= len(block)
                yield block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float32)
    except sf.SoundFileError as exc:
        raise AudioError(f"{path}: cannot decode audio ({exc})") from exc


def _clip(samples: NDArray[np.float32]) -> NDArray[np.float32]:
    # Resampling can overshoot full scale, and libsndfile does not clip floats when encoding.
    import numpy as np

    return np.clip(samples, -1.0, 1.0)


def to_pcm16(samples: NDArray[np.float32]) -> bytes:
    # libsndfile reads 16-bit PCM as s / 32768, so scaling back restores the exact samples.
    import numpy as np

    scaled: NDArray[np.float32] = np.clip(np.rint(samples * 32768.0), -32768, 32767)
    return scaled.astype("<i2").tobytes()
