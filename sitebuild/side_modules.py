"""The wheels' WebAssembly side modules as files of their own, so the browser can keep their compiled code.

Pyodide 0.27.7 unpacks a wheel into its file system and compiles each shared library in it from those bytes
(WebAssembly.instantiate on a Uint8Array: emscripten's loadWebAssemblyModule), and V8 keeps compiled code only
for modules compiled from a streamed HTTP response. So each side module a start-up wheel holds is written
beside the wheel as ``<module>.wasm`` (e.g. ``numpy._core._multiarray_umath.wasm``), and the wheel keeps a
stub in its place: the module's own ``dylink.0`` section (which emscripten reads for the memory and table it
needs and the libraries it depends on) and a custom section naming the file (in the wheel's folder). bootstrap.js compiles each file with
WebAssembly.compileStreaming while the rest downloads and, when Pyodide instantiates a stub, hands it the
compiled module (``sideModules`` in the load plan).
"""
from __future__ import annotations

import io
import zipfile

MAGIC = b"\0asm\1\0\0\0"
STUB_SECTION = b"explainer.module"  # its payload: the side module's file name, beside the wheel


def _leb(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def stub(module: bytes, file_name: str) -> bytes:
    """The stub of a side module: its header and first section (dylink.0), then the section naming the file."""
    if not module.startswith(MAGIC) or module[8] != 0:
        raise ValueError("not a WebAssembly side module with its dylink section first")
    size, start = _leb(module, 9)
    name_length, name_at = _leb(module, start)
    if module[name_at:name_at + name_length] not in (b"dylink.0", b"dylink"):
        raise ValueError("not a WebAssembly side module with its dylink section first")
    payload = _uleb(len(STUB_SECTION)) + STUB_SECTION + file_name.encode()
    return module[:start + size] + b"\0" + _uleb(len(payload)) + payload


def stub_path(data: bytes) -> str | None:
    """The file name a stub names (None: not a stub); bootstrap.js reads stubs the same way."""
    if not data.startswith(MAGIC) or len(data) < 10 or data[8] != 0:
        return None
    size, start = _leb(data, 9)
    at = start + size
    if at >= len(data) or data[at] != 0:
        return None
    _, at = _leb(data, at + 1)
    name_length, at = _leb(data, at)
    if data[at:at + name_length] != STUB_SECTION:
        return None
    return data[at + name_length:].decode()


def file_name(path: str) -> str:
    """The file a shared library of a wheel is written to: numpy/linalg/_umath_linalg.cpython-...so ->
    numpy.linalg._umath_linalg.wasm."""
    return path.split(".")[0].replace("/", ".") + ".wasm"


def split_wheel(wheel: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The wheel with each shared library replaced by its stub, and the libraries by their file name."""
    out, modules = io.BytesIO(), {}
    with zipfile.ZipFile(io.BytesIO(wheel)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(".so"):
                name = file_name(info.filename)
                modules[name] = data
                data = stub(data, name)
            zout.writestr(info, data)
    return out.getvalue(), modules
