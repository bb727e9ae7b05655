"""Company view: alias matching between layoff companies and Epoch organisations."""

import pandas as pd
import pytest

from analytics.company import (
    AnalyticsInputError, company_layoffs_vs_releases, load_aliases, normalise_name, validate_aliases,
)


def _events():
    rows = [
        ("2023-01-10", "Meta", 11000), ("2023-03-14", "Meta Platforms, Inc.", None), ("2022-11-09", "meta ", 500),
        ("2023-01-20", "Google", 12000), ("2022-06-01", "Acme Rockets", 40), ("2023-02-01", "Microsoft", 10000),
        ("2023-04-01", "MetaMind", 15),
    ]
    return pd.DataFrame(rows, columns=["event_date", "company", "laid_off"]).assign(
        event_date=lambda d: pd.to_datetime(d["event_date"]), laid_off=lambda d: d["laid_off"].astype("Int64"))


def _models():
    rows = [
        ("notable", "M1", "Meta AI", "2023-02-24"), ("notable", "M2", "Facebook AI Research", "2023-05-01"),
        ("notable", "M3", "Google DeepMind,Google Brain", "2023-07-01"), ("notable", "M4", "Acme Rockets", "2023-01-01"),
        ("notable", "M5", "MetaMind Inc", "2023-01-01"), ("notable", "M6", "Meta AI", "2019-05-01"),
        ("all", "M7", "Meta AI", "2023-06-01"), ("notable", "M8", "Meta AI,New York University", "2022-08-01"),
    ]
    return pd.DataFrame(rows, columns=["dataset", "model", "organization", "publication_date"]).assign(
        publication_date=lambda d: pd.to_datetime(d["publication_date"]))


def _aliases():
    return pd.DataFrame([
        ("Meta", "layoffs", "Meta"), ("Meta", "layoffs", "Meta Platforms"), ("Meta", "epoch", "Meta AI"),
        ("Meta", "epoch", "Facebook AI Research"), ("Google", "layoffs", "Google"), ("Google", "epoch", "Google DeepMind"),
        ("Google", "epoch", "Google Brain"), ("Microsoft", "layoffs", "Microsoft"), ("Microsoft", "epoch", "Microsoft Research"),
    ], columns=["canonical_org", "side", "name"]).assign(version="test-7")


def test_aliases_join_meta_and_google_and_leave_others_out():
    out = company_layoffs_vs_releases(_events(), _models(), _aliases(), models_through="2023-12-31")
    assert list(out.columns) == ["org", "year", "layoff_events", "layoff_events_unknown_count", "laid_off",
                                 "models_released", "layoff_and_model_same_year", "alias_version"]
    assert set(out["org"]) == {"Meta", "Google"}           # Acme Rockets: no alias; Microsoft: no models
    meta = out[out["org"] == "Meta"].set_index("year")
    assert meta.loc[2023, "layoff_events"] == 2             # "Meta" and "Meta Platforms, Inc."
    assert meta.loc[2023, "layoff_events_unknown_count"] == 1
    assert meta.loc[2023, "laid_off"] == 11000
    assert meta.loc[2023, "models_released"] == 2           # Meta AI + FAIR; the 'all' dataset row is ignored
    assert meta.loc[2022, "layoff_events"] == 1 and meta.loc[2022, "models_released"] == 1  # multi-org model
    assert 2019 not in meta.index                           # outside the layoff window (2022-2023)
    google = out[out["org"] == "Google"].set_index("year")
    assert google.loc[2023, "models_released"] == 1         # DeepMind + Brain on one model count once
    assert (out["alias_version"] == "test-7").all()


def test_metamind_is_not_meta():
    assert normalise_name("MetaMind Inc") == "metamind"
    assert normalise_name("Meta Platforms, Inc.") == "meta platforms"
    assert normalise_name("  Samsung R&D Institute ") == "samsung r and d institute"


