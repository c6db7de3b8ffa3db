"""FinanceBench suites: ``questions.jsonl`` (``financebench_id``, ``doc_name``, ``question``, ``answer``,
``evidence[{evidence_page_num}]`` 0-based) over the filings in ``pdfs/``.

The PDFs the questions need are ingested into their own workspace (``eval-financebench``; ingest is
idempotent by content hash, so a second run reuses them). Each question searches only its own
filing (a ``source_id`` filter) for the top 5 chunks:

* ``page_hit@1`` / ``page_hit@5``: the first / one of the first 5 chunks lies on a gold evidence page
  (locator page = ``evidence_page_num + 1``).
* ``correct``: the configured answerer's answer over those chunks (as ``ask`` gives it: with the
  embedded default, statement figures, then arithmetic, then quoted sentences) is right. A gold answer whose first sentence states numbers (years aside) is right when each of
  them appears in the answer within 1% (:func:`metrics.numbers_match`, scale words applied). A gold
  answer without numbers ("The Consumer Health business segment ...") is right when at least 60% of
  its key content words (terms of its first sentence not already in the question) are in the answer
  (:func:`metrics.content_coverage`): a lenient proxy for a human grader, stated as such.
* ``unsupported``: the share of answers with a number that is neither in the evidence they cite nor
  a shown computation (:func:`assistant.citations.verify`).
* ``wrong_cited`` / ``abstained`` (:mod:`assistant.evaluation.items`): answers with a citation that are
  not correct / answers declined.

Example:
    >>> run(Path("../shared/eval/financebench"), Settings(), limit=3)   # doctest: +SKIP
    (3, 'minilm+hybrid+extractive+arithmetic', {'page_hit@1': ..., 'page_hit@5': ..., 'correct': ...})
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from assistant.citations import verify
from assistant.errors import BadInputError
from assistant.evaluation.items import ItemRecord, confidence_metrics, record
from assistant.evaluation.metrics import content_coverage, hit_at_k, key_numbers, mean, numbers_match
from assistant.evaluation.split import select
from assistant.extract import file_hash
from assistant.settings import Settings
from assistant.types import Evidence

logger = logging.getLogger(__name__)

WORKSPACE = "eval-financebench"
QUESTIONS = "questions.jsonl"
K = 5
MIN_COVERAGE = 0.6


def read_questions(suite_dir: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The suite's question rows (the first ``limit``), each checked for the fields scoring needs."""
    path = suite_dir / QUESTIONS
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BadInputError(f"{path}:{number}: not JSON ({exc})") from exc
            lacking = [key for key in ("doc_name", "question", "answer", "evidence") if key not in row]
            if lacking:
                raise BadInputError(f"{path}:{number}: not a FinanceBench row (no {', '.join(lacking)})")
            rows.append(row)
    return rows[:limit] if limit else rows


def gold_pages(row: dict[str, Any]) -> set[int]:
    """1-based pages of the row's evidence (``evidence_page_num`` is 0-based)."""
    return {int(e["evidence_page_num"]) + 1 for e in row["evidence"] if e.get("evidence_page_num") is not None}


def is_correct(answer: str, gold: str, question: str) -> bool:
    """Numbers within 1% for a numeric gold answer; else >= 60% of the gold's key content words."""
    if key_numbers(gold):
        return numbers_match(answer, gold, rel=0.01)
    return content_coverage(answer, gold, question) >= MIN_COVERAGE


def _ingest(bot: Any, pdfs: list[Path]) -> dict[str, str]:
    """Ingest the PDFs not yet in the workspace (a failure is a bad suite); returns doc name -> source id."""
    report = bot.ingest(pdfs)
    if report.failed:
        raise BadInputError("; ".join(f"{path}: {error}" for path, error in report.failed))
    for source in report.added + report.skipped:
        logger.info("financebench: %s (%d chunks)", source.path, source.chunks)
    return {path.stem: file_hash(path) for path in pdfs}


def run(
    suite_dir: Path, settings: Settings, limit: int | None, split: str = "all", records: list[ItemRecord] | None = None
) -> tuple[int, str, dict[str, float]]:
    """Ingest the filings the questions of ``split`` need (a half is a set of filings, by ``doc_name``:
    :mod:`assistant.evaluation.split`), then retrieve within each question's filing, answer and score;
    one record per question goes to ``records``."""
    from assistant.orchestrator import Assistant
    from assistant.retrieval import HybridRetriever

    rows = select(read_questions(suite_dir), lambda row: str(row["doc_name"]), split)[:limit]
    names = list(dict.fromkeys(row["doc_name"] for row in rows))
    missing = [n for n in names if not (suite_dir / "pdfs" / f"{n}.pdf").is_file()]
    if missing:
        raise BadInputError(f"{suite_dir / 'pdfs'}: missing {', '.join(f'{n}.pdf' for n in missing)}")
    ws = settings.model_copy(update={"workspace": WORKSPACE})
    bot = Assistant(ws)
    source_ids = _ingest(bot, [suite_dir / "pdfs" / f"{n}.pdf" for n in names])
    retriever = HybridRetriever(bot.store, ws)
    answerer = bot.answerer()
    at1, at5, correct, unsupported = [], [], [], []
    done: list[ItemRecord] = []
    for row in rows:
        question = row["question"]
        hits = retriever.search(question, max(K, ws.top_k), where={"source_id": source_ids[row["doc_name"]]})
        pages = [h.chunk.locator.page for h in hits]
        wanted = gold_pages(row)
        at1.append(hit_at_k(pages, wanted, 1))
        at5.append(hit_at_k(pages, wanted, K))
        evidence = [Evidence(n, h.chunk.text, h.chunk.source_id, h.chunk.locator, h.score, h.chunk.spans) for n, h in enumerate(hits, 1)]
        draft = answerer.run(question, evidence)  # as `ask` answers: the configured chain alone
        _, problems = verify(draft.text, evidence, draft.computed)
        unsupported.append(float(any("unsupported number" in p for p in problems)))
        ok = is_correct(draft.text, row["answer"], question)
        correct.append(float(ok))
        done.append(
            record(
                row.get("financebench_id", row["doc_name"]), question, row["answer"], draft, ok, evidence, type(answerer).__name__,
                problems, doc_name=row["doc_name"], pages=pages[:K], gold_pages=sorted(wanted),
            )
        )  # fmt: skip
        logger.info(
            "financebench %s: pages %s (gold %s) %s%s",
            row.get("financebench_id", "?"), pages[:K], sorted(wanted), "correct" if ok else "wrong",
            f"; {len(problems)} verify warning(s)" if problems else "",
        )
    backend = f"{settings.embedder}+hybrid+{answerer.name}+arithmetic"
    metrics = {"page_hit@1": mean(at1), "page_hit@5": mean(at5), "correct": mean(correct), "unsupported": mean(unsupported)}
    metrics.update(confidence_metrics(done))
    if records is not None:
        records.extend(done)
    return len(rows), backend, {k: round(v, 4) for k, v in metrics.items()}
