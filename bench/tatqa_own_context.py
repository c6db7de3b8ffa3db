"""TAT-QA answering with each question's own context: no retrieval, so it measures the answerer alone.

Each question gets its own table (rendered as the eval renders it, with its context line) and its
``rel_paragraphs`` as evidence, in that order; the answer is scored as ``modalyst eval`` scores it
(:func:`assistant.evaluation.tatqa.prediction` and ``score``). Prints em / f1 / unsupported overall,
on the even and odd halves of the questions, and per answer type; ``--dump FILE`` writes every
question's prediction as JSON (for sampling errors). Takes seconds, needs no store or embedder.

    .venv/bin/python bench/tatqa_own_context.py
    .venv/bin/python bench/tatqa_own_context.py --dump /tmp/own.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.answerers.extractive import ExtractiveAnswerer  # noqa: E402
from assistant.citations import verify  # noqa: E402
from assistant.evaluation import tatqa  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.types import Evidence, Locator  # noqa: E402


def _summary(rows: list[dict]) -> str:
    n = max(len(rows), 1)
    em, f1, uns = (sum(r[k] for r in rows) / n for k in ("em", "f1", "unsupported"))
    return f"n {len(rows)}  em {em:.4f}  f1 {f1:.4f}  unsupported {uns:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", type=Path, default=REPO.parent / "shared" / "eval" / "tatqa")
    parser.add_argument("--dump", type=Path, help="write every prediction as JSON")
    args = parser.parse_args()
    chars = Settings().chunk_chars
    answerer = ExtractiveAnswerer()
    rows = []
    for item in tatqa.read_items(args.suite):
        context = tatqa.table_context(item.get("paragraphs", []))
        for question in item["questions"]:
            wanted = {str(x) for x in question.get("rel_paragraphs", [])}
            evidence: list[Evidence] = []
            contexts: dict[int, str] = {}
            for text in tatqa.render_table(item["table"]["table"], chars):
                evidence.append(Evidence(len(evidence) + 1, text, "own", Locator(tatqa.table_path(item["table"]["uid"])), 1.0))
                contexts[len(evidence)] = context
            for p in item.get("paragraphs", []):
                if str(p.get("order")) in wanted:
                    evidence.append(Evidence(len(evidence) + 1, p["text"], "own", Locator(tatqa.paragraph_path(p["uid"])), 1.0))
            draft = answerer.run(question["question"], evidence)
            _, problems = verify(draft.text, evidence, draft.computed)
            pred, scale = tatqa.prediction(question["question"], draft, evidence, contexts)
            em, f1 = tatqa.score(question, pred, scale)
            rows.append(
                {
                    "question": question["question"], "type": question.get("answer_type"), "from": question.get("answer_from"),
                    "gold": question["answer"], "gold_scale": question.get("scale", ""), "pred": pred, "pred_scale": scale,
                    "em": em, "f1": f1, "unsupported": float(any("unsupported number" in p for p in problems)), "answer": draft.text,
                }
            )
    print("all ", _summary(rows))
    print("even", _summary(rows[0::2]))
    print("odd ", _summary(rows[1::2]))
    for kind in sorted({str(r["type"]) for r in rows}):
        print(f"  {kind:<11}", _summary([r for r in rows if str(r["type"]) == kind]))
    if args.dump:
        args.dump.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