def test_conflicting_alias_is_rejected_with_line_number():
    bad = pd.concat([_aliases(), pd.DataFrame([("Other", "epoch", "meta ai", "test-7")],
                                              columns=["canonical_org", "side", "name", "version"])])
    with pytest.raises(AnalyticsInputError, match=r"line 11: 'meta ai' \(epoch\) maps to both 'Meta' and 'Other'"):
        validate_aliases(bad.reset_index(drop=True))
    with pytest.raises(AnalyticsInputError, match="side must be one of"):
        validate_aliases(_aliases().assign(side="layoff"))


def test_shipped_alias_table_is_versioned_and_covers_the_big_orgs(tmp_path):
    aliases = load_aliases()
    assert aliases["version"].nunique() == 1 and aliases["version"].iloc[0]
    orgs = set(aliases["canonical_org"])
    for org in ("Meta", "Google", "Microsoft", "Amazon", "NVIDIA", "Baidu", "Alibaba", "Tencent", "ByteDance"):
        assert org in orgs
    meta_epoch = set(aliases[(aliases["canonical_org"] == "Meta") & (aliases["side"] == "epoch")]["name"])
    assert {"Meta AI", "Facebook AI Research"} <= meta_epoch
    unversioned = tmp_path / "a.csv"
    unversioned.write_text("canonical_org,side,name\nMeta,epoch,Meta AI\n", encoding="utf-8")
    with pytest.raises(AnalyticsInputError, match="missing '# version"):
        load_aliases(unversioned)


def test_while_shipping_needs_a_layoff_and_a_model_in_the_same_year():
    events = pd.DataFrame({"event_date": pd.to_datetime(["2022-03-01", "2023-05-01", "2023-06-01"]),
                           "company": ["Google", "Meta", "Meta"], "laid_off": pd.array([100, None, None], "Int64")})
    models = pd.DataFrame({"dataset": "notable", "model": ["G1", "M1"], "organization": ["Google DeepMind", "Meta AI"],
                           "publication_date": pd.to_datetime(["2023-02-01", "2023-09-01"])})
    out = company_layoffs_vs_releases(events, models, _aliases(), models_through="2024-06-30")
    assert set(out["org"]) == {"Meta"}       # Google laid off in 2022, shipped in 2023: never both in one year
    meta = out.set_index("year").loc[2023]
    assert bool(meta["layoff_and_model_same_year"]) and meta["models_released"] == 1
    assert pd.isna(meta["laid_off"])          # both events lack a count: unknown, not 0


def test_years_the_model_list_does_not_cover_are_unknown():
    events = pd.DataFrame({"event_date": pd.to_datetime(["2023-01-10", "2024-02-01", "2025-02-01"]),
                           "company": ["Meta", "Meta", "Meta"], "laid_off": pd.array([10, 20, 30], "Int64")})
    models = pd.DataFrame({"dataset": "notable", "model": ["M1", "M2"], "organization": "Meta AI",
                           "publication_date": pd.to_datetime(["2023-03-01", "2024-03-14"])})
    out = company_layoffs_vs_releases(events, models, _aliases()).set_index("year")
    # the list's data run through 2024-03-14: 2024 is only partly covered and 2025 not at all
    assert out.loc[2023, "models_released"] == 1
    assert pd.isna(out.loc[2024, "models_released"]) and pd.isna(out.loc[2025, "models_released"])
    assert out.loc[2025, "laid_off"] == 30 and not out.loc[2025, "layoff_and_model_same_year"]
    full = company_layoffs_vs_releases(events, models, _aliases(), models_through="2024-12-31").set_index("year")
    assert full.loc[2024, "models_released"] == 1 and pd.isna(full.loc[2025, "models_released"])


def test_shipped_aliases_join_sea_and_toshiba_labs():
    aliases = load_aliases()
    epoch = aliases[aliases["side"] == "epoch"].set_index("key")["canonical_org"]
    layoffs = aliases[aliases["side"] == "layoffs"].set_index("key")["canonical_org"]
    assert epoch[normalise_name("Sea AI Lab")] == layoffs[normalise_name("Sea")] == "Sea"
    assert epoch[normalise_name("Toshiba Cambridge Research Laboratory")] == layoffs["toshiba"] == "Toshiba"
    assert aliases["version"].iloc[0] == "2026.2"
