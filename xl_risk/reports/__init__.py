"""The report workbook: what a bundle learned and what it predicts, for managers.

Sheets are drawn by ``xl_risk.reports.sheets``, laid out by
``xl_risk.reports.layout`` and styled by ``xl_risk.reports.style``;
``python -m xl_risk.reports.render`` turns a workbook into page images.
"""

from xl_risk.reports.workbook import refresh_sheets_in, write_report

__all__ = ["refresh_sheets_in", "write_report"]
