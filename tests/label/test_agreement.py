"""Agreement of LLM labels with gold labels, against values computed by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.data.fake_data import ethics_rows, write_ethics, write_goemotions
from tests.label.conftest import write_rows

from redheart_lit.label.agreement import agreement, main
from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS

ADMIRATION, ANGER, NEUTRAL = 0, 2, 27


def bentham(value: float) -> dict[str, float]:
    return dict.fromkeys(BENTHAM_FACTORS, value)


def row(rid: str, cf: str | None = None, **labels: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rid, "text": f"text {rid}", "lang": "en", "labels": labels}
    if cf is not None:
        out["counterfactual"] = cf
    return out


GOLD = [
    row("r1", emotion=[ADMIRATION], acceptability=1, regret=0.2, bentham=bentham(0.5)),
    row("r2", emotion=[ADMIRATION, ANGER], acceptability=0, regret=0.8),
    row("r3", "cf3", emotion=[ANGER], acceptability=1, utility_pref=1),
    row("r4", "cf4", emotion=[NEUTRAL], acceptability=0, utility_pref=0),
]
PRED = [
    row("r1", emotion=[ADMIRATION], acceptability=1, regret=0.4, bentham=bentham(0.7)),
    row("r2", emotion=[ANGER], acceptability=1, regret=0.6),
    row("r3", "cf3", emotion=[ANGER, NEUTRAL], acceptability=1, utility_pref=1),
    # Another counterfactual than the gold's: its preference answers another question.
    row("r4", "other", emotion=[NEUTRAL], acceptability=0, utility_pref=1),
    row("r9", emotion=[ANGER]),  # not in the gold
]


@pytest.fixture
def report(tmp_path: Path) -> dict[str, Any]:
    gold = write_rows(tmp_path / "gold.jsonl", GOLD)
    pred = write_rows(tmp_path / "pred.jsonl", PRED)
    found = agreement([str(pred)], str(gold))
    return {"pred": found["pred"][str(pred)], "alpha": found["alpha"], "files": found["files"]}


def test_emotion_f1_and_kappa_by_hand(report: dict[str, Any]) -> None:
    emotion = report["pred"]["emotion"]
    per_label = emotion["per_label"]
    # admiration: gold 1100, pred 1000 -> tp 1, fn 1 -> F1 2/3; p_o 3/4, p_e 1/2 -> kappa 1/2.
    assert per_label["admiration"] == {
        "support": 2, "predicted": 1, "f1": pytest.approx(2 / 3), "kappa": pytest.approx(0.5),
    }  # fmt: skip
    # anger: 0110 on both sides.
    assert (per_label["anger"]["f1"], per_label["anger"]["kappa"]) == (1.0, 1.0)
    # neutral: gold 0001, pred 0011 -> tp 1, fp 1 -> F1 2/3; kappa 1/2.
    assert per_label["neutral"]["f1"] == pytest.approx(2 / 3)
    assert per_label["neutral"]["kappa"] == pytest.approx(0.5)
    # A label neither side uses: F1 0 (the project's convention), kappa undefined.
    assert (per_label["joy"]["f1"], per_label["joy"]["kappa"]) == (0.0, None)
    assert emotion["rows"] == 4
    assert emotion["macro_f1"] == pytest.approx((2 / 3 + 1 + 2 / 3) / 28)
    assert emotion["macro_f1_gold_labels"] == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    # Pooled: tp 4, fp 1, fn 1 -> 8 / 10.
    assert emotion["micro_f1"] == pytest.approx(0.8)
    assert emotion["mean_kappa"] == pytest.approx(2 / 3)


def test_acceptability_utility_regret_bentham_by_hand(report: dict[str, Any]) -> None:
    pred = report["pred"]
    # gold 1010, pred 1110: 3 of 4; p_o 3/4, p_e 1/2 -> kappa 1/2.
    assert pred["acceptability"] == {"rows": 4, "accuracy": 0.75, "kappa": pytest.approx(0.5)}
    assert pred["utility_pref"] == {"rows": 1, "other_counterfactual": 1, "pairwise_accuracy": 1.0}
    assert pred["regret"] == {"rows": 2, "mae": pytest.approx(0.2), "accuracy": 1.0}
    assert pred["bentham"]["rows"] == 1
    assert pred["bentham"]["mae"] == pytest.approx(0.2)
    assert pred["matched"] == 4
    assert list(report["files"]["pred"].values()) == [{"rows": 5, "ambiguous": 0}]


def test_krippendorff_alpha_by_hand(report: dict[str, Any]) -> None:
    alpha = report["alpha"]
    assert (alpha["annotators"], alpha["items"]) == (2, 4)
    # admiration: pairs (1,1) (1,0) (0,0) (0,0): n = 8 values, 3 ones and 5 zeros.
    # D_o = 2/8, D_e = 2*3*5 / (8*7) = 30/56 -> alpha = 1 - (2/8)/(30/56) = 8/15.
    assert alpha["emotion"]["per_label"]["admiration"] == pytest.approx(8 / 15)
    assert alpha["emotion"]["per_label"]["anger"] == pytest.approx(1.0)
    assert alpha["emotion"]["per_label"]["joy"] is None  # one value only: undefined
    # acceptability: pairs (1,1) (0,1) (1,1) (0,0): 5 ones, 3 zeros, 2 disagreeing -> 8/15.
    assert alpha["acceptability"] == pytest.approx(8 / 15)
    # regret (interval) on r1, r2: values 0.2/0.4 and 0.8/0.6. D_o = (2*0.04 + 2*0.04)/4
    # = 0.04; D_e = 2*(0.04+0.36+0.16+0.16+0.04+0.04)/(4*3) = 0.1333 -> alpha = 0.7.
    assert alpha["regret"] == pytest.approx(0.7)


def test_several_preds_are_annotators_of_alpha(tmp_path: Path) -> None:
    gold = write_rows(tmp_path / "gold.jsonl", GOLD)
    a = write_rows(tmp_path / "a.jsonl", PRED)
    b = write_rows(tmp_path / "b.jsonl", GOLD)  # a second "model" that matches the gold
    found = agreement([str(a), str(b)], str(gold))
    assert found["alpha"]["annotators"] == 3
    assert found["pred"][str(b)]["acceptability"]["accuracy"] == 1.0
    # Three coders, one of them off on r2: more agreement than gold vs a alone.
    assert found["alpha"]["acceptability"] > 8 / 15


def test_match_by_text_leaves_ambiguous_texts_out(tmp_path: Path) -> None:
    gold = write_rows(tmp_path / "gold.jsonl", [*GOLD, {**GOLD[0], "id": "r1-copy"}])
    pred = write_rows(tmp_path / "pred.jsonl", [{**r, "id": f"x{r['id']}"} for r in PRED])
    found = agreement([str(pred)], str(gold), match="text")
    assert found["files"]["gold"]["ambiguous"] == 1
    assert found["pred"][str(pred)]["matched"] == 3  # r2, r3, r4 by text


def test_goemotions_tsv_gold(tmp_path: Path) -> None:
    folder = write_goemotions(tmp_path / "en", {"dev": ["Thanks a lot!\t15", "Ugh.\t3,9"]})
    pred = write_rows(tmp_path / "pred.jsonl", [
        {"id": "goemotions-en/dev:1", "text": "Thanks a lot!", "lang": "en",
         "labels": {"emotion": [15]}},
        {"id": "goemotions-en/dev:2", "text": "Ugh.", "lang": "en", "labels": {"emotion": [3]}},
    ])  # fmt: skip
    found = agreement([str(pred)], str(folder / "dev.tsv"))
    emotion = found["pred"][str(pred)]["emotion"]
    # gratitude 1/1; annoyance 1/1; disappointment missed -> F1 0 with support 1.
    assert emotion["macro_f1_gold_labels"] == pytest.approx(2 / 3)
    assert emotion["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 1))


def test_ethics_csv_gold(tmp_path: Path) -> None:
    root = write_ethics(
        tmp_path / "ethics", "commonsense", {"test": ethics_rows("commonsense", 4, "t")}
    )
    path = root / "commonsense" / "cm_test.csv"
    # ETHICS commonsense label 1 = wrong -> acceptability 0: rows alternate 1, 0, 1, 0.
    pred = write_rows(tmp_path / "pred.jsonl", [
        {"id": f"ethics-commonsense/test:{i + 2}", "text": f"t scenario {i}, with a comma.",
         "lang": "en", "labels": {"acceptability": 1}}
        for i in range(4)
    ])  # fmt: skip
    found = agreement([str(pred)], str(path))
    assert found["pred"][str(pred)]["acceptability"]["accuracy"] == 0.5


def test_unknown_gold_format_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"expected project records \(.jsonl\)"):
        agreement([str(tmp_path / "p.jsonl")], str(tmp_path / "gold.parquet"))


def test_cli_prints_a_table_then_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = write_rows(tmp_path / "gold.jsonl", GOLD)
    pred = write_rows(tmp_path / "pred.jsonl", PRED)
    out = tmp_path / "report.json"
    main([f"pred={pred}", f"gold={gold}", f"out={out}"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == json.loads(out.read_text())
    text = "\n".join(lines[:-1])
    assert "emotion (4 rows): macro F1 0.083 (over the gold's labels 0.778)" in text
    assert "acceptability (4 rows): accuracy 0.750, kappa 0.500" in text
    assert len([line for line in lines if line.strip().split(" ")[0] in EMOTION_LABELS]) == 28
