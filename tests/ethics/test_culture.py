"""Cultural weights of the Bentham utility: the tables, the orchestrator, serve and predict."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from redheart_lit.cli import predict
from redheart_lit.ethics.culture import CULTURES, cultural_utility, multipliers
from redheart_lit.serving import ServeSettings
from redheart_lit.tasks.spec import BENTHAM_FACTORS, BENTHAM_UTILITY_SIGNS

# intensity .. self_damage = 0.1 .. 1.0; weights = the initial signs / 10.
FACTORS = np.arange(1, 11)[None, :] / 10
WEIGHTS = np.asarray(BENTHAM_UTILITY_SIGNS) / 10

# By hand, term by term (m_k * w_k * f_k), from the tables in ethics/culture.py:
# none:    .01+.02+.03+.04+.05+.06+.07 - .08 + .09 - .10                         = 0.19
# western: .012+.02+.033+.04+.05+.06+.063 - .096 + .081 - .08                    = 0.183
# eastern: .009+.022+.03+.036+.05+.066+.091 - .096 + .117 - .10                  = 0.225
# korean:  .009+.024+.03+.04+.05+.06+.084 - .104 + .099 - .13                    = 0.162
EXPECTED = {"none": 0.19, "western": 0.183, "eastern": 0.225, "korean": 0.162}


def test_the_four_cultures() -> None:
    assert CULTURES == ("none", "western", "eastern", "korean")


@pytest.mark.parametrize("culture", list(EXPECTED))
def test_hand_computed_utility(culture: str) -> None:
    (utility,) = cultural_utility(FACTORS, WEIGHTS, culture)
    assert utility == pytest.approx(EXPECTED[culture], abs=1e-12)


def test_none_is_the_unweighted_utility_exactly() -> None:
    rng = np.random.default_rng(0)
    factors, weights = rng.random((50, 10)), rng.normal(size=10)
    assert np.array_equal(cultural_utility(factors, weights, "none"), factors @ weights)
    assert np.array_equal(multipliers("none"), np.ones(10))


def test_no_multiplier_flips_a_sign() -> None:
    for culture in CULTURES:
        assert (multipliers(culture) > 0).all(), culture
    assert len(multipliers("korean")) == len(BENTHAM_FACTORS)


def test_an_unknown_culture_names_the_key() -> None:
    with pytest.raises(ValueError, match=r"culture='french' is not a known culture; choose one"):
        cultural_utility(FACTORS, WEIGHTS, "french")
    with pytest.raises(ValueError, match=r"serve\.culture='french'"):
        ServeSettings(culture="french")


# -- through the exported tiny model ----------------------------------------------------------


def analyse(bundle: Path, culture: str) -> dict:
    from redheart_lit.inference import ProductionConfig, ProductionOrchestrator

    orchestrator = ProductionOrchestrator(
        ProductionConfig(model_dir=str(bundle), cache_size=0, culture=culture)
    )
    weights = orchestrator.bundle.model.readouts["bentham"].utility_weights
    result = asyncio.run(orchestrator.process(text="I lied to my friend to spare her."))
    return result | {"weights": weights.detach().float().numpy()}


def test_orchestrator_reports_both_utilities(tiny_bundle: Path) -> None:
    plain = analyse(tiny_bundle, "none")["analysis"]["bentham"]
    assert plain["culture"] == {
        "name": "none",
        "utility": plain["utility"],
        "unweighted_utility": plain["utility"],
    }
    result = analyse(tiny_bundle, "korean")
    bentham = result["analysis"]["bentham"]
    factors = np.asarray([bentham["factors"][name] for name in BENTHAM_FACTORS])
    expected = float(factors @ (result["weights"] * multipliers("korean")))
    assert bentham["culture"]["name"] == "korean"
    # The factors in the result are rounded to 6 digits: 10 terms of |w| <= 1 off by 5e-7.
    assert bentham["culture"]["utility"] == pytest.approx(expected, abs=1e-5)
    assert bentham["culture"]["unweighted_utility"] == bentham["utility"] == plain["utility"]
    # Everything else is the same analysis.
    assert bentham["factors"] == plain["factors"]


def test_a_culture_per_request_overrides_the_configured_one(tiny_bundle: Path) -> None:
    from redheart_lit.inference import InputError, ProductionConfig, ProductionOrchestrator

    text = "I lied to my friend to spare her."
    configured = analyse(tiny_bundle, "korean")["analysis"]["bentham"]["culture"]
    orchestrator = ProductionOrchestrator(
        ProductionConfig(model_dir=str(tiny_bundle), cache_size=8, culture="none")
    )
    default = asyncio.run(orchestrator.process(text=text))["analysis"]["bentham"]
    korean = asyncio.run(orchestrator.process(text=text, culture="korean"))["analysis"]["bentham"]
    assert default["culture"]["name"] == "none"
    # Per request = configured on the server: the same numbers, from the cached analysis.
    assert korean["culture"] == configured
    assert orchestrator.cache_stats()["hits"] == 1
    assert korean["culture"]["unweighted_utility"] == default["utility"]
    # Different cultures of one text in one call; each answer reports its own.
    mixed = orchestrator.analyze_batch([text, text, text], ["western", None, "korean"])
    assert [r["analysis"]["bentham"]["culture"]["name"] for r in mixed] == [
        "western",
        "none",
        "korean",
    ]
    assert mixed[2]["analysis"]["bentham"]["culture"] == configured
    assert mixed[0]["analysis"]["bentham"]["culture"]["utility"] != configured["utility"]
    assert len({id(r["analysis"]["bentham"]) for r in mixed}) == 3  # no shared sections
    results = asyncio.run(orchestrator.process(texts=[text, "I kept it."], culture="eastern"))
    assert {r["analysis"]["bentham"]["culture"]["name"] for r in results} == {"eastern"}
    with pytest.raises(InputError, match=r"culture='martian' is not a known culture"):
        asyncio.run(orchestrator.process(text=text, culture="martian"))
    with pytest.raises(InputError, match="2 cultures for 1 texts"):
        orchestrator.analyze_batch([text], ["none", "none"])
    orchestrator.tasks = orchestrator.tasks - {"bentham"}  # as a model without the task
    with pytest.raises(InputError, match=r"culture='korean' reweights .* no bentham task"):
        asyncio.run(orchestrator.process(text=text, culture="korean"))
    assert orchestrator.check_request_culture("none") == "none"


def test_predict_takes_a_culture(tiny_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    predict.main([f"ckpt={tiny_bundle}", "text=I kept the change.", "culture=eastern"])
    out = json.loads(capsys.readouterr().out)
    assert out["analysis"]["bentham"]["culture"]["name"] == "eastern"
    with pytest.raises(SystemExit) as exit_info:
        predict.main([f"ckpt={tiny_bundle}", "text=x", "culture=martian"])
    assert exit_info.value.code == 2
    assert "culture='martian' is not a known culture" in capsys.readouterr().err


def test_serve_culture_reaches_the_orchestrator(monkeypatch: pytest.MonkeyPatch) -> None:
    import redheart_lit.inference as inference
    from redheart_lit.serving import main as serve_main

    monkeypatch.setattr(inference, "ProductionOrchestrator", lambda config, _modalities: config)
    config = serve_main.load_orchestrator(Path("bundle"), ServeSettings(culture="korean"))
    assert config.culture == "korean"  # type: ignore[attr-defined]
