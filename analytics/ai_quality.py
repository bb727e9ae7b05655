"""AI attribution quality: precision, recall (stratum-weighted, Wilson CIs) and labeller kappa per definition x sample x class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.ai_attribution import CLASSES, wilson
from analytics.series import AnalyticsInputError, require_columns

DEFINITIONS: tuple[str, ...] = ("broad", "strict")
SAMPLES: tuple[str, ...] = ("tune", "fresh_random", "population")
STRICT_CLASS = "ai_reason_stated"
SAMPLE_COLUMNS = ["sample", "stratum", "stratum_population", "label_a", "label_b", "strict_a", "strict_b",
                  "label_final", "strict_final", "frame_stratum", "source_event_id", "ai_attribution",
                  "ai_reason_stated"]
QUALITY_COLUMNS = ["definition", "sample", "class", "n", "labelled", "predicted", "true_positives",
                   "precision", "precision_ci_low", "precision_ci_high",
                   "recall", "recall_ci_low", "recall_ci_high", "kappa", "weighted"]


def cohen_kappa(a: pd.Series, b: pd.Series) -> float:
    """Cohen's kappa of two raters over the same items (NaN when there are none; 1.0 when both agree on one value)."""
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    if a.empty:
        return float("nan")
    observed = float((a == b).mean())
    values = set(a) | set(b)
    expected = sum(float((a == v).mean()) * float((b == v).mean()) for v in values)
    return 1.0 if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def _weights(rows: pd.DataFrame) -> pd.Series:
    """Inverse inclusion probability: the stratum's population over its labelled rows in the same sample."""
    sampled = rows.groupby(["sample", "stratum"])["stratum"].transform("size").astype(float)
    return pd.to_numeric(rows["stratum_population"], errors="coerce").astype(float) / sampled


def _share(hit: pd.Series, w: pd.Series) -> tuple[float, float, float]:
    """Weighted share of `hit`, with a 95% Wilson interval on the Kish effective size (Σw)²/Σw²."""
    total = float(w.sum())
    if hit.empty or total <= 0:
        return np.nan, np.nan, np.nan
    estimate = float((w * hit).sum() / total)
    n_eff = total ** 2 / float((w ** 2).sum())
    low, high = wilson(estimate * n_eff, n_eff)
    return estimate, float(low), float(high)


def _class_rows(rows: pd.DataFrame, w: pd.Series, definition: str, sample: str, weighted: bool) -> list[dict]:
    """One row per class of `definition` over the labelled `rows` (weights `w`)."""
    if definition == "broad":
        truth, pred, a, b, classes = rows["label_final"], rows["ai_attribution"], rows["label_a"], rows["label_b"], CLASSES
    else:
        truth, pred = rows["strict_final"].astype(bool), rows["ai_reason_stated"].astype(bool)
        a, b, classes = rows["strict_a"], rows["strict_b"], (STRICT_CLASS,)
    out = []
    for cls in classes:
        is_truth, is_pred = (truth == cls, pred == cls) if definition == "broad" else (truth, pred)
        both = is_truth & is_pred
        precision = _share(both[is_pred], w[is_pred])
        recall = _share(both[is_truth], w[is_truth])
        raters = rows[a.notna() & b.notna()]
        ra, rb = raters[a.name], raters[b.name]
        kappa = cohen_kappa(ra == cls, rb == cls) if definition == "broad" else cohen_kappa(
            ra.astype(bool), rb.astype(bool))
        out.append({"definition": definition, "sample": sample, "class": cls, "n": len(rows),
                    "labelled": int(is_truth.sum()), "predicted": int(is_pred.sum()),
                    "true_positives": int(both.sum()),
                    "precision": precision[0], "precision_ci_low": precision[1], "precision_ci_high": precision[2],
                    "recall": recall[0], "recall_ci_low": recall[1], "recall_ci_high": recall[2],
                    "kappa": kappa if sample != "population" else np.nan, "weighted": weighted})
    return out


def attribution_quality(sample: pd.DataFrame) -> pd.DataFrame:
    """`analytics.ai_attribution_quality`: one row per definition (broad | strict) x sample x class.

    - `tune`: the 200 rows the rules were written on, unweighted: in-sample, an upper bound on quality.
    - `fresh_random`: the 424 rows drawn at random after the definitions were declared, each weighted by its
      stratum's population over its labelled rows (strata: year x the rules' outcome at draw time).
    - `population`: every row with headline text, as three labelled parts that partition it: the tune
      sample's `ai_term` census (all rows with an AI word, weight 1), its 52 `no_ai_term` rows (weight 1,
      excluded from the fresh frame) and the fresh sample (its weights). Recall here counts the misses
      the rules cannot see, weighted to the whole population; kappa is not defined for it.
    Intervals are 95% Wilson on the Kish effective size; `n` is the labelled rows matched to the data.
    """
    require_columns(sample, SAMPLE_COLUMNS, "ai_attribution_sample")
    bad = sorted(set(sample["label_final"].dropna()) - set(CLASSES))
    if bad:
        raise AnalyticsInputError(f"ai_attribution_sample: unknown label {bad[0]!r} (expected one of {', '.join(CLASSES)})")
    bad = sorted(set(sample["sample"].dropna()) - set(SAMPLES[:2]))
    if bad:
        raise AnalyticsInputError(f"ai_attribution_sample: unknown sample {bad[0]!r} (expected tune or fresh_random)")
    rows = sample[sample["source_event_id"].notna() & sample["ai_attribution"].notna()].reset_index(drop=True)
    out: list[dict] = []
    if rows.empty:
        return pd.DataFrame(out, columns=QUALITY_COLUMNS)
    w = _weights(rows)
    tune = rows["sample"] == "tune"
    with_text = (~tune) | rows["frame_stratum"].isin(["ai_term", "no_ai_term"])
    parts = {"tune": (tune, pd.Series(1.0, index=rows.index), False),
             "fresh_random": (~tune, w, True),
             "population": (with_text, w.where(~tune, 1.0), True)}
    for definition in DEFINITIONS:
        for name, (mask, weights, weighted) in parts.items():
            if mask.any() and (name != "population" or (~tune).any()):
                out += _class_rows(rows[mask], weights[mask], definition, name, weighted)
    df = pd.DataFrame(out, columns=QUALITY_COLUMNS)
    return df.astype({"n": "int64", "labelled": "int64", "predicted": "int64", "true_positives": "int64"})
