"""The paper's published tables (Tables 1–9), packaged as CSV under `stsnet/paper_tables/`."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

TABLE_FILES = {
    1: "table1_sccm2022.csv",
    2: "table2_buid_s.csv",
    3: "table3_isic2017.csv",
    4: "table4_lungs_ct.csv",
    5: "table5_encoder.csv",
    6: "table6_decoder.csv",
    7: "table7_amplification.csv",
    8: "table8_components.csv",
    9: "table9_attention.csv",
}


@cache
def paper_table(number: int) -> tuple[dict[str, str | float | None], ...]:
    """Rows of the paper's table `number`: numbers as floats, the paper's '-' as None."""
    if number not in TABLE_FILES:
        raise ValueError(f"the paper has Tables 1–9, not {number}")
    text = resources.files("stsnet.paper_tables").joinpath(TABLE_FILES[number]).read_text()
    return tuple({k: _value(v) for k, v in row.items()} for row in csv.DictReader(text.splitlines()))


def _value(text: str) -> str | float | None:
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text
