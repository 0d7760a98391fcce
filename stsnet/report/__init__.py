"""Benchmark reports: the paper's Tables 1–9 with our numbers, statistics, figures and one HTML page."""

from stsnet.report.collect import ERROR_TAG
from stsnet.report.write import write_report

__all__ = ["ERROR_TAG", "write_report"]
