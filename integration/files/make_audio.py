#!/usr/bin/env python3
"""make_audio.py OUTDIR - the recordings the recordings suite uploads, made fresh
each run without any network: real audio, a spoken-like tone sweep, encoded by
Debian's own encoders (deploy/install-deps.sh installs them):

  ghi-am.wav     3 s, 16 kHz mono PCM (Python's wave module)
  ghi-am.mp3     the same through lame
  ghi-am.ogg     the same through oggenc (Ogg Vorbis)
  ghi-am.opus    the same through opusenc (Ogg Opus)
  ghi-am.flac    the same through flac
  ghi-am.webm    a WebM header declaring one Opus audio track (as a browser's
                 MediaRecorder starts its file): no encoder here writes WebM,
                 so it is built element by element; libmagic and the service
                 judge it by its header and tracks, which is what this tests
  video.webm     the same with a VP8 video track: not a recording
  dai.wav        80 s of the tone: larger than the suite's document limit (2 MiB),
                 within its recording limit (3 MiB)
  qua-dai.wav    125 s: over the recording limit too

Exits non-zero, naming it, when an encoder is missing."""
import math
import os
import shutil
import struct
import subprocess
import sys
import wave

out = sys.argv[1]
RATE = 16000


def tone(path, seconds):
    frames = bytearray()
    for i in range(RATE * seconds):
        f = 300 + 200 * (i % RATE) / RATE  # a sweep each second
        frames += struct.pack("<h", int(9000 * math.sin(2 * math.pi * f * i / RATE)))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))


def run(*cmd):
    if not shutil.which(cmd[0]):
        sys.exit(f"make_audio.py: {cmd[0]} is missing (run deploy/install-deps.sh)")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ebml(ident, payload):
    assert len(payload) < 127
    return ident + bytes([0x80 | len(payload)]) + payload


def webm(codec, track_type):
    header = (ebml(b"\x42\x86", b"\x01") + ebml(b"\x42\xf7", b"\x01") + ebml(b"\x42\xf2", b"\x04")
              + ebml(b"\x42\xf3", b"\x08") + ebml(b"\x42\x82", b"webm") + ebml(b"\x42\x87", b"\x04")
              + ebml(b"\x42\x85", b"\x02"))
    entry = ebml(b"\xae", ebml(b"\xd7", b"\x01") + ebml(b"\x83", bytes([track_type]))
                 + ebml(b"\x86", codec))
    tracks = ebml(b"\x16\x54\xae\x6b", entry)
    segment = b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + tracks
    return ebml(b"\x1a\x45\xdf\xa3", header) + segment + b"\x1f\x43\xb6\x75\x80" + b"\x00" * 512


os.makedirs(out, exist_ok=True)
wav = os.path.join(out, "ghi-am.wav")
tone(wav, 3)
run("lame", "--quiet", wav, os.path.join(out, "ghi-am.mp3"))
run("oggenc", "-Q", wav, "-o", os.path.join(out, "ghi-am.ogg"))
run("opusenc", "--quiet", wav, os.path.join(out, "ghi-am.opus"))
run("flac", "-s", "-f", wav, "-o", os.path.join(out, "ghi-am.flac"))
with open(os.path.join(out, "ghi-am.webm"), "wb") as f:
    f.write(webm(b"A_OPUS", 2))
with open(os.path.join(out, "video.webm"), "wb") as f:
    f.write(webm(b"V_VP8", 1))
tone(os.path.join(out, "dai.wav"), 80)
tone(os.path.join(out, "qua-dai.wav"), 125)
