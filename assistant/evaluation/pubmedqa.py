"""PubMedQA suites: ``pqal_*.json``, expert-labelled research questions answered yes / no / maybe.

Every item's abstract (its ``CONTEXTS``, without the conclusion) goes into one workspace
(``eval-pubmedqa``) as a source of its own: one chunk per labelled section at
``pubmedqa://<pmid>/<section>``, the section label as the chunk's context line, the source id a
hash of the contexts (so a second run reuses them). ``LONG_ANSWER`` (the abstract's conclusion) and
the annotators' predictions are gold material and never reach the answerer.

Per question: retrieval with the hybrid retriever over that item's own source (a ``source_id``
filter: the question is about that study), then the medical-profile answerer
(:class:`assistant.answerers.yes_no.YesNoAnswerer` over the extractive one), whose decision is
scored. Metrics: ``accuracy``, per-class ``predicted.<label>`` / ``gold.<label>`` counts and
``accuracy.<label>`` (recall per class), ``baseline.always_yes``, ``deferred`` (questions the
answerer declined to decide because no finding speaks to them: scored as "maybe"), ``unsupported_numbers`` (answers
with a number that verification cannot find in the cited evidence: should be 0), and per-stage
times ``ms.retrieve`` / ``ms.answer`` / ``ms.verify`` (means per question) and ``s.ingest``.
``wrong_cited`` (:mod:`assistant.evaluation.items`): decisions that are wrong with an answer that cites;
``abstained``: answers declined (not found). ``split``: the abstracts of one half, by PMID.

Example:
    >>> run(Path("../shared/eval/pubmedqa"), Settings(), limit=50)   # doctest: +SKIP
    (50, 'minilm+hybrid+extractive+yes_no', {'accuracy': ..., 'baseline.always_yes': ...})
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.yes_no import LABELS, YesNoAnswerer
from assistant.citations import verify
from assistant.errors import BadInputError
from assistant.evaluation.items import ItemRecord, confidence_metrics, record
from assistant.evaluation.split import select
from assistant.settings import Settings
from assistant.store import ChromaStore
from assistant.types import Chunk, Evidence, Locator, Source

logger = logging.getLogger(__name__)

WORKSPACE = "eval-pubmedqa"
PATTERN = "pqal_*.json"


@dataclass(frozen=True)
class PubMedQAItem:
    """One question with its abstract sections; ``gold`` is the expert's final decision."""

    pmid: str
    question: str
    contexts: tuple[str, ...]
    labels: tuple[str, ...]
    gold: str


