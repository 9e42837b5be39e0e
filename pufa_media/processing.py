"""The media pipeline as pure functions over file paths (no Django models here).

Uses PyAV, whose wheels carry FFmpeg with libx264 and AAC, so no system FFmpeg is needed.
Steps: probe by content (refuse what is not a playable video, truncated or too long),
transcode each rendition to H.264/AAC MP4 with the index (moov) before the media data
(faststart) and a keyframe every 2 s, grab a poster frame at ~10 % of the duration, and
convert SRT subtitles to WebVTT. Every refusal is a MediaRejected carrying a Chinese message
meant for the staff member who uploaded the file.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from django.utils.translation import gettext as _

# PyAV and NumPy are imported inside the functions that decode or encode: a web worker
# imports this module (settings, rendition specs, subtitles) and never transcodes, so it does
# not pay their memory (benchmarks/README.md, "Memory of a web worker").

MAX_FPS = 30


class MediaRejected(Exception):
    """The file cannot become a video on this platform; str(exc) is the message for staff."""


@dataclass(frozen=True)
class RenditionSpec:
    name: str  # "low" / "high"
    label: str  # 流畅 / 高清
    height: int
    video_bitrate: int
    audio_bitrate: int


@dataclass
class ProbeResult:
    duration: float
    width: int
    height: int
    fps: Fraction
    has_audio: bool
    video_codec: str


@dataclass
class RenditionResult:
    name: str
    label: str
    path: Path
    width: int
    height: int
    bitrate: int
    size: int
    seconds: float = 0.0  # wall-clock time spent encoding


@dataclass
class ProcessResult:
    probe: ProbeResult
    renditions: list[RenditionResult] = field(default_factory=list)
    poster: Path | None = None


# ---------------------------------------------------------------- MP4 structure

def top_level_boxes(path: str | os.PathLike) -> list[str]:
    """Names of the top-level ISO-BMFF boxes in file order (ftyp, moov, mdat …).

    Stops at the first box that runs past the end of the file (a truncated file).
    """
    boxes: list[str] = []
    size_total = os.path.getsize(path)
    with open(path, "rb") as fh:
        pos = 0
        while pos + 8 <= size_total:
            fh.seek(pos)
            header = fh.read(8)
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
            elif size == 0:
                size = size_total - pos
            if size < 8:
                break
            boxes.append(kind.decode("latin-1"))
            if pos + size > size_total:
                boxes.append("<truncated>")
                break
            pos += size
    return boxes


def index_first(path: str | os.PathLike) -> bool:
    """True when the moov box (the index) comes before the media data: playback starts at once."""
    boxes = top_level_boxes(path)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")


def _looks_like_mp4(path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


# ---------------------------------------------------------------- probe

def _msg_unreadable() -> str:
    return _("无法识别该文件：它不是可播放的视频文件（请上传 MP4、MOV 等视频）。")


def _msg_truncated() -> str:
    return _("视频文件不完整（可能上传中断或文件已损坏），请重新上传完整的文件。")


def _msg_no_video() -> str:
    return _("文件中没有视频画面（可能只有声音），请上传视频文件。")


def _msg_too_long(duration: float, limit: float) -> str:
    return _("视频时长 %(duration)d 秒，超过上限 %(limit)d 秒，请剪辑后再上传。") % {
        "duration": round(duration), "limit": round(limit)}


def probe(path: str | os.PathLike, *, max_duration: float) -> ProbeResult:
    """Read the file by its content, never by its name, and refuse what cannot be served."""
    import av

    path = str(path)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise MediaRejected(_("文件为空，请重新上传。"))
    mp4ish = _looks_like_mp4(path)
    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise MediaRejected(_msg_truncated() if mp4ish else _msg_unreadable()) from exc
    try:
        if not container.streams.video:
            raise MediaRejected(_msg_no_video())
        vstream = container.streams.video[0]
        if not vstream.codec_context.width or not vstream.codec_context.height:
            raise MediaRejected(_msg_unreadable())
        duration = _declared_duration(container, vstream)
        if duration is not None and duration > max_duration:
            raise MediaRejected(_msg_too_long(duration, max_duration))
        # Demux every video packet (cheap, no decoding): a truncated file ends early or errors.
        last_end = 0.0
        packets = 0
        size_sum = 0
        try:
            for packet in container.demux(vstream):
                if packet.size == 0:
                    continue
                packets += 1
                size_sum += packet.size
                if packet.pts is not None and packet.time_base is not None:
                    end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    last_end = max(last_end, end)
                if packet.is_corrupt:
                    raise MediaRejected(_msg_truncated())
        except av.error.FFmpegError as exc:
            raise MediaRejected(_msg_truncated()) from exc
        if packets == 0:
            raise MediaRejected(_msg_truncated() if mp4ish else _msg_unreadable())
        start = float(vstream.start_time * vstream.time_base) if vstream.start_time is not None else 0.0
        if duration is None:
            duration = max(0.0, last_end - start)
            if duration > max_duration:
                raise MediaRejected(_msg_too_long(duration, max_duration))
        elif last_end - start < duration * 0.9 - 0.5:
            raise MediaRejected(_msg_truncated())
        if size_sum > os.path.getsize(path):
            raise MediaRejected(_msg_truncated())
        fps = vstream.average_rate or vstream.guessed_rate or Fraction(25)
        width, height = vstream.codec_context.width, vstream.codec_context.height
        if display_rotation(path) in (90, 270):
            width, height = height, width
        return ProbeResult(
            duration=duration,
            width=width,
            height=height,
            fps=Fraction(fps),
            has_audio=bool(container.streams.audio),
            video_codec=vstream.codec_context.name,
        )
    finally:
        container.close()


def _declared_duration(container, vstream) -> float | None:
    if vstream.duration is not None and vstream.time_base is not None:
        return float(vstream.duration * vstream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


# ---------------------------------------------------------------- transcode

def output_size(src_w: int, src_h: int, height: int) -> tuple[int, int]:
    """Target size with the source's aspect, never upscaled, even dimensions for yuv420p.

    ``height`` is the short side ("360p"), so a portrait phone video becomes 360×640, not 202×360.
    """
    if src_w > src_h:
        w, h = output_size(src_h, src_w, height)
        return h, w
    w = min(height, src_w)
    w -= w % 2
    h = round(src_h * w / src_w / 2) * 2
    return max(w, 2), max(h, 2)


def display_rotation(path) -> int:
    """Counter-clockwise degrees (0/90/180/270) the player must turn the picture: phones record
    portrait video as landscape frames plus a display matrix."""
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        for frame in container.decode(container.streams.video[0]):
            return round((frame.rotation or 0) / 90) % 4 * 90
    return 0


def choose_renditions(specs: list[RenditionSpec], src_height: int) -> list[RenditionSpec]:
    """The smallest rendition always; larger ones only when the source is tall enough."""
    ordered = sorted(specs, key=lambda s: s.height)
    return [s for i, s in enumerate(ordered) if i == 0 or s.height <= src_height]


def short_side(info: ProbeResult) -> int:
    return min(info.width, info.height)


def transcode(src: str | os.PathLike, dst: str | os.PathLike, spec: RenditionSpec, *,
              keyframe_seconds: float = 2.0, preset: str = "veryfast") -> RenditionResult:
    """One H.264/AAC MP4 rendition, faststart, constant keyframe interval."""
    import time

    import av
    import numpy as np

    started = time.monotonic()
    inp = av.open(str(src), metadata_errors="ignore")
    try:
        vin = inp.streams.video[0]
        ain = inp.streams.audio[0] if inp.streams.audio else None
        vin.thread_type = "AUTO"
        fps = Fraction(vin.average_rate or vin.guessed_rate or 25)
        if fps > MAX_FPS or fps <= 0:
            fps = Fraction(MAX_FPS if fps > MAX_FPS else 25)
        fps = fps.limit_denominator(1001)
        rotation = display_rotation(src)
        src_w, src_h = vin.codec_context.width, vin.codec_context.height
        if rotation in (90, 270):
            src_w, src_h = src_h, src_w
        width, height = output_size(src_w, src_h, spec.height)
        gop = max(1, round(float(fps) * keyframe_seconds))
        kbps = max(1, spec.video_bitrate // 1000)

        out = av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            vout = out.add_stream("libx264", rate=fps)
            vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
            vout.bit_rate = spec.video_bitrate
            vout.codec_context.gop_size = gop
            vout.codec_context.options = {
                "preset": preset,
                "profile": "main",
                "x264-params": (
                    f"keyint={gop}:min-keyint={gop}:scenecut=0:"
                    f"vbv-maxrate={int(kbps * 1.5)}:vbv-bufsize={kbps * 2}"
                ),
            }
            aout = None
            if ain is not None:
                aout = out.add_stream("aac", rate=44100)
                aout.bit_rate = spec.audio_bitrate
            streams = [vin] + ([ain] if ain is not None else [])
            last_index = -1
            frames = 0
            for packet in inp.demux(*streams):
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:
                    continue
                for frame in decoded:
                    if packet.stream.type == "video":
                        t = frame.time
                        index = last_index + 1 if t is None else round(t * float(fps))
                        if index <= last_index:
                            continue  # variable-rate source: drop duplicates for a constant rate
                        last_index = index
                        if rotation:
                            # turn the picture itself (the output carries no display matrix)
                            turned = np.rot90(frame.to_ndarray(format="rgb24"), k=rotation // 90)
                            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(turned), format="rgb24")
                        out_frame = frame.reformat(width=width, height=height, format="yuv420p")
                        out_frame.pts = index
                        out_frame.time_base = Fraction(1) / fps
                        for p in vout.encode(out_frame):
                            out.mux(p)
                        frames += 1
                    elif aout is not None:
                        frame.pts = None
                        for p in aout.encode(frame):
                            out.mux(p)
            for p in vout.encode(None):
                out.mux(p)
            if aout is not None:
                for p in aout.encode(None):
                    out.mux(p)
        finally:
            out.close()
        if frames == 0:
            raise MediaRejected(_msg_truncated())
    finally:
        inp.close()
    size = os.path.getsize(dst)
    return RenditionResult(
        name=spec.name, label=spec.label, path=Path(dst), width=width, height=height,
        bitrate=spec.video_bitrate + (spec.audio_bitrate if ain is not None else 0), size=size,
        seconds=time.monotonic() - started,
    )


# ---------------------------------------------------------------- poster

def make_poster(src: str | os.PathLike, dst: str | os.PathLike, *, at_fraction: float = 0.1,
                max_width: int = 1280) -> Path:
    """A JPEG of the frame at about at_fraction of the duration."""
    import av

    container = av.open(str(src), metadata_errors="ignore")
    try:
        vin = container.streams.video[0]
        duration = _declared_duration(container, vin) or 0.0
        target = duration * at_fraction
        if target > 0 and vin.time_base is not None:
            container.seek(int(target / vin.time_base), stream=vin, backward=True)
        chosen = None
        for frame in container.decode(vin):
            chosen = frame
            if frame.time is None or frame.time >= target:
                break
        if chosen is None:
            raise MediaRejected(_msg_truncated())
        image = chosen.to_image()
        turns = round((chosen.rotation or 0) / 90) % 4
        if turns:
            image = image.rotate(90 * turns, expand=True)  # PIL rotates counter-clockwise too
    finally:
        container.close()
    if image.width > max_width:
        image = image.resize((max_width, round(image.height * max_width / image.width)))
    image.convert("RGB").save(dst, "JPEG", quality=85, optimize=True)
    return Path(dst)


# ---------------------------------------------------------------- subtitles

_TIMING = re.compile(
    r"^\s*(\d{1,2}:\d{2}:\d{2})[,.](\d{1,3})\s*-->\s*(\d{1,2}:\d{2}:\d{2})[,.](\d{1,3})(.*)$"
)


def decode_text(data: bytes) -> str:
    """Subtitle files from the field come as UTF-8 (with or without BOM), UTF-16 or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MediaRejected(_("字幕文件编码无法识别，请保存为 UTF-8 后重新上传。"))


