"""Benchmark: transcoding time per second of video, for each rendition, with the settings used
in production (libx264 preset, 360p ~500 kbit/s and 720p ~2 Mbit/s, keyframe every 2 s).

The source is generated with PyAV: a 1080p (or --height) clip at 25 fps with a moving picture
and a tone, so it needs no download. Prints one row per rendition.

    .venv/bin/python benchmarks/media/transcode.py [--seconds 20] [--height 1080] [--source texture|card]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from pufa_media import conf, processing  # noqa: E402


def noisy_clip(path: Path, seconds: float, height: int) -> Path:
    """A clip harder to encode than a flat title card (moving gradients, changing block texture):
    a pessimistic stand-in for camera video."""
    import av
    import numpy as np

    width = height * 16 // 9
    fps = 25
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.codec_context.options = {"preset": "ultrafast", "crf": "20"}
        aout = out.add_stream("aac", rate=44100)
        done = 0
        for i in range(int(seconds * fps)):
            r = ((xx + i * 4) % 256).astype(np.uint8)
            g = ((yy + i * 2) % 256).astype(np.uint8)
            # texture in 8×8 blocks that changes every frame: motion an encoder must work for
            blocks = rng.integers(0, 255, size=(height // 8 + 1, width // 8 + 1), dtype=np.uint8)
            b = np.kron(blocks, np.ones((8, 8), dtype=np.uint8))[:height, :width]
            frame = av.VideoFrame.from_ndarray(np.dstack([r, g, b]), format="rgb24")
            frame.pts = i
            for p in vs.encode(frame):
                out.mux(p)
            upto = round((i + 1) * 44100 / fps)
            t = np.arange(done, upto) / 44100
            a = av.AudioFrame.from_ndarray((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32).reshape(1, -1),
                                           format="fltp", layout="mono")
            a.sample_rate, a.pts, done = 44100, done, upto
            for p in aout.encode(a):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        for p in aout.encode(None):
            out.mux(p)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--source", choices=["texture", "card"], default="texture",
                        help="texture: moving gradients and changing blocks; card: the demo's title card")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        if args.source == "card":
            src = processing.generate_clip(Path(tmp) / "src.mp4", seconds=args.seconds, height=args.height,
                                           width=args.height * 16 // 9)
        else:
            src = noisy_clip(Path(tmp) / "src.mp4", args.seconds, args.height)
        print(f"source: {args.seconds:g} s at {args.height}p generated in {time.monotonic() - t0:.1f} s, "
              f"{src.stat().st_size / 1e6:.1f} MB")
        info = processing.probe(src, max_duration=10_000)
        t0 = time.monotonic()
        processing.probe(src, max_duration=10_000)
        print(f"probe: {(time.monotonic() - t0) * 1000:.0f} ms; preset {conf.get('PUFA_X264_PRESET')}, "
              f"{os.cpu_count()} cores")
        print("| rendition | size | bitrate target | encode s | s per s of video | output kbit/s | faststart |")
        print("|---|---|---:|---:|---:|---:|---|")
        for spec in processing.choose_renditions(conf.rendition_specs(), processing.short_side(info)):
            r = processing.transcode(src, Path(tmp) / f"{spec.name}.mp4", spec,
                                     keyframe_seconds=conf.get("PUFA_KEYFRAME_SECONDS"),
                                     preset=conf.get("PUFA_X264_PRESET"))
            kbps = r.size * 8 / info.duration / 1000
            print(f"| {spec.label} ({spec.name}) | {r.width}×{r.height} | {spec.video_bitrate // 1000} k | "
                  f"{r.seconds:.2f} | {r.seconds / info.duration:.3f} | {kbps:.0f} | "
                  f"{processing.index_first(r.path)} |")
        t0 = time.monotonic()
        processing.make_poster(src, Path(tmp) / "poster.jpg")
        print(f"poster: {(time.monotonic() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
