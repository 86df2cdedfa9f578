"""The insurer report's files: the CSV is what the csv module writes, XLSX cells read back as
written, whatever the text."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from storefront.services import report

NUMBERS = {"quantity", "cover_id", "config_version"}
AMOUNTS = {"unit_price", "simple_fee", "insured_amount", "premium"}
# Any text a customer could type, with the characters that need quoting or escaping made likely.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(",\"\r\n\t &<>'=+-@ ;"),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=12,
)
AMOUNT = st.integers(-(10**12), 10**12).map(report._amount_formatter(2))
CELLS = {
    name: st.integers(0, 10**9).map(str) if name in NUMBERS else AMOUNT if name in AMOUNTS else TEXT
    for name in report.COLUMNS
}
ROW = st.tuples(*CELLS.values()).map(list)


def csv_module(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(report.COLUMNS)
    writer.writerows(rows)
    return "\ufeff".encode() + text.getvalue().encode()


@given(st.lists(ROW, max_size=20), st.integers(1, 6))
def test_csv_chunks_are_what_the_csv_module_writes(rows, rows_per_chunk):
    assert b"".join(report.csv_chunks(rows, rows_per_chunk)) == csv_module(rows)


def test_plain_and_quoted_chunks_follow_each_other_in_order():
    plain = [["x"] * len(report.COLUMNS)] * 3
    quoted = [["a,b", 'say "hi"', "two\r\nlines"] + ["y"] * (len(report.COLUMNS) - 3)]
    rows = plain + quoted + plain
    chunks = list(report.csv_chunks(rows, rows_per_chunk=3))
    assert len(chunks) == 1 + 3  # the header, then chunks of 3 rows
    assert b"".join(chunks) == csv_module(rows)


def xml_text(text: str) -> str | None:
    """What a reader gets back: XML 1.0 cannot carry most control characters."""
    kept = "".join("\ufffd" if ord(c) < 32 and c not in "\t\n\r" else c for c in text)
    return kept or None


@settings(max_examples=30, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=4))
def test_xlsx_cells_read_back_as_written(rows):
    out = io.BytesIO()
    report.write_xlsx(rows, out)
    values = list(load_workbook(out, read_only=True).active.values)
    assert list(values[0]) == list(report.COLUMNS)
    assert len(values) == len(rows) + 1
    for written, read in zip(rows, values[1:], strict=True):
        for name, text, value in zip(report.COLUMNS, written, read, strict=True):
            if name in NUMBERS or name in AMOUNTS:
                assert isinstance(value, int | float) and value == float(text), name
            else:
                assert value == xml_text(text), name


def test_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch):
    monkeypatch.setattr(report, "XLSX_MAX_ROWS", 2)
    row = ["1"] * len(report.COLUMNS)
    report.write_xlsx([row, row], io.BytesIO())  # the limit itself fits
    try:
        report.write_xlsx([row, row, row], io.BytesIO())
    except report.TooManyRows as error:
        assert (error.rows, error.limit) == (3, 2)
    else:
        raise AssertionError("a third row was written")
