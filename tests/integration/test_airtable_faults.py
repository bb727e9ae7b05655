"""layoffs.fyi's Airtable flow under faults: expired policy, changed page, renamed column, HTML for JSON, no rows."""

from __future__ import annotations

import hashlib
import json

import pytest

from ingestion.core import FetchError, SchemaError
from tests.support.airtable_site import EMBED, VIEW, Site

from .conftest import fast_client, ingest_in_process

pytestmark = pytest.mark.fault


@pytest.fixture
def site(http_server, serve_dataset):
    """The local tracker site, with layoffs_fyi's URL pointed at its home page."""
    served = Site(http_server)
    serve_dataset("layoffs_fyi", served.home_url)
    return served


def view_with(edit) -> bytes:
    view = json.loads(VIEW)
    edit(view["data"]["table"])
    return json.dumps(view).encode()


def refused(fault_home, exc_type, *needles: str) -> str:
    """Ingest layoffs_fyi, expect `exc_type`; its message is one line holding every needle; warehouse untouched."""
    with pytest.raises(exc_type) as info:
        ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client(total_retries=0))
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    for needle in needles:
        assert needle in message, message
    fault_home.assert_published_unchanged()
    return message


def assert_complete_new_snapshot(fault_home, raw_before: dict[str, str], view: bytes) -> None:
    """Exactly one new snapshot was stored, whole: the JSON, its sidecar and the embed page, hashes matching."""
    added = {path: sha for path, sha in fault_home.raw_files().items() if path not in raw_before}
    names = sorted(path.rsplit("/", 1)[1] for path in added)
    assert names == ["layoffs_fyi_airtable.json", "layoffs_fyi_airtable.json.json", "layoffs_fyi_airtable_embed.html"]
    [sidecar_path] = [p for p in added if p.endswith(".json.json")]
    sidecar = json.loads((fault_home.raw / sidecar_path).read_text())
    assert sidecar["sha256"] == hashlib.sha256(view).hexdigest() == added[sidecar_path[: -len(".json")]]
    assert sidecar["attachments"][0]["sha256"] == hashlib.sha256(EMBED).hexdigest()
    assert {p: s for p, s in fault_home.raw_files().items() if p in raw_before} == raw_before


def test_expired_access_policy_403_is_one_line_and_nothing_is_stored(fault_home, site):
    site.add_home()
    site.add_embed()
    site.add_view(b'{"error":{"type":"INVALID_PERMISSIONS","message":"expired"}}', status=403)
    raw_before = fault_home.raw_files()
    message = refused(fault_home, FetchError, "HTTP 403", "signed access policy", "expires 2026-12-01",
                      "may have expired or the share id changed", site.embed_url)
    assert "accessPolicy" not in message  # the long signed query is not dumped into the line
    assert fault_home.raw_files() == raw_before


def test_embed_page_without_url_with_params_is_layout_changed(fault_home, site):
    site.add_home()
    site.add_embed(b"<!doctype html><html><head><script>var headers = {};</script></head><body>Sign in</body></html>")
    raw_before = fault_home.raw_files()
    refused(fault_home, FetchError, f"embed page {site.embed_url} has no readSharedViewData urlWithParams",
            "layout changed")
    assert fault_home.raw_files() == raw_before


@pytest.mark.parametrize("content_type, needle", [
    ("text/html; charset=utf-8", "content type 'text/html; charset=utf-8' is neither JSON nor MessagePack"),
    ("application/json", "expected Airtable shared-view JSON, found an HTML page"),
])
def test_html_where_json_was_expected_is_one_line_and_nothing_is_stored(fault_home, site, content_type, needle):
    site.add_home()
    site.add_embed()
    site.add_view(b"<!DOCTYPE html><html><body>Please sign in to Airtable</body></html>", {"Content-Type": content_type})
    raw_before = fault_home.raw_files()
    message = refused(fault_home, FetchError, needle, "/readSharedViewData")
    assert "accessPolicy" not in message
    assert fault_home.raw_files() == raw_before


def test_renamed_column_is_a_schema_error_naming_it_and_the_snapshot_is_whole(fault_home, site):
    body = view_with(lambda table: table["columns"][2].update(name="Headcount Cut"))
    site.add_home()
    site.add_embed()
    site.add_view(body)
    raw_before = fault_home.raw_files()
    refused(fault_home, SchemaError, "layoffs_fyi: missing column '# Laid Off' (the view has 12 columns)")
    assert_complete_new_snapshot(fault_home, raw_before, body)


def test_empty_rows_array_is_refused_and_the_published_table_keeps_its_rows(fault_home, site):
    before = fault_home.counts("layoffs_fyi")
    body = view_with(lambda table: table["rows"].clear())
    site.add_home()
    site.add_embed()
    site.add_view(body)
    raw_before = fault_home.raw_files()
    refused(fault_home, SchemaError, "layoffs_fyi: the shared view returned no rows")
    assert fault_home.counts("layoffs_fyi") == before and before[0] > 0
    assert_complete_new_snapshot(fault_home, raw_before, body)


def test_bad_rows_are_rejects_not_losses_when_the_view_loads(fault_home, site):
    def edit(table):
        table["rows"][1]["cellValuesByColumnId"]["fldIndustry000001"] = "selIndGone0000001"
        table["rows"][2]["cellValuesByColumnId"]["fldLaidOff0000001"] = -3

    body = view_with(edit)
    site.add_home()
    site.add_embed()
    site.add_view(body)
    outcome = ingest_in_process(fault_home.home, "layoffs_fyi", client=fast_client())
    in_view = len(json.loads(body)["data"]["table"]["rows"])
    assert fault_home.counts("layoffs_fyi") == (in_view - 2, 2) and outcome.load.input_rows == in_view
    assert fault_home.query("SELECT line_number, reason FROM staging.rejects WHERE source = 'layoffs_fyi' "
                            "ORDER BY line_number") == [
        (3, "Industry: unknown choice id 'selIndGone0000001'"), (4, "total_laid_off: negative count")]
