"""Regenerate docs/chat.png, the README's screenshot of the chat (needs chromium and the dev extra):

    .venv/bin/python docs/make_chat_png.py

Ingests the samples into a temporary workspace with the embedded backends, starts ``modalyst ui``,
asks about the sample chart in headless chromium, opens the first citation and takes a screenshot
(reduced to a 256-colour PNG to stay small).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
from uidriver import ask_and_time, browser_tab, running_ui  # noqa: E402

QUESTION = "Which quarter had the highest revenue in the chart?"
OUT = REPO / "docs" / "chat.png"
SAMPLES = [REPO / "samples" / n for n in ("northwind_q1_2026_report.pdf", "revenue_chart.png", "q1_call.flac")]


def main() -> int:
    from PIL import Image

    from assistant.orchestrator import Assistant
    from assistant.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="modalyst-shot-") as tmp:
        data = Path(tmp)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MODALYST_")}
        report = Assistant(load_settings({"data_dir": str(data), "workspace": "northwind"}, environ=clean)).ingest(SAMPLES)
        if report.failed:
            raise SystemExit(f"ingest failed: {report.failed}")
        with running_ui(data, "northwind", data / "ui.log") as url, browser_tab(url, width=1300, height=2300) as page:
            seconds, _, answer = ask_and_time(page, QUESTION)
            print(f"answer after {seconds:.1f} s: {answer[:120]}")
            chips = page.locator("[data-testid='stButtonGroup'] button")
            chart = chips.filter(has_text="revenue_chart.png")
            (chart.first if chart.count() else chips.first).click()
            page.get_by_text("cited region outlined").first.wait_for(timeout=120_000)
            page.get_by_test_id("stDataFrame").first.wait_for(timeout=300_000)  # the chart's table, read by OCR
            page.get_by_text("Stop", exact=True).wait_for(state="hidden", timeout=120_000)  # the run has finished
            page.wait_for_timeout(1500)
            shot = page.screenshot(full_page=True)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB, {image.width}x{image.height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