def srt_to_vtt(data: bytes | str) -> str:
    """SRT → WebVTT: header, '.' decimal separator, numeric counters dropped, text kept as is."""
    text = decode_text(data) if isinstance(data, bytes) else data
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    cues: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.split("\n")]
        timing_at = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
        if timing_at is None:
            continue
        m = _TIMING.match(lines[timing_at])
        if not m:
            continue
        start = f"{_pad(m.group(1))}.{m.group(2).ljust(3, '0')}"
        end = f"{_pad(m.group(3))}.{m.group(4).ljust(3, '0')}"
        body = [ln.rstrip() for ln in lines[timing_at + 1:] if ln.strip()]
        cues.append(f"{start} --> {end}\n" + "\n".join(body))
    if not cues:
        raise MediaRejected(_("字幕文件中没有可识别的时间轴（需要 SRT 格式）。"))
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def _pad(hms: str) -> str:
    h, m, s = hms.split(":")
    return f"{int(h):02d}:{m}:{s}"


# ---------------------------------------------------------------- the whole pipeline

def process_file(src: str | os.PathLike, workdir: str | os.PathLike, *, specs: list[RenditionSpec],
                 max_duration: float, poster: bool = True, keyframe_seconds: float = 2.0,
                 preset: str = "veryfast") -> ProcessResult:
    """Probe, transcode every suitable rendition and make a poster; files land in workdir."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    info = probe(src, max_duration=max_duration)
    result = ProcessResult(probe=info)
    for spec in choose_renditions(specs, short_side(info)):
        dst = workdir / f"{spec.name}.mp4"
        result.renditions.append(
            transcode(src, dst, spec, keyframe_seconds=keyframe_seconds, preset=preset)
        )
    if poster:
        result.poster = make_poster(result.renditions[-1].path, workdir / "poster.jpg")
    return result


# ---------------------------------------------------------------- synthetic clips (tests, demo)

def generate_clip(path: str | os.PathLike, *, seconds: float = 2.0, width: int = 320, height: int = 180,
                  fps: int = 25, title: str = "PUFA", colour: tuple[int, int, int] = (20, 70, 150),
                  tone_hz: float = 440.0, audio: bool = True, faststart: bool = False) -> Path:
    """A title card with a moving progress bar and a sine tone, encoded with PyAV.

    Only Latin text is drawn (no CJK font is assumed on the machine); Chinese goes in subtitles.
    """
    import av
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    options = {"movflags": "+faststart"} if faststart else {}
    out = av.open(str(path), "w", format="mp4", options=options)
    try:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.codec_context.options = {"preset": "ultrafast"}
        aout = out.add_stream("aac", rate=44100) if audio else None
        font = ImageFont.load_default(size=max(10, height // 8))
        n = max(1, round(seconds * fps))
        sr = 44100
        samples_done = 0
        for i in range(n):
            img = Image.new("RGB", (width, height), colour)
            draw = ImageDraw.Draw(img)
            draw.text((width // 12, height // 3), title, fill=(255, 255, 255), font=font)
            draw.text((width // 12, height // 3 + height // 6), f"{i / fps:4.1f}s", fill=(255, 230, 160),
                      font=font)
            draw.rectangle([0, height - max(4, height // 20), int(width * (i + 1) / n), height],
                           fill=(255, 200, 0))
            frame = av.VideoFrame.from_image(img)
            frame.pts = i
            for p in vs.encode(frame):
                out.mux(p)
            if aout is not None:
                # the tone for this frame's span, so audio and video stay interleaved
                upto = round((i + 1) * sr / fps)
                t = np.arange(samples_done, upto) / sr
                wave = (0.2 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32).reshape(1, -1)
                aframe = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
                aframe.sample_rate = sr
                aframe.pts = samples_done
                samples_done = upto
                for p in aout.encode(aframe):
                    out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        if aout is not None:
            for p in aout.encode(None):
                out.mux(p)
    finally:
        out.close()
    return Path(path)
