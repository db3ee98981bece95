"""POST /v1/analyze and MCP with images, audio and biosignals: limits, errors naming the
field and item, and media work that never stalls text requests."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mcp import Client
from skimage import data
from tests.modalities.conftest import jpeg, tone
from tests.serving.fakes import FakeOrchestrator, fake_result
from tests.serving.harness import serving

from redheart_lit.modalities.base import ModalityError, ModalityResult
from redheart_lit.serving import ServeSettings
from redheart_lit.serving.mcp_tools import build_mcp_server
from redheart_lit.serving.request import MAX_IMAGE_BYTES
from redheart_lit.serving.service import AnalysisService

pytestmark = pytest.mark.anyio


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class FakeMultimodal(FakeOrchestrator):
    """Audio takes ``audio_s`` to 'decode'; a constant ECG and a huge image fail as the
    real encoders do. ``merge`` reports what it was given."""

    def __init__(self, audio_s: float = 0.0) -> None:
        super().__init__()
        self.audio_s = audio_s

    def encode_modalities(self, **inputs: Any) -> dict[str, ModalityResult]:
        if "audio" in inputs and self.audio_s:
            time.sleep(self.audio_s)
        ecg = (inputs.get("biosignals") or {}).get("ecg")
        if ecg is not None and np.ptp(ecg) == 0:
            raise ModalityError("biosignals.ecg", "is constant (no signal)")
        if inputs.get("audio") == b"long":
            raise ModalityError("audio", "lasts 31.0 s; the limit is 30 s", too_large=True)
        return {name: ModalityResult(name, {}, None, {"faces": 0}) for name in inputs}

    def merge(self, text_result: dict | None, modal: dict) -> dict:
        """A schema-valid result; ``analysis.emotion.modalities`` names what was given."""
        result = text_result if text_result is not None else fake_result("-", self.version)
        empty = {"estimate": None, "features": {}, "diagnostics": {}}
        result["analysis"]["emotion"]["modalities"] = {"fused": None} | dict.fromkeys(modal, empty)
        return result


async def test_slow_audio_decode_does_not_stall_text_requests() -> None:
    fake = FakeMultimodal(audio_s=1.5)
    async with serving(fake, max_wait_ms=1.0) as served:
        loop = asyncio.get_running_loop()
        done: dict[str, float] = {}

        async def post(name: str, body: dict) -> int:
            response = await served.client.post("/v1/analyze", json=body)
            done[name] = loop.time()
            return response.status_code

        start = loop.time()
        slow = asyncio.create_task(post("audio", {"text": "a", "audio": b64(b"wav")}))
        await asyncio.sleep(0.1)  # the audio is being decoded now
        assert await post("text", {"text": "b"}) == 200
        assert await slow == 200
    assert done["text"] - start < 1.0 < done["audio"] - start
    assert done["text"] < done["audio"]


async def test_items_merge_text_and_media_in_order() -> None:
    body = {
        "items": [
            {"text": "first", "image": b64(b"img")},
            {"audio": b64(b"wav")},
            {"text": "third"},
        ]
    }
    async with serving(FakeMultimodal()) as served:
        response = await served.client.post("/v1/analyze", json=body)
        stats = (await served.client.get("/v1/stats")).json()
    assert response.status_code == 200
    # The dashboard counts each item under what it carried.
    assert stats["modalities"] == {"text+image": 1, "audio": 1, "text": 1}
    results = response.json()["results"]
    given = [sorted(r["analysis"]["emotion"]["modalities"]) for r in results]
    assert given == [["fused", "image"], ["audio", "fused"], ["fused"]]
    # fake_result names its text as the encoder: "-" marks the item without text.
    assert [r["analysis"]["encoders"]["names"] for r in results] == [["first"], ["-"], ["third"]]


@pytest.mark.parametrize(
    ("body", "status", "code", "message", "index"),
    [
        (
            {"items": [{"text": "ok"}, {"biosignals": {"ecg": [1, 1, 1], "sampling_rate": 9}}]},
            422, "invalid_input", "items[1].biosignals.ecg: is constant", 1,
        ),
        ({"text": "x", "audio": b64(b"long")}, 413, "input_too_large", "audio: lasts 31.0 s", None),
        ({"items": [{"image": "not base64!"}]}, 422, "invalid_input", "items[0].image is not valid base64", 0),
        ({"image": b64(b"\0" * (MAX_IMAGE_BYTES + 1))}, 413, "input_too_large", "image is over", None),
        ({"items": [{"text": "a"}, {}]}, 422, "invalid_request", "items[1]: give text or", 1),
        ({"items": [{"text": "a", "video": "x"}]}, 422, "invalid_request", "unknown key(s) ['video']", 0),
        ({"text": "a", "biosignals": [1, 2]}, 422, "invalid_input", "biosignals must be an object", None),
        ({"items": [{"text": "   ", "image": b64(b"i")}]}, 422, "invalid_text", "items[0].text:", 0),
    ],
)  # fmt: skip
async def test_bad_media_name_the_field_and_item(
    body: dict, status: int, code: str, message: str, index: int | None
) -> None:
    async with serving(FakeMultimodal(), max_body_bytes=16 * 1024 * 1024) as served:
        response = await served.client.post("/v1/analyze", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert message in error["message"]
    assert error.get("index") == index


async def test_a_text_only_server_refuses_media() -> None:
    async with serving(FakeOrchestrator()) as served:
        response = await served.client.post("/v1/analyze", json={"text": "a", "image": b64(b"x")})
    assert response.status_code == 422
    assert "text only" in response.json()["error"]["message"]


async def test_mcp_tools_take_the_same_fields() -> None:
    service = AnalysisService(FakeMultimodal(), ServeSettings())
    await service.start()
    try:
        async with Client(build_mcp_server(service)) as client:
            one = await client.call_tool("analyze_text", {"image": b64(b"img")})
            many = await client.call_tool(
                "analyze_items", {"items": [{"text": "a", "audio": b64(b"wav")}]}
            )
            bad = await client.call_tool(
                "analyze_text", {"biosignals": {"ecg": [0, 0], "sampling_rate": 5}}
            )
    finally:
        await service.stop()
    assert not one.is_error
    assert not many.is_error
    assert bad.is_error
    assert "biosignals.ecg: is constant" in bad.content[0].text  # type: ignore[union-attr]


async def test_real_encoders_over_http(tiny_bundle: Path, fer_weights: Path) -> None:
    from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
    from redheart_lit.modalities import build_modalities

    encoders = build_modalities(
        {"image": {"kind": "fer", "weights": str(fer_weights)}, "audio": {"kind": "prosody"}}
    )
    orchestrator = ProductionOrchestrator(ProductionConfig(str(tiny_bundle)), encoders)
    body = {
        "items": [
            {"text": "What a lovely day.", "image": b64(jpeg(data.astronaut()))},
            {"image": b64(jpeg(data.coffee())), "audio": b64(tone(250, 0.4))},
        ]
    }
    async with serving(orchestrator, max_body_bytes=16 * 1024 * 1024) as served:  # type: ignore[arg-type]
        ok = await served.client.post("/v1/analyze", json=body)
        broken = await served.client.post(
            "/v1/analyze", json={"items": [{"text": "a"}, {"image": b64(b"\xff\xd8\xff no")}]}
        )
        no_bio = await served.client.post(
            "/v1/analyze", json={"biosignals": {"ecg": [1, 2], "sampling_rate": 5}}
        )
    assert ok.status_code == 200, ok.text
    first, second = ok.json()["results"]
    assert first["analysis"]["emotion"]["modalities"]["image"]["diagnostics"]["faces"] == 1
    assert second["analysis"]["emotion"]["modalities"]["image"]["diagnostics"]["faces"] == 0
    assert second["analysis"]["emotion"]["modalities"]["image"]["estimate"] is None
    assert second["analysis"]["encoders"] is None
    assert broken.status_code == 422
    assert broken.json()["error"]["index"] == 1
    assert "items[1].image: not a decodable image" in broken.json()["error"]["message"]
    assert no_bio.status_code == 422
    assert "biosignals input needs a" in no_bio.json()["error"]["message"]


async def test_faces_of_concurrent_requests_share_one_classifier_call(fer_weights: Path) -> None:
    from types import SimpleNamespace

    from PIL import Image

    from redheart_lit.modalities.image import ImageConfig, ImageEncoder
    from redheart_lit.serving.request import build_request

    encoder = ImageEncoder(ImageConfig(weights=str(fer_weights)))
    face = data.astronaut()
    images = [jpeg(face), jpeg(np.asarray(Image.fromarray(face).transpose(Image.FLIP_LEFT_RIGHT)))]
    alone = [encoder.encode(image) for image in images]  # no server: one call each
    seen: list[ModalityResult] = []

    class WithImage(FakeMultimodal):
        modalities = SimpleNamespace(image=encoder)

        def encode_modalities(self, **inputs: Any) -> dict[str, ModalityResult]:
            result = encoder.encode(inputs["image"])
            seen.append(result)
            return {"image": result}

    # A batch closes at 2 faces or after 5 s: the two requests' faces go in one call.
    service = AnalysisService(WithImage(), ServeSettings(max_batch_size=2, max_wait_ms=5000.0))
    await service.start()
    try:
        requests = [build_request({"image": b64(image)}, max_texts=4) for image in images]
        await asyncio.gather(*(service.analyze(r) for r in requests))
    finally:
        await service.stop()
    assert service.face_batch_sizes() == [2]
    assert encoder.classify == encoder.logits  # handed back on stop
    by_size = sorted(seen, key=lambda r: r.diagnostics["boxes"][0][0])
    expected = sorted(alone, key=lambda r: r.diagnostics["boxes"][0][0])
    for batched, single in zip(by_size, expected, strict=True):
        assert batched.diagnostics == single.diagnostics
        assert batched.estimate is not None
        assert single.estimate is not None
        assert batched.estimate.ekman == pytest.approx(single.estimate.ekman, abs=1e-6)
        assert batched.estimate.confidence == pytest.approx(single.estimate.confidence, abs=1e-6)


async def test_without_batching_faces_are_classified_per_request(fer_weights: Path) -> None:
    from types import SimpleNamespace

    from redheart_lit.modalities.image import ImageConfig, ImageEncoder

    encoder = ImageEncoder(ImageConfig(weights=str(fer_weights)))
    fake = FakeMultimodal()
    fake.modalities = SimpleNamespace(image=encoder)  # type: ignore[attr-defined]
    service = AnalysisService(fake, ServeSettings(batching=False))
    await service.start()
    await service.stop()
    assert service.face_batch_sizes() == []
    assert encoder.classify == encoder.logits
