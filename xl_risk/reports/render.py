"""Render a report workbook to page images, to look at it as a manager would.

``python -m xl_risk.reports.render workbook/RiskReport.xlsx --out DIR``
prints the workbook to PDF with LibreOffice (headless, with the workbook's own
page set-up) and cuts the PDF into one PNG per page with pdftoppm. Both come
from the system (``apt-get install libreoffice-calc-nogui poppler-utils
fonts-crosextra-carlito``); Carlito has Calibri's metrics, so pages break and
columns fit as they do in Excel.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

RESOLUTION = 110  # pixels per inch of the PNG pages
TIMEOUT_SECONDS = 300
OFFICE = ("soffice", "libreoffice")


class RenderError(RuntimeError):
    """LibreOffice or pdftoppm is missing or failed."""


def _tool(names: tuple[str, ...]) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        f"{names[0]}: not found on PATH; install libreoffice-calc-nogui and "
        "poppler-utils"
    )


def _run(command: list[str]) -> None:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    if done.returncode != 0:
        raise RenderError(
            f"{Path(command[0]).name} failed ({done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )


def to_pdf(workbook: Path, out: Path) -> Path:
    """Print ``workbook`` to ``out/<name>.pdf`` with LibreOffice."""
    office = _tool(OFFICE)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        _run([
            office, f"-env:UserInstallation=file://{profile}", "--headless",
            "--convert-to", "pdf", "--outdir", str(out), str(workbook),
        ])  # fmt: skip
    pdf = out / f"{workbook.stem}.pdf"
    if not pdf.is_file():
        raise RenderError(f"LibreOffice wrote no PDF for {workbook.name}")
    return pdf


def to_png(pdf: Path, out: Path, resolution: int = RESOLUTION) -> list[Path]:
    """One PNG per PDF page, ``<name>-<page>.png``, first page first."""
    _run([_tool(("pdftoppm",)), "-png", "-r", str(resolution), str(pdf),
          str(out / pdf.stem)])  # fmt: skip
    return sorted(out.glob(f"{pdf.stem}-*.png"))


def render(workbook: str | Path, out: str | Path) -> list[Path]:
    """Render every printed page of ``workbook`` as a PNG in ``out``.

    Returns
    -------
    list of Path
        The page images, in page order.
    """
    workbook, out = Path(workbook), Path(out)
    if not workbook.is_file():
        raise FileNotFoundError(f"workbook: no file at {workbook}")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{workbook.stem}-*.png"):
        old.unlink()
    pages = to_png(to_pdf(workbook, out), out)
    log.info("rendered %d pages of %s into %s", len(pages), workbook.name, out)
    return pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="folder for pages")
    args = parser.parse_args(argv)
    for page in render(args.workbook, args.out):
        print(page)


if __name__ == "__main__":
    main()
