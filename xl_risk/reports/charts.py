"""Native Excel charts (openpyxl.chart) drawn over a placed table's cells."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from xl_risk.reports.layout import Chart, Placed

KINDS = ("column", "bar", "line", "scatter")
PALETTE = ("1F4E78", "ED7D31", "70AD47", "7F7F7F")
LINE_WIDTH = 28575  # EMU, 2.25 pt
WIDTH_CM = 16.0
MIN_WIDTH_CM = 11.0
HEIGHT_CM = 7.5
BAR_CM = 0.5  # height of one category of horizontal bars, all series together
BAR_FRAME_CM = 2.5  # title, axis and legend of a horizontal bar chart
MAX_HEIGHT_CM = 20.0
TITLE_SIZE = 1100  # hundredths of a point
LABEL_SIZE = 900


def build(ws: Worksheet, spec: Chart, placed: Placed):
    """The chart ``spec`` describes, reading its values from ``placed``."""
    if spec.kind not in KINDS:
        raise ValueError(f"chart kind: expected one of {KINDS}, got {spec.kind!r}.")
    if spec.kind == "scatter":
        chart = _scatter(ws, spec, placed)
    else:
        chart = _categories(ws, spec, placed)

    chart.title = _title(spec.title)
    chart.width = spec.width_cm
    chart.height = spec.height_cm or _height(spec, placed)
    _axes(chart, spec)
    chart.legend.position = "b"
    if len(chart.series) == 1:
        chart.legend = None
    for i, series in enumerate(chart.series):
        _colour(series, PALETTE[i % len(PALETTE)], spec.kind)
    return chart


def _height(spec: Chart, placed: Placed) -> float:
    if spec.kind != "bar":
        return HEIGHT_CM
    rows = placed.last_row - placed.first_row + 1
    if spec.rows:
        rows = min(rows, spec.rows)
    return min(BAR_FRAME_CM + BAR_CM * rows, MAX_HEIGHT_CM)


def _text(size: int, bold: bool = False) -> CharacterProperties:
    return CharacterProperties(sz=size, b=bold)


def _title(text: str) -> Title:
    props = _text(TITLE_SIZE, bold=True)
    paragraph = Paragraph(
        pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)]
    )
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _labels() -> RichText:
    props = _text(LABEL_SIZE)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props),
                                 endParaRPr=props)])  # fmt: skip


def _axes(chart, spec: Chart) -> None:
    chart.y_axis.title = spec.y_title or None
    chart.x_axis.title = spec.x_title or None
    chart.y_axis.numFmt = spec.y_format
    chart.y_axis.scaling.min = spec.y_min
    chart.y_axis.scaling.max = spec.y_max
    for axis in (chart.x_axis, chart.y_axis):
        axis.delete = False  # openpyxl 3.1 hides axes unless told otherwise
        axis.txPr = _labels()


def _column(ws: Worksheet, placed: Placed, spec: Chart, name: str, header: bool):
    first = placed.header_row if header else placed.first_row
    last = placed.last_row
    if spec.rows:
        last = min(last, placed.first_row + spec.rows - 1)
    return Reference(ws, min_col=placed.columns[name], min_row=first, max_row=last)


def _categories(ws: Worksheet, spec: Chart, placed: Placed):
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        chart.gapWidth = 60
    for name in spec.y:
        chart.add_data(_column(ws, placed, spec, name, True), titles_from_data=True)
    chart.set_categories(_column(ws, placed, spec, spec.x, False))
    for series in chart.series:
        series.smooth = False  # LineChart draws curves unless told otherwise
    if spec.kind == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first row at the top
        chart.x_axis.tickLblPos = "low"  # labels left of negative bars too
    return chart


def _scatter(ws: Worksheet, spec: Chart, placed: Placed):
    chart = ScatterChart()
    chart.scatterStyle = "line"
    for x_name, y_name in spec.xy:
        series = Series(
            _column(ws, placed, spec, y_name, True),
            _column(ws, placed, spec, x_name, False),
            title_from_data=True,
        )
        series.marker.symbol = "none"
        series.smooth = False
        chart.series.append(series)
    chart.x_axis.numFmt = spec.x_format
    chart.x_axis.scaling.min, chart.x_axis.scaling.max = 0, 1
    return chart


def _colour(series, colour: str, kind: str) -> None:
    if kind in ("line", "scatter"):
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = LINE_WIDTH
    else:
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
