"""Golden drafts: the embedded answerer's drafts on fixed ``tune``-half items, each over its own context.

A structural change to the answerers (moving code, one question reader, one table model) must
leave these drafts as they are; a change meant to move answers shows up as a diff to explain.
No store and no embedder are used, so the drafts depend on the answering code alone:

| suite | items (tune half only, :mod:`assistant.evaluation.split`) | evidence | answerer |
|---|---|---|---|
| ``tatqa`` | every question of the tune tables | its own table and ``rel_paragraphs`` (:func:`tatqa.own_evidence`) | the product's embedded chain (``ANSWERERS["extractive"]``, no embedder) |
| ``financebench`` | the questions of the :data:`FINANCEBENCH_FILINGS` (tune filings, chosen small so the PDFs read fast) | the chunks of the gold evidence pages, read from a PDF of those pages alone | the same chain |
| ``pubmedqa`` | every tune abstract | its sections in order | :class:`YesNoAnswerer` over the extractive answerer, as the eval runs it (the decision is kept) |
| ``charts`` | the questions of the first :data:`CHART_GROUPS` tune chart groups | the charts read by the embedded OCR and chart reader | :func:`charts.answer_named` |

A row holds the item id and our answer only (``text`` cut to 160 characters with ``text_sha256`` of
the whole, ``computed``, ``values``, ``by`` and, for PubMedQA, ``label``): no dataset text beyond what
an answer quotes. Files: ``tests/golden/<suite>.jsonl``; rebuild them with
``python -m tests.golden.regenerate`` after a change whose diff is understood and meant.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assistant.answerers.base import Draft
from assistant.evaluation.split import chart_unit, half
from assistant.settings import Settings

GOLDEN = Path(__file__).resolve().parent
SHARED_EVAL = GOLDEN.parents[2] / "shared" / "eval"
# FinanceBench filings of the tune half whose gold pages read in seconds (earnings releases and a 10-K)
FINANCEBENCH_FILINGS = ("ULTABEAUTY_2023Q4_EARNINGS", "JOHNSON_JOHNSON_2022Q4_EARNINGS", "ADOBE_2022_10K")
CHART_GROUPS = 2
TEXT_CHARS = 160  # a draft's text is kept to this many characters, with the SHA-256 of the whole


def row(item_id: str, draft: Draft, **extra: Any) -> dict[str, Any]:
    """The golden row of one draft: the id and our answer (its text cut to :data:`TEXT_CHARS`, with the
    hash of the whole, so a quoted sentence is not copied out of the dataset), nothing else."""
    text = draft.text if len(draft.text) <= TEXT_CHARS else draft.text[:TEXT_CHARS] + "…"
    return {
        "id": str(item_id), "text": text, "text_sha256": hashlib.sha256(draft.text.encode("utf-8")).hexdigest()[:16],
        "computed": [round(x, 6) for x in draft.computed], "values": list(draft.values), "by": getattr(draft, "by", None),
        **extra,
    }  # fmt: skip


def _chain() -> Any:
    from assistant.orchestrator import ANSWERERS

    return ANSWERERS["extractive"](Settings())


def tatqa_rows(suite: Path) -> Iterator[dict[str, Any]]:
    from assistant.evaluation import tatqa

    answerer, chars = _chain(), Settings().chunk_chars
    for item in tatqa.read_items(suite):
        if half(str(item["table"]["uid"])) != "tune":
            continue
        for question in item["questions"]:
            evidence, _contexts = tatqa.own_evidence(item, question, chars)
            yield row(question["uid"], answerer.run(question["question"], evidence))


def financebench_rows(suite: Path) -> Iterator[dict[str, Any]]:
    import pymupdf

    from assistant.evaluation import financebench
    from assistant.extract import EXTRACTORS, ExtractContext
    from assistant.types import Evidence

    settings = Settings()
    ctx = ExtractContext(settings, transcriber=lambda: None, ocr_reader=lambda: None)
    answerer = _chain()
    rows = [r for r in financebench.read_questions(suite) if r["doc_name"] in FINANCEBENCH_FILINGS]
    assert all(half(r["doc_name"]) == "tune" for r in rows), "golden FinanceBench filings must be tune filings"
    with tempfile.TemporaryDirectory() as tmp:
        for r in rows:
            pages = sorted(financebench.gold_pages(r))
            part = Path(tmp) / f"{r['financebench_id']}.pdf"
            with pymupdf.open(suite / "pdfs" / f"{r['doc_name']}.pdf") as doc, pymupdf.open() as out:
                for page in pages:
                    out.insert_pdf(doc, from_page=page - 1, to_page=page - 1)
                out.save(part)
            chunks = EXTRACTORS["pdf"](part, "own", ctx).chunks
            evidence = [Evidence(n, c.text, c.source_id, c.locator, 1.0, c.spans) for n, c in enumerate(chunks, 1)]
            yield row(r["financebench_id"], answerer.run(r["question"], evidence))


def pubmedqa_rows(suite: Path) -> Iterator[dict[str, Any]]:
    from assistant.answerers.extractive import ExtractiveAnswerer
    from assistant.answerers.yes_no import YesNoAnswerer
    from assistant.evaluation import pubmedqa
    from assistant.types import Evidence, Locator

    answerer = YesNoAnswerer(ExtractiveAnswerer())
    for item in pubmedqa.read_items(suite):
        if half(item.pmid) != "tune":
            continue
        _source, chunks = pubmedqa.item_source(item)
        evidence = [Evidence(n, c.text, "own", Locator(c.locator.path), 1.0) for n, c in enumerate(chunks, 1)]
        decision = answerer.decide(item.question, evidence)
        label = decision.label if decision is not None else None
        yield row(item.pmid, answerer.run(item.question, evidence), label=label)


def chart_rows(suite: Path) -> Iterator[dict[str, Any]]:
    from assistant.evaluation import charts
    from tools.describe_image import describe_image
    from tools.describe_image.ocr import make_ocr_reader

    settings = Settings()
    reader = make_ocr_reader(settings)
    groups: list[str] = []
    read: dict[str, Any] = {}  # each chart described once
    for r in charts.load_questions(suite, split="tune"):
        unit = chart_unit(r["image"])
        if unit not in groups:
            if len(groups) == CHART_GROUPS:
                continue
            groups.append(unit)
        for name in r["image"]:
            if name not in read:
                read[name] = describe_image(suite / name, settings, ocr_reader=reader)
        descriptions = [read[name] for name in r["image"]]
        draft, by = charts.answer_named(r["question"], descriptions, charts.image_evidence(descriptions))
        yield row(r["id"], draft, answerer=by)


# suite name -> (folder under ../shared/eval, rows)
SUITES: dict[str, tuple[str, Callable[[Path], Iterator[dict[str, Any]]]]] = {
    "tatqa": ("tatqa", tatqa_rows),
    "financebench": ("financebench", financebench_rows),
    "pubmedqa": ("pubmedqa", pubmedqa_rows),
    "charts": ("multichartqa", chart_rows),
}


def golden_path(name: str) -> Path:
    return GOLDEN / f"{name}.jsonl"


def compute(name: str, shared_eval: Path = SHARED_EVAL) -> list[dict[str, Any]]:
    """The drafts of one suite as they are now."""
    folder, rows = SUITES[name]
    return list(rows(shared_eval / folder))


def load(name: str) -> list[dict[str, Any]]:
    """The committed golden rows of one suite."""
    return [json.loads(line) for line in golden_path(name).read_text(encoding="utf-8").splitlines() if line.strip()]


def write(name: str, rows: list[dict[str, Any]]) -> Path:
    path = golden_path(name)
    path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for r in rows), encoding="utf-8")
    return path


def differences(golden: list[dict[str, Any]], now: list[dict[str, Any]], shown: int = 20) -> list[str]:
    """One readable line per changed, missing or new item (the first ``shown``, then a count).

    >>> differences([{"id": "a", "text": "5 [1]."}], [{"id": "a", "text": "6 [1]."}, {"id": "b", "text": "x"}])
    ["a: text '5 [1].' -> '6 [1].'", 'b: new item']
    """
    before, after = {r["id"]: r for r in golden}, {r["id"]: r for r in now}
    lines: list[str] = []
    for item_id, old in before.items():
        new = after.get(item_id)
        if new is None:
            lines.append(f"{item_id}: missing now")
            continue
        changed = [f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
        if changed:
            lines.append(f"{item_id}: " + "; ".join(changed))
    lines += [f"{item_id}: new item" for item_id in after if item_id not in before]
    if len(lines) > shown:
        lines = lines[:shown] + [f"... and {len(lines) - shown} more"]
    return lines
