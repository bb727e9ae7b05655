"""ingestion.airtable (pure): embed-page discovery, request headers, and the shared-view JSON read as text rows."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ingestion import airtable
from ingestion.core import SchemaError
from tests.support.airtable_site import page_data_path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "layoffs_fyi"
EMBED = (FIXTURES / "airtable_embed.html").read_text(encoding="utf-8")
HOME = (FIXTURES / "layoffs_fyi_home.html").read_text(encoding="utf-8")
VIEW = json.loads((FIXTURES / "airtable_view.json").read_text(encoding="utf-8"))


def view_bytes(view: dict) -> bytes:
    return json.dumps(view).encode()


# -- embed page ----------------------------------------------------------------------------------
def test_shared_view_url_is_decoded_and_resolved_against_the_page():
    url = airtable.find_shared_view_url(EMBED, "http://127.0.0.1:8123/embed/shrInvented0View1?viewControls=on")
    assert url == "http://127.0.0.1:8123" + page_data_path()
    assert url.startswith("http://127.0.0.1:8123/v0.3/view/viwInvented0Grid1/readSharedViewData?")
    assert "&requestId=reqInvented0Req01&accessPolicy=%7B" in url  # \u0026 decoded, the rest untouched
    # the metadata prefetch that comes first in the page is not a readSharedViewData URL
    assert "readForSharedPages" not in url


def test_shared_view_url_variants_and_absence():
    page = 'x = {"urlWithParams": "https:\\/\\/mirror.example\\/v0.3\\/view\\/viwA\\/readSharedViewData?a=1\\x26b=2"};'
    assert airtable.find_shared_view_url(page, "https://airtable.com/embed/shrX") == \
        "https://mirror.example/v0.3/view/viwA/readSharedViewData?a=1&b=2"
    assert airtable.find_shared_view_url("<html><script>var a = 1;</script></html>", "https://a.example/") is None
    broken = 'urlWithParams: "\\u00ZZ\\u002FreadSharedViewData"'
    assert airtable.find_shared_view_url(broken, "https://a.example/") is None


def test_access_policy_expiry_and_application_id():
    data_url = "https://airtable.com" + page_data_path()
    policy = airtable.access_policy(data_url)
    assert policy["shareId"] == "shrInvented0View1"
    assert airtable.policy_expiry(data_url).isoformat() == "2026-12-01T00:00:00+00:00"
    assert airtable.find_application_id(EMBED, "https://airtable.com/embed/shrInvented0View1", data_url) == \
        "appInvented0Base1"
    # without the page's headers: the policy's applicationId, then the URL path
    assert airtable.find_application_id("", "https://airtable.com/embed/shrX", data_url) == "appInvented0Base1"
    assert airtable.find_application_id("", "https://airtable.com/embed/appPathOnly000001/shrX",
                                        "https://airtable.com/v0.3/view/viwA/readSharedViewData") == "appPathOnly000001"
    assert airtable.find_application_id("", "https://a.example/embed/shrX", "https://a.example/x") is None


def test_request_headers_are_those_of_the_web_client():
    assert airtable.request_headers("appInvented0Base1", EMBED) == {
        "x-airtable-application-id": "appInvented0Base1",
        "x-requested-with": "XMLHttpRequest",
        "x-time-zone": "UTC",
        "x-user-locale": "en",
        "x-airtable-inter-service-client": "webClient",
    }
    assert airtable.request_headers("appX", '"x-user-locale":"de"')["x-user-locale"] == "de"


def test_embed_iframe_found_by_path_not_host():
    assert airtable.find_embed_iframe(HOME, "https://tracker.example/") == \
        "https://airtable.com/embed/shrInvented0View1?backgroundColor=green&viewControls=on"
    relative = '<iframe data-src="/embed/appInvented0Base1/shrInvented0View1"></iframe>'
    assert airtable.find_embed_iframe(relative, "http://127.0.0.1:9/home") == \
        "http://127.0.0.1:9/embed/appInvented0Base1/shrInvented0View1"
    assert airtable.find_embed_iframe('<iframe src="https://video.example/embed/abc"></iframe>', "https://t/") is None
    assert airtable.find_embed_iframe(EMBED, "https://t/") is None


@pytest.mark.parametrize("content, kind", [
    (b"", "empty"), (b"  \r\n", "empty"), (b"\xef\xbb\xbf<!doctype html>", "html"), (b'\n{"msg": 1}', "json"),
    (b"[1]", "json"), (b"company,location\n", "text"), (b"PK\x03\x04\x00\x00", "binary"),
])
def test_sniff(content, kind):
    assert airtable.sniff(content) == kind


# -- shared-view JSON ----------------------------------------------------------------------------
def test_read_view_resolves_choices_multiselects_dates_and_numbers():
    view = airtable.read_view(view_bytes(VIEW), "layoffs_fyi")
    names = [c.name for c in view.columns]
    assert names[:5] == ["Company", "Location HQ", "# Laid Off", "Date", "%"]
    assert [r.line_number for r in view.rows] == [2, 3, 4, 5, 6]
    assert all(r.problem is None for r in view.rows)
    first, quorra, fennick = (dict(zip(names, r.cells)) for r in view.rows[:3])
    assert first == {
        "Company": "Harborlight", "Location HQ": "Seattle", "# Laid Off": "1200", "Date": "2026-01-26T00:00:00.000Z",
        "%": "0.12", "Industry": "Retail", "Source": "https://example.com/harborlight",
        "List of Employees Laid Off": "", "Stage": "Post-IPO", "$ Raised (mm)": "5400",
        "Country": "United States", "Date Added": "2026-01-27T00:00:00.000Z",  # as found: staging types it
    }
    assert quorra["Location HQ"] == "Ottawa, Non-U.S." and quorra["# Laid Off"] == "" and quorra["%"] == "1"
    assert quorra["$ Raised (mm)"] == "31.5"
    assert fennick["List of Employees Laid Off"] == "https://example.com/fennick-alumni"
    assert json.loads(view.rows[0].raw_text)["id"] == "recInventedRow001"


def test_cell_rendering_edge_cases():
    view = copy.deepcopy(VIEW)
    table = view["data"]["table"]
    table["columns"][1]["typeOptions"]["choices"] = list(table["columns"][1]["typeOptions"]["choices"].values())
    cells = table["rows"][0]["cellValuesByColumnId"]
    cells.update({"fldLaidOff0000001": 1e-7, "fldRaised00000001": 2.5e16, "fldSource00000001": {"url": "https://x.example"},
                  "fldListOfNames001": [{"foreignRowDisplayName": "A"}, {"foreignRowDisplayName": "B"}],
                  "fldCompany0000001": True, "fldDate0000000001": "2026-01-26T23:59:00-08:00"})
    row = dict(zip([c["name"] for c in table["columns"]], airtable.read_view(view_bytes(view), "s").rows[0].cells))
    assert row["Location HQ"] == "Seattle"  # choices given as a list
    assert (row["# Laid Off"], row["$ Raised (mm)"]) == ("0.0000001", "25000000000000000")
    assert row["Source"] == "https://x.example" and row["List of Employees Laid Off"] == "A, B"
    assert row["Company"] == "true" and row["Date"] == "2026-01-26T23:59:00-08:00"  # staging takes the date part


def test_unknown_choice_id_and_bad_row_are_row_problems_not_losses():
    view = copy.deepcopy(VIEW)
    rows = view["data"]["table"]["rows"]
    rows[1]["cellValuesByColumnId"]["fldIndustry000001"] = "selIndGone0000001"
    rows[3] = ["not", "an", "object"]
    read = airtable.read_view(view_bytes(view), "layoffs_fyi")
    assert len(read.rows) == 5
    assert read.rows[1].problem == "Industry: unknown choice id 'selIndGone0000001'"
    assert read.rows[3].problem == "row has no cellValuesByColumnId object"
    assert read.rows[3].raw_text == '["not","an","object"]' and read.rows[3].line_number == 5


@pytest.mark.parametrize("data, message", [
    (b"<!DOCTYPE html><html>Sign in</html>", "layoffs_fyi: expected Airtable shared-view JSON, found an HTML page"),
    (b"", "layoffs_fyi: expected Airtable shared-view JSON, found an empty body"),
    (b'{"msg": "SUCCESS", "data": ', "layoffs_fyi: shared-view response is not valid JSON: Expecting value"),
    (b'{"msg": "FAILURE", "data": {}}', "layoffs_fyi: the shared view did not answer msg 'SUCCESS'"),
    (b'{"msg": "SUCCESS", "data": {"rows": []}}', "layoffs_fyi: shared-view JSON has no data.table object"),
    (b'{"data": {"table": {"columns": []}}}', "layoffs_fyi: shared-view JSON has no data.table.rows array"),
    (b'{"data": {"table": {"columns": [{"id": "fld1"}], "rows": [{}]}}}',
     "layoffs_fyi: shared-view column 1 has no id and name"),
    (b'{"data": {"table": {"columns": [], "rows": [{"x": NaN}]}}}', "not valid JSON: non-finite number NaN"),
])
def test_bad_bodies_are_one_line_schema_errors(data, message):
    with pytest.raises(SchemaError) as info:
        airtable.read_view(data, "layoffs_fyi")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_empty_rows_array_is_a_schema_error():
    view = copy.deepcopy(VIEW)
    view["data"]["table"]["rows"] = []
    with pytest.raises(SchemaError, match=r"^layoffs_fyi: the shared view returned no rows$"):
        airtable.read_view(view_bytes(view), "layoffs_fyi")


def test_match_columns_by_name_tolerant_of_case_and_punctuation():
    wanted = {"count": ("# Laid Off",), "pct": ("%",), "funds": ("$ Raised (mm)", "funds_raised"), "hq": ("Location HQ",)}
    names = ["location-hq", "Funds Raised", "% ", "#laid off", "Notes"]
    assert airtable.match_columns(names, wanted, "s") == {"count": 3, "pct": 2, "funds": 1, "hq": 0}
    with pytest.raises(SchemaError) as info:
        airtable.match_columns(["Location HQ", "Headcount Cut", "%", "$ Raised (mm)"], wanted, "layoffs_fyi")
    assert str(info.value) == "layoffs_fyi: missing column '# Laid Off' (the view has 4 columns)"
    with pytest.raises(SchemaError, match="columns 1 and 2 of the view have the same name"):
        airtable.match_columns(["Location HQ", "LOCATION hq"], wanted, "s")
    with pytest.raises(SchemaError, match=r"columns \d+, \d+ of the view all mean"):
        airtable.match_columns(["$ Raised (mm)", "funds_raised"], {"funds": wanted["funds"]}, "s")
