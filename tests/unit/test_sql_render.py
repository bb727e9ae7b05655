"""Result rendering: control sequences stripped for terminals, CSV formula guard, JSON laid out like json.dumps."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json

import pytest

from sqlcli.render import csv_cell, terminal_safe, write_csv, write_json

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"

# (input, what a terminal may be shown) - sequences from ECMA-48 / xterm's ctlseqs.
SEQUENCES = [
    (f"{ESC}[31mred{ESC}[0m", "red"),                                   # SGR colour
    (f"{ESC}[2J{ESC}[H{ESC}[?1049h{ESC}[38;5;196mx", "x"),               # clear, home, alt screen, 256 colours
    (f"{ESC}[1 q{ESC}[>4;2mx", "x"),                                   # intermediate byte; private parameter
    (f"{ESC}]0;title{BEL}x", "x"),                                     # OSC ended by BEL
    (f"{ESC}]8;;http://h.invalid{ST}link{ESC}]8;;{ST}", "link"),       # OSC 8 hyperlink ended by ST
    (f"{ESC}]52;c;aGk={BEL}x", "x"),                                   # OSC 52 clipboard write
    (f"{ESC}P+q544e{ST}x", "x"),                                       # DCS
    (f"{ESC}_apc{ST}{ESC}^pm{ST}{ESC}Xsos{ST}x", "x"),                 # APC, PM, SOS
    ("\x9b31mx\x9d0;t\x07y\x90q\x9cz", "xyz"),                          # C1 CSI, OSC, DCS and ST
    (f"{ESC}c{ESC}7{ESC}8{ESC}(0{ESC}#8x", "x"),                        # RIS, save/restore, charset, DECALN
    (f"{ESC}]0;never ended x", "0;never ended x"),                      # unterminated OSC: opener removed
    (f"a{ESC}", "a"),                                                  # lone ESC at the end
    ("a\x00b\x07c\x08d\x7fe\x85f", "abcdef"),                           # NUL, BEL, BS, DEL, NEL (C1)
    ("tab\there\r\nnext", "tabherenext"),
    ("plain ünïcödé ✓", "plain ünïcödé ✓"),
]


@pytest.mark.parametrize("text,shown", SEQUENCES)
def test_terminal_safe_strips_sequences_and_controls(text, shown):
    assert terminal_safe(text) == shown


def test_terminal_safe_can_keep_newlines_and_tabs_for_csv():
    assert terminal_safe(f"a\tb\nc\r{ESC}[1md", keep_lines=True) == "a\tb\ncd"


def test_terminal_safe_on_many_unterminated_openers():
    text = f"{ESC}]" * 20_000 + "tail"
    assert terminal_safe(text) == "tail"


@pytest.mark.parametrize("value,plain,safe", [
    ("=1+1", "=1+1", "'=1+1"), ("+1", "+1", "'+1"), ("-x", "-x", "'-x"), ("@A1", "@A1", "'@A1"),
    ("\tx", "\tx", "'\tx"), ("\rx", "\rx", "'\rx"), (dt.timedelta(days=-1), "-1 day, 0:00:00", "'-1 day, 0:00:00"),
    ("a=b", "a=b", "a=b"), (" =1", " =1", " =1"), ("", "", ""), (None, "", ""), (True, "true", "true"),
    (-5, "-5", "-5"), (-1.5, "-1.5", "-1.5"), (decimal.Decimal("-2.50"), "-2.50", "-2.50"),  # typed numbers
])
def test_csv_cell_formula_guard(value, plain, safe):
    assert csv_cell(value, safe=False) == plain
    assert csv_cell(value, safe=True) == safe


def test_csv_quotes_rows_with_carriage_returns():
    out = io.StringIO(newline="")
    write_csv(out, ["a", "b"], [[("x\ry", 1), ("p", 2)]])
    assert out.getvalue() == 'a,b\n"x\ry","1"\np,2\n'


def test_json_layout_matches_json_dumps_indent_2():
    rows = [
        (1, "a\nb \"q\"", [1, [2, {"x": None}]], {"k": [1]}, [], {}, 1.5, float("nan"), None, True,
         dt.date(2020, 1, 2), decimal.Decimal("1.50"), "é"),
        (2, "", [3], {"z": {}}, [None], {"e": []}, -0.0, float("inf"), 0, False, dt.time(1, 2), decimal.Decimal(7), "x"),
    ]
    columns = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "a"]
    out = io.StringIO()
    write_json(out, columns, [rows[:1], [], rows[1:]])
    expected = [
        {"a": 1, "b": "a\nb \"q\"", "c": [1, [2, {"x": None}]], "d": {"k": [1]}, "e": [], "f": {}, "g": 1.5, "h": None,
         "i": None, "j": True, "k": "2020-01-02", "l": 1.5, "a_2": "é"},
        {"a": 2, "b": "", "c": [3], "d": {"z": {}}, "e": [None], "f": {"e": []}, "g": -0.0, "h": None, "i": 0,
         "j": False, "k": "01:02:00", "l": 7, "a_2": "x"},
    ]
    assert out.getvalue() == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def test_json_escapes_del_and_c1_but_keeps_the_value():
    out = io.StringIO()
    write_json(out, ["s"], [[("a\x1b\x7f\x9bb",)]])
    assert "\x7f" not in out.getvalue() and "\x9b" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert json.loads(out.getvalue()) == [{"s": "a\x1b\x7f\x9bb"}]


def test_json_of_no_rows_and_no_columns():
    for columns, batches, expected in ((["a"], [], []), ([], [[()]], [{}])):
        out = io.StringIO()
        write_json(out, columns, batches)
        assert out.getvalue() == json.dumps(expected, indent=2) + "\n"
