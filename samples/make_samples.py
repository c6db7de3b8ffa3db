"""Regenerate the demo's sample material (committed in this folder; run only to change it).

Needs espeak-ng and sox (Debian packages) and the dev extra (matplotlib, fpdf2):
    .venv/bin/python samples/make_samples.py
The company, people and figures are invented for the demo.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CALL = [
    ("Dana Reyes, CEO", "en-us+m3", "Good morning everyone, and thank you for joining the Northwind Instruments first quarter 2026 earnings call. "
     "It was a strong quarter. Revenue was 4.2 billion dollars, up 12 percent from a year ago, and organic growth was 9 percent. "
     "Demand for our diagnostic imaging systems was the main driver, and our order backlog reached a record."),
    ("Sam Okafor, CFO", "en-us+f2", "Thank you, Dana. Gross margin was 48 percent, up two points, thanks to pricing and lower freight costs. "
     "Free cash flow was 610 million dollars in the quarter. We returned 300 million dollars to shareholders through buybacks. "
     "For the full year, we now expect revenue growth of 8 to 10 percent."),
]

PDF_PAGES = [
    ("Northwind Instruments - Quarterly Report, Q1 2026",
     "Northwind Instruments designs and sells diagnostic imaging systems and laboratory analyzers to hospitals "
     "and research centers in 40 countries.\n\nThis report covers the quarter ended March 31, 2026. All amounts are "
     "in millions of US dollars unless stated otherwise."),
    ("Results of operations",
     "Total revenue was $4,200 million in Q1 2026, compared with $3,750 million in Q1 2025.\n\n"
     "Research and development expenses were $520 million, or 12.4% of revenue.\n\n"
     "Operating income was $798 million, and the operating margin was 19.0%.\n\n"
     "Net income was $605 million, or $2.31 per diluted share."),
    ("Risk factors",
     "Our business depends on hospital capital budgets, which may tighten during economic downturns.\n\n"
     "We rely on a single supplier for certain detector components; a disruption could delay shipments.\n\n"
     "Changes in tariffs on imported electronic parts could raise our cost of revenue."),
]

CHART = {"title": "Quarterly revenue ($bn)", "categories": ["Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026"], "values": [3.9, 4.0, 4.6, 4.2]}


def make_call() -> None:
    turns, clock, wavs = [], 0.0, []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (speaker, voice, text) in enumerate(CALL):
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(wav), text], check=True)
            length = float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True).stdout)
            turns.append({"start": round(clock, 2), "end": round(clock + length, 2), "speaker": speaker})
            clock += length
            wavs.append(str(wav))
        subprocess.run(["sox", *wavs, "-r", "16000", "-c", "1", str(HERE / "q1_call.flac")], check=True)
    (HERE / "q1_call.speakers.json").write_text(json.dumps(turns, indent=1) + "\n")


def make_pdf() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for title, body in PDF_PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 9, title)
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 11)
        for paragraph in body.split("\n\n"):
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(3)
    pdf.output(str(HERE / "northwind_q1_2026_report.pdf"))


def make_chart() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    bars = ax.bar(CHART["categories"], CHART["values"], color="#2f6db5")
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in CHART["values"]], padding=3)
    ax.set_title(CHART["title"])
    ax.set_ylabel("Revenue ($bn)")
    ax.set_ylim(0, 5.5)
    fig.tight_layout()
    fig.savefig(HERE / "revenue_chart.png")


if __name__ == "__main__":
    make_call()
    make_pdf()
    make_chart()
