"""How far LLM labels agree with human ones: ``python -m redheart_lit.label.agreement``.

    python -m redheart_lit.label.agreement pred=labelled.jsonl gold=GOLD [match=id] [out=FILE]

``gold`` is project JSONL, a GoEmotions split TSV or an ETHICS split CSV (``gold.py``).
``pred`` is one labelled file, or several separated by commas (several LLM runs or
models). Rows are matched by ``id`` (or by ``text`` with ``match=text``; a text that
occurs twice in a file matches nothing and is counted as ambiguous). Each label is scored
on the rows where both sides have it:

* emotion: F1 per label, macro and micro F1 (``evaluation.classification``: a label
  with no positive on either side scores 0 and counts in the macro average, so the macro
  over the labels the gold uses is given too), and Cohen's kappa per label;
* acceptability: accuracy and kappa; utility_pref: pairwise accuracy, on rows whose
  counterfactual is the same on both sides (a preference against another counterfactual
  answers another question); regret: MAE and accuracy at 0.5; bentham: MAE per factor;
* Krippendorff's alpha over every annotator (the gold and each pred): nominal for
  emotion labels and acceptability, interval for regret and the Bentham factors.

``docs/labelling.md`` says how to read the numbers. Prints a table, then the report as one
JSON object on the last line of stdout (NaN, an undefined value, becomes null).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np

from redheart_lit.data.schema import Record, load_jsonl
from redheart_lit.evaluation.classification import (
    binary_accuracy,
    cohen_kappa,
    f1_per_label,
    mean_absolute_error,
    micro_f1,
)
from redheart_lit.label.gold import read_gold
from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS

Indexed = dict[str, Record]


def index(records: list[Record], match: str) -> tuple[Indexed, int]:
    """Records by match key, and how many keys occurred more than once (left out)."""
    by_key: dict[str, list[Record]] = {}
    for record in records:
        by_key.setdefault(record.id if match == "id" else record.text, []).append(record)
    unique = {key: found[0] for key, found in by_key.items() if len(found) == 1}
    return unique, len(by_key) - len(unique)


def _both(pred: Indexed, gold: Indexed, label: str) -> list[str]:
    """Keys (in gold order) whose records carry ``label`` on both sides."""
    return [
        k for k, g in gold.items() if label in g.labels and k in pred and label in pred[k].labels
    ]


def _values(index: Indexed, keys: list[str], label: str) -> np.ndarray:
    return np.array([index[k].labels[label] for k in keys], dtype=float)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def emotion_scores(pred: Indexed, gold: Indexed) -> dict[str, Any] | None:
    keys = _both(pred, gold, "emotion")
    if not keys:
        return None
    predicted, targets = _values(pred, keys, "emotion") >= 0.5, _values(gold, keys, "emotion")
    f1 = f1_per_label(predicted, targets)
    kappa = cohen_kappa(predicted, targets)
    support = targets.sum(0)
    defined = kappa[~np.isnan(kappa)]
    return {
        "rows": len(keys),
        "macro_f1": float(f1.mean()),
        "macro_f1_gold_labels": float(f1[support > 0].mean()) if (support > 0).any() else None,
        "micro_f1": micro_f1(predicted, targets),
        "mean_kappa": float(defined.mean()) if len(defined) else None,
        "per_label": {
            name: {
                "support": int(support[i]),
                "predicted": int(predicted[:, i].sum()),
                "f1": float(f1[i]),
                "kappa": _number(kappa[i]),
            }
            for i, name in enumerate(EMOTION_LABELS)
        },
    }


def binary_scores(pred: Indexed, gold: Indexed, label: str) -> dict[str, Any] | None:
    keys = _both(pred, gold, label)
    if not keys:
        return None
    p, g = _values(pred, keys, label), _values(gold, keys, label)
    return {
        "rows": len(keys),
        "accuracy": binary_accuracy(p, g),
        "kappa": _number(cohen_kappa(p, g)[0]),
    }


def utility_scores(pred: Indexed, gold: Indexed) -> dict[str, Any] | None:
    keys = _both(pred, gold, "utility_pref")
    if not keys:
        return None
    same = [k for k in keys if pred[k].counterfactual == gold[k].counterfactual]
    result: dict[str, Any] = {"rows": len(same), "other_counterfactual": len(keys) - len(same)}
    if same:
        p, g = _values(pred, same, "utility_pref"), _values(gold, same, "utility_pref")
        # The training metric utility_pair_acc is the same: does the pair's order agree?
        result["pairwise_accuracy"] = binary_accuracy(p, g)
    return result


def regret_scores(pred: Indexed, gold: Indexed) -> dict[str, Any] | None:
    keys = _both(pred, gold, "regret")
    if not keys:
        return None
    p, g = _values(pred, keys, "regret"), _values(gold, keys, "regret")
    return {"rows": len(keys), "mae": mean_absolute_error(p, g), "accuracy": binary_accuracy(p, g)}


def bentham_scores(pred: Indexed, gold: Indexed) -> dict[str, Any] | None:
    keys = _both(pred, gold, "bentham")
    if not keys:
        return None
    p, g = _values(pred, keys, "bentham"), _values(gold, keys, "bentham")
    return {
        "rows": len(keys),
        "mae": mean_absolute_error(p, g),
        "per_factor": {
            name: mean_absolute_error(p[:, i], g[:, i]) for i, name in enumerate(BENTHAM_FACTORS)
        },
    }


def pair_report(pred: Indexed, gold: Indexed) -> dict[str, Any]:
    """One pred file against the gold, label by label (None: no row has it on both sides)."""
    return {
        "matched": sum(k in pred for k in gold),
        "emotion": emotion_scores(pred, gold),
        "acceptability": binary_scores(pred, gold, "acceptability"),
        "utility_pref": utility_scores(pred, gold),
        "regret": regret_scores(pred, gold),
        "bentham": bentham_scores(pred, gold),
    }


def alpha(data: np.ndarray, level: str) -> float | None:
    """Krippendorff's alpha of ``[annotators, items]`` (NaN = no annotation); None when
    undefined (fewer than two values in all, or no item annotated twice)."""
    pairable = (~np.isnan(data)).sum(0) >= 2
    if not pairable.any() or len(np.unique(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
        return None
    return _number(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def _matrix(annotators: list[Indexed], keys: list[str], label: str, column: int | None) -> Any:
    rows = []
    for index_ in annotators:
        row = []
        for key in keys:
            record = index_.get(key)
            if record is None or label not in record.labels:
                row.append(np.nan)
            else:
                value = record.labels[label]
                row.append(value[column] if column is not None else value)
        rows.append(row)
    return np.array(rows, dtype=float)


def alpha_report(annotators: list[Indexed]) -> dict[str, Any]:
    """Krippendorff's alpha per label over every annotator, on the gold's items."""
    keys = [k for k in annotators[0] if any(k in other for other in annotators[1:])]
    emotion = {
        name: alpha(_matrix(annotators, keys, "emotion", i), "nominal")
        for i, name in enumerate(EMOTION_LABELS)
    }
    defined = [a for a in emotion.values() if a is not None]
    return {
        "annotators": len(annotators),
        "items": len(keys),
        "emotion": {
            "mean": float(np.mean(defined)) if defined else None,
            "per_label": emotion,
        },
        "acceptability": alpha(_matrix(annotators, keys, "acceptability", None), "nominal"),
        "regret": alpha(_matrix(annotators, keys, "regret", None), "interval"),
        "bentham": {
            name: alpha(_matrix(annotators, keys, "bentham", i), "interval")
            for i, name in enumerate(BENTHAM_FACTORS)
        },
    }


def agreement(
    pred_paths: list[str], gold_path: str, match: str = "id", lang: str = "en"
) -> dict[str, Any]:
    """The whole report: gold and pred row counts, each pred against the gold, and alpha."""
    if match not in ("id", "text"):
        raise ValueError(f"match={match!r}; use 'id' or 'text'")
    gold, gold_ambiguous = index(read_gold(gold_path, lang), match)
    preds: dict[str, Indexed] = {}
    files: dict[str, Any] = {
        "gold": {"path": gold_path, "rows": len(gold), "ambiguous": gold_ambiguous},
        "pred": {},
    }
    for path in pred_paths:
        preds[path], ambiguous = index(load_jsonl(path), match)
        files["pred"][path] = {"rows": len(preds[path]), "ambiguous": ambiguous}
    return {
        "match": match,
        "files": files,
        "pred": {path: pair_report(found, gold) for path, found in preds.items()},
        "alpha": alpha_report([gold, *preds.values()]),
    }


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def render(report: dict[str, Any]) -> str:
    """The report as a few readable lines and one table of emotion labels per pred."""
    out = []
    gold = report["files"]["gold"]
    out.append(f"gold {gold['path']}: {gold['rows']} rows ({gold['ambiguous']} ambiguous left out)")
    alphas = report["alpha"]
    for path, found in report["pred"].items():
        out.append(f"\npred {path}: {found['matched']} rows matched by {report['match']}")
        emotion = found["emotion"]
        if emotion:
            out.append(
                f"emotion ({emotion['rows']} rows): macro F1 {_fmt(emotion['macro_f1'])} "
                f"(over the gold's labels {_fmt(emotion['macro_f1_gold_labels'])}), "
                f"micro F1 {_fmt(emotion['micro_f1'])}, mean kappa {_fmt(emotion['mean_kappa'])}"
            )
            out.append(f"  {'label':<15}{'gold':>6}{'pred':>6}{'F1':>7}{'kappa':>7}{'alpha':>7}")
            for name, row in emotion["per_label"].items():
                a = alphas["emotion"]["per_label"][name]
                out.append(
                    f"  {name:<15}{row['support']:>6}{row['predicted']:>6} {_fmt(row['f1'])}"
                    f"  {_fmt(row['kappa'])}  {_fmt(a)}"
                )
        if found["acceptability"]:
            acc = found["acceptability"]
            out.append(
                f"acceptability ({acc['rows']} rows): accuracy {_fmt(acc['accuracy'])}, "
                f"kappa {_fmt(acc['kappa'])}"
            )
        if found["utility_pref"]:
            util = found["utility_pref"]
            out.append(
                f"utility_pref ({util['rows']} rows with the gold's counterfactual): pairwise "
                f"accuracy {_fmt(util.get('pairwise_accuracy'))}"
            )
        if found["regret"]:
            reg = found["regret"]
            out.append(
                f"regret ({reg['rows']} rows): MAE {_fmt(reg['mae'])}, "
                f"accuracy at 0.5 {_fmt(reg['accuracy'])}"
            )
        if found["bentham"]:
            ben = found["bentham"]
            out.append(f"bentham ({ben['rows']} rows): MAE {_fmt(ben['mae'])}")
    out.append(
        f"\nKrippendorff's alpha over {alphas['annotators']} annotators, {alphas['items']} "
        f"items: emotion mean {_fmt(alphas['emotion']['mean'])}, acceptability "
        f"{_fmt(alphas['acceptability'])}, regret {_fmt(alphas['regret'])}"
    )
    return "\n".join(out)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, sort_keys=True, allow_nan=False)


@dataclass
class AgreementArgs:
    pred: str = "???"
    gold: str = "???"
    match: str = "id"
    lang: str = "en"
    out: str = ""


USAGE = (
    "usage: python -m redheart_lit.label.agreement pred=LABELLED.jsonl[,MORE.jsonl] gold=GOLD "
    "[match=id|text] [lang=en] [out=REPORT.json]\n"
    "GOLD: project .jsonl, a GoEmotions <split>.tsv (labels.txt beside it) or an ETHICS "
    "<task>/<prefix>_<split>.csv. See docs/labelling.md."
)


def main(argv: Sequence[str] | None = None) -> None:
    from redheart_lit.cli.dotlist import parse

    args = parse(AgreementArgs, sys.argv[1:] if argv is None else argv, USAGE)
    report = agreement(args.pred.split(","), args.gold, args.match, args.lang)
    line = to_json(report)
    if args.out:
        Path(args.out).write_text(line + "\n", encoding="utf-8")
    print(render(report))
    # Last line of stdout, for scripts.
    print(line, flush=True)


if __name__ == "__main__":
    main()