def read_items(suite_dir: Path) -> list[PubMedQAItem]:
    """The items of every ``pqal_*.json`` in the folder (conclusions and annotator predictions dropped)."""
    items: list[PubMedQAItem] = []
    for path in sorted(suite_dir.glob(PATTERN)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInputError(f"{path}: not a PubMedQA file ({exc})") from exc
        if not isinstance(data, dict) or not all(
            isinstance(v, dict) and {"QUESTION", "CONTEXTS", "final_decision"} <= v.keys() for v in data.values()
        ):
            raise BadInputError(f"{path}: not a PubMedQA file (expected {{pmid: {{QUESTION, CONTEXTS, final_decision}}}})")
        for pmid, value in data.items():
            contexts = tuple(str(c) for c in value["CONTEXTS"])
            labels = tuple(str(x) for x in value.get("LABELS") or ("",) * len(contexts))
            gold = str(value["final_decision"]).strip().lower()
            if gold not in LABELS:
                raise BadInputError(f"{path}: item {pmid} has final_decision {gold!r}; expected one of {', '.join(LABELS)}")
            items.append(PubMedQAItem(str(pmid), str(value["QUESTION"]), contexts, labels, gold))
    if not items:
        raise BadInputError(f"{suite_dir}: no {PATTERN} with items")
    return items


def item_source(item: PubMedQAItem) -> tuple[Source, list[Chunk]]:
    """One source per abstract, one chunk per section; the id is a hash of the contexts."""
    source_id = hashlib.sha256(json.dumps([item.pmid, item.contexts]).encode("utf-8")).hexdigest()[:16]
    chunks = [
        Chunk(
            text=text,
            locator=Locator(path=f"pubmedqa://{item.pmid}/{i}-{label.lower().replace(' ', '-') or 'text'}"),
            source_id=source_id,
            kind="text",
            context=label.title(),
        )
        for i, (text, label) in enumerate(zip(item.contexts, item.labels), start=1)
        if text.strip()
    ]
    return Source(id=source_id, path=f"pubmedqa://{item.pmid}", kind="text", chunks=len({c.id for c in chunks})), chunks


def ingest_items(store: ChromaStore, items: Sequence[PubMedQAItem]) -> dict[str, tuple[str, int]]:
    """Add every abstract not yet in the store; returns ``pmid -> (source id, chunks)``."""
    present = {s.id for s in store.sources()}
    sources: dict[str, tuple[str, int]] = {}
    for index, item in enumerate(items, start=1):
        source, chunks = item_source(item)
        if source.id not in present:
            store.add_source(source, chunks)
            present.add(source.id)
        sources[item.pmid] = (source.id, source.chunks)
        if index % 100 == 0:
            logger.info("pubmedqa: %d/%d abstracts in the workspace", index, len(items))
    return sources


def metrics(golds: Sequence[str], predictions: Sequence[str]) -> dict[str, float]:
    """Accuracy, per-class counts and recall, and the always-"yes" baseline.

    >>> metrics(["yes", "no", "no"], ["yes", "no", "yes"])["accuracy"]
    0.6667
    """
    n = len(golds) or 1
    gold_counts, predicted = Counter(golds), Counter(predictions)
    right = Counter(g for g, p in zip(golds, predictions) if g == p)
    out = {
        "accuracy": round(sum(right.values()) / n, 4),
        "baseline.always_yes": round(gold_counts["yes"] / n, 4),
    }
    for label in LABELS:
        out[f"accuracy.{label}"] = round(right[label] / gold_counts[label], 4) if gold_counts[label] else 0.0
        out[f"gold.{label}"] = float(gold_counts[label])
        out[f"predicted.{label}"] = float(predicted[label])
    return out


def run(
    suite_dir: Path, settings: Settings, limit: int | None, split: str = "all", records: list[ItemRecord] | None = None
) -> tuple[int, str, dict[str, float]]:
    """Ingest the abstracts of ``split`` (by PMID: :mod:`assistant.evaluation.split`), then per question
    retrieve within its own abstract, decide, and score; one record per question goes to ``records``."""
    from assistant.embeddings import make_embedder
    from assistant.retrieval import HybridRetriever

    items = select(read_items(suite_dir), lambda item: item.pmid, split)[:limit]
    ws = settings.model_copy(update={"workspace": WORKSPACE, "profile": "medical"})
    store = ChromaStore(ws, make_embedder(ws))
    started = time.perf_counter()
    sources = ingest_items(store, items)
    ingest_s = time.perf_counter() - started
    retriever = HybridRetriever(store, ws)
    answerer = YesNoAnswerer(ExtractiveAnswerer())
    predictions: list[str] = []
    stages: Counter[str] = Counter()
    unsupported = deferred = 0
    done: list[ItemRecord] = []
    for index, item in enumerate(items, start=1):
        source_id, count = sources[item.pmid]
        t0 = time.perf_counter()
        hits = retriever.search(item.question, max(count, 1), where={"source_id": source_id})
        evidence = [Evidence(n, h.chunk.text, h.chunk.source_id, h.chunk.locator, h.score) for n, h in enumerate(hits, 1)]
        t1 = time.perf_counter()
        decision = answerer.decide(item.question, evidence)
        draft = answerer.run(item.question, evidence)
        t2 = time.perf_counter()
        _, problems = verify(draft.text, evidence, draft.computed)
        t3 = time.perf_counter()
        unsupported += any("number" in p for p in problems)
        deferred += decision is None or not decision.findings
        predictions.append(decision.label if decision is not None else "maybe")  # no decision: not a yes or a no
        done.append(
            record(
                item.pmid, item.question, item.gold, draft, predictions[-1] == item.gold, evidence, type(answerer).__name__,
                problems, predicted=predictions[-1], deferred=decision is None or not decision.findings,
            )
        )  # fmt: skip
        stages.update({"retrieve": t1 - t0, "answer": t2 - t1, "verify": t3 - t2})
        if index % 100 == 0:
            logger.info("pubmedqa: %d/%d questions, accuracy %.3f", index, len(items), metrics([i.gold for i in items[:index]], predictions)["accuracy"])
    result = metrics([i.gold for i in items], predictions)
    result["unsupported_numbers"] = float(unsupported)
    result["deferred"] = float(deferred)
    result.update(confidence_metrics(done))
    if records is not None:
        records.extend(done)
    result.update({f"ms.{stage}": round(1000 * total / len(items), 2) for stage, total in stages.items()})
    result["s.ingest"] = round(ingest_s, 2)
    return len(items), f"{settings.embedder}+hybrid+{answerer.name}", result
