"""Story: a schedule named like a formula reaches an analyst's spreadsheet as text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from optimizer.core.csv_cells import safe_cell, safe_row


def test_formula_text_gets_an_apostrophe_and_numbers_do_not() -> None:
    assert safe_cell('=HYPERLINK("http://x","click")') == '\'=HYPERLINK("http://x","click")'
    for text in ("+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell(-1024.6) == -1024.6 and safe_cell(None) is None
    assert safe_cell("300 mg q4w") == "300 mg q4w"
    assert safe_row({"a": "=1", "b": 2}) == {"a": "'=1", "b": 2}


@given(st.text())
def test_no_cell_starts_a_formula(text: str) -> None:
    out = safe_cell(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out in (text, "'" + text)
