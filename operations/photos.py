"""Photos of reports: only JPEG or PNG, size-limited, re-encoded (metadata such as GPS and camera stripped).

Kept in ``var/photos`` (``$PHOTO_DIR``), owner-only, under a random name: a photo is shown only to staff
through the dashboard, never at a guessable address.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from operations.reports import ReportError
from operations.settings import ROOT

__all__ = ["PhotoError", "photo_dir", "read_photo", "save_photo"]

Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


class PhotoError(ReportError):
    """The upload is not a usable photo; the message says what to send instead."""


def photo_dir() -> Path:
    """Where photos are kept (``$PHOTO_DIR`` or ``var/photos``), created owner-only."""
    folder = Path(os.environ.get("PHOTO_DIR") or ROOT / "var" / "photos")
    if not folder.exists():  # a folder we make is owner-only; an existing one is left as it is
        folder.mkdir(parents=True)
        folder.chmod(0o700)
    return folder


def save_photo(data: bytes, *, max_mb: float = 8, max_side: int = 1600) -> str:
    """Check, re-encode and keep a photo; returns its stored name."""
    if len(data) > max_mb * 1024 * 1024:
        msg = f"照片不能超过 {max_mb:g} MB / the photo is larger than {max_mb:g} MB"
        raise PhotoError(msg)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if kind not in ("JPEG", "PNG"):
                msg = f"照片只能是 JPG 或 PNG（收到的是 {kind or '未知格式'}） / only JPEG or PNG"
                raise PhotoError(msg)
            image.load()
            upright = ImageOps.exif_transpose(image)  # turned the way it was taken, before the EXIF goes
            upright.thumbnail((max_side, max_side))
            clean = upright.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        msg = "无法识别这张照片，请换一张 JPG 或 PNG 照片 / not a readable JPEG or PNG"
        raise PhotoError(msg) from exc
    name = f"{secrets.token_urlsafe(16)}.jpg"
    target = photo_dir() / name
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=85)  # a new file: no EXIF, GPS, maker notes or comments
    target.write_bytes(buffer.getvalue())
    target.chmod(0o600)
    return name


def read_photo(name: str) -> bytes | None:
    """A stored photo's bytes, or None (a name that is not one of ours is never opened)."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".jpg"):
        return None
    path = photo_dir() / name
    return path.read_bytes() if path.is_file() else None
