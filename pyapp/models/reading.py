"""Reading a model's files from outside as data, within pyapp.models.limits' sizes, before anything is built.

- :func:`read_file`: a regular file's bytes, its size checked before it is read (no device, FIFO or 2 GB file).
- :func:`load_json`: JSON with its nesting depth checked first (no RecursionError) and no NaN or Infinity.
- :func:`read_npz`: an .npz member by member, each declared size checked before it is decompressed, each
  .npy header checked against its bytes before an array is made (no zip bomb, no pickle).
- :func:`manifest_groups` and :class:`ShardFolder`: a TF.js weights manifest, each shard a plain file name
  in the model's own folder whose size is checked against the manifest's shapes before it is read.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .limits import LIMITS, MAX_MODEL_BYTES, MAX_NPZ_BYTES, ModelLimitError, size_text, whole

SHARD_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")  # a plain file name: no folder, no "..", no drive
NPY_DTYPES = ("<f4", "<f8", "<f2", ">f4", ">f8", "|u1", "<i4", "<i8")  # numbers only: no object, no strings


def read_file(path, what: str, limit: int = MAX_MODEL_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ModelLimitError naming it otherwise."""
    path = Path(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # /dev/zero, a FIFO or a folder: never opened
            raise ModelLimitError(f"{path}: the {what} is not a regular file")
        if info.st_size > limit:
            raise ModelLimitError(f"{path}: the {what} is {size_text(info.st_size)}; the limit is {size_text(limit)}")
        with open(path, "rb") as f:
            # the size stat gave and one byte more: no buffer of the whole limit for a small file, and a file
            # that grew since stat is noticed, never read further
            data = f.read(info.st_size + 1)
    except OSError as exc:
        raise ModelLimitError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > info.st_size:
        raise ModelLimitError(f"{path}: the {what} changed while being read")
    return data


def _too_deep(text: str, limit: int) -> bool:
    # Brackets outside strings only, counted with a cumulative sum: no recursion, no Python loop per byte.
    brackets = re.sub(r'[^\[\]{}]+', "", re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', "", text))
    if len(brackets) <= limit:
        return False
    codes = np.frombuffer(brackets.encode("ascii"), np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max()) > limit


def _no_constant(name: str):
    raise ModelLimitError(f"{name} is not a number JSON allows (write a finite number)")


def load_json(data, what: str):
    """A parsed JSON text (str or bytes) of at most the model file size and nesting limits."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > MAX_MODEL_BYTES:
            raise ModelLimitError(f"the {what} is {size_text(len(data))}; the limit is {size_text(MAX_MODEL_BYTES)}")
        try:
            data = bytes(data).decode("utf-8").removeprefix("\ufeff")  # BOM; not utf-8-sig: one codec less at start
        except UnicodeDecodeError:
            raise ModelLimitError(f"the {what} is not UTF-8 text") from None
    depth = LIMITS["JSON nesting"][1]
    if _too_deep(data, depth):
        raise ModelLimitError(f"the {what} is nested more than {depth} levels deep; no model needs that")
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:  # cannot happen after the depth check; kept so no traceback ever shows
        raise ModelLimitError(f"the {what} is nested too deeply") from None
    except ValueError as exc:
        if isinstance(exc, ModelLimitError):
            raise ModelLimitError(f"the {what}: {exc}") from None
        raise ModelLimitError(f"the {what} is not JSON ({exc})") from None


# -- .npz --------------------------------------------------------------------------------------------

def _npy_array(name: str, data: bytes) -> np.ndarray:
    """One .npy member's array; its header's shape and type must account for its bytes exactly."""
    stream = io.BytesIO(data)
    try:  # numpy's own header parser (a dict of literals, never code), with its header size limit
        version = np.lib.format.read_magic(stream)
        fmt = np.lib.format
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(stream)
        descr = dtype.str
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError) as exc:
        raise ModelLimitError(f"{name}: not an array file ({type(exc).__name__})") from None
    if descr not in NPY_DTYPES or not all(isinstance(n, int) and 0 <= n for n in shape):
        raise ModelLimitError(f"{name}: holds {str(descr)[:20]} values of shape {str(shape)[:40]}, not numbers")
    body = memoryview(data)[stream.tell():]  # no copy of the data before it is known to fit
    if math.prod(shape) * dtype.itemsize != len(body):
        raise ModelLimitError(f"{name}: its header says {shape} {descr}, its data is {len(body):,} bytes")
    # a copy, as np.load gives: the engine trains its weights in place (frombuffer's view is read-only)
    return np.frombuffer(body, dtype).reshape(shape, order="F" if fortran else "C").copy()


def read_npz(source, what: str = "weights file") -> dict[str, np.ndarray]:
    """The arrays of an .npz (bytes or a path); every member's declared size is checked before it is
    decompressed, and decompression stops at that size (a 2 MB archive never expands to 2 GB)."""
    data = source if isinstance(source, (bytes, bytearray, memoryview)) else read_file(source, what)
    if len(data) > MAX_MODEL_BYTES:
        raise ModelLimitError(f"the {what} is {size_text(len(data))}; the limit is {size_text(MAX_MODEL_BYTES)}")
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if declared > MAX_NPZ_BYTES or len(members) > 4 * LIMITS["layers"][1]:
                raise ModelLimitError(f"the {what} would expand to {size_text(declared)} in {len(members)} "
                                      f"arrays; the limit is {size_text(MAX_NPZ_BYTES)}")
            arrays = {}
            for member in members:
                if not member.filename.endswith(".npy"):
                    raise ModelLimitError(f"the {what} holds {member.filename[:60]!r}, not an array")
                with archive.open(member) as f:
                    raw = f.read(member.file_size + 1)  # zipfile also stops at the declared size
                if len(raw) != member.file_size:
                    raise ModelLimitError(f"the {what}: {member.filename[:60]} is not the size it declares")
                arrays[member.filename[:-4]] = _npy_array(member.filename, raw)
            return arrays
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise ModelLimitError(f"cannot read the weights: the .npz file is damaged or incomplete ({exc})") from None


# -- TF.js weight shards -----------------------------------------------------------------------------

def manifest_groups(manifest) -> list[tuple[list[str], list[dict], int]]:
    """(shard names, weight entries, bytes their shapes need) per group of a TF.js ``weightsManifest``;
    every shape and name is checked here, before a shard is opened."""
    if not isinstance(manifest, list):
        raise ModelLimitError("weightsManifest must be a list of weight groups")
    groups, total = [], 0
    for group in manifest:
        paths, entries = (group.get("paths"), group.get("weights")) if isinstance(group, dict) else (None, None)
        if not isinstance(paths, list) or not isinstance(entries, list):
            raise ModelLimitError("weightsManifest: each group needs a list of paths and a list of weights")
        for shard in paths:
            if not isinstance(shard, str) or not SHARD_NAME.fullmatch(shard) or len(shard) > 255:
                raise ModelLimitError(f"weight shard {str(shard)[:80]!r} must be a plain file name in the model's "
                                      "folder (no folder, no '..', no absolute path)")
        need = 0
        for entry in entries:
            name = str(entry.get("name") if isinstance(entry, dict) else entry)[:80]
            shape = entry.get("shape") if isinstance(entry, dict) else None
            if not isinstance(shape, list) or len(shape) > 4:
                raise ModelLimitError(f"weight {name}: its shape must be a list of up to 4 sizes")
            count = math.prod(whole(n, "parameters", f"weight {name} (a size of its shape)", low=1) for n in shape)
            need += 4 * whole(count, "parameters", f"weight {name}")
        total += need
        if total > MAX_MODEL_BYTES:
            raise ModelLimitError(f"weightsManifest: the weights need {size_text(total)}; the limit is "
                                  f"{size_text(MAX_MODEL_BYTES)}")
        groups.append((paths, entries, need))
    return groups


def group_bytes(shards, paths: list[str], need: int) -> bytes:
    """The bytes of one weight group: the shards' sizes must add up to exactly ``need`` before any is read."""
    sizes = [shards.size(p) for p in paths]
    if sum(sizes) != need:
        raise ModelLimitError(f"weight shards {', '.join(paths)[:120]} hold {sum(sizes):,} bytes; the manifest's "
                              f"shapes need exactly {need:,}")
    data = b"".join(shards.read(p, n) for p, n in zip(paths, sizes))
    if len(data) != need:
        raise ModelLimitError(f"weight shards {', '.join(paths)[:120]} changed while being read")
    return data


class ShardFolder:
    """The shards of a model.json on disk: plain names in its folder, regular files, no link leaving it."""

    def __init__(self, folder):
        self.folder = Path(folder).resolve()

    def _path(self, name: str) -> Path:
        path = self.folder / name
        if not SHARD_NAME.fullmatch(name) or path.resolve().parent != self.folder:
            raise ModelLimitError(f"weight shard {name!r} leads out of the model's folder {self.folder}")
        return path

    def size(self, name: str) -> int:
        path = self._path(name)
        try:
            info = os.stat(path)
        except OSError as exc:
            raise ModelLimitError(f"cannot read the weight shard {name} ({exc.strerror or exc})") from None
        if not stat.S_ISREG(info.st_mode):
            raise ModelLimitError(f"weight shard {name} is not a regular file")
        return info.st_size

    def read(self, name: str, size: int) -> bytes:
        data = read_file(self._path(name), f"weight shard {name}", size)
        if len(data) != size:
            raise ModelLimitError(f"weight shard {name} changed while being read")
        return data


class PickedShards:
    """The shards among files picked in the page (file name -> bytes)."""

    def __init__(self, files: dict[str, bytes], needed_by: str):
        self.files, self.needed_by = files, needed_by

    def size(self, name: str) -> int:
        if name not in self.files:
            raise ModelLimitError(f"{self.needed_by} needs its weight file {name}: pick it too")
        return len(self.files[name])

    def read(self, name: str, size: int) -> bytes:
        return self.files[name]
