"""The ``modalyst`` command line. Errors become one line on stderr here and nowhere else.

Exit codes: 0 ok, 2 bad input, 1 internal error.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from assistant.errors import ModalystError, SettingsError
from assistant.private import private_umask
from assistant.settings import Settings, load_settings
from assistant.terminal import StreamCleaner, clean, json_safe

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Local-first multi-modal analyst assistant: cited answers over calls, filings, charts and scans.",
)
logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

WorkspaceOpt = Annotated[str | None, typer.Option("--workspace", "-w", help="Workspace (default: settings).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
VocabularyOpt = Annotated[
    str | None, typer.Option("--vocabulary", help="Comma-separated names/terms the speech decoder should expect.")
]
_globals: dict[str, Any] = {}


def say(text: str = "", err: bool = False) -> None:
    """Print one line of output that may hold material or model text (file names, quotes,
    answers, errors): escape sequences and control characters are removed first."""
    typer.echo(clean(text), err=err)


def _guard(func: F) -> F:
    """Turn modalyst errors into one line on stderr and an exit code; tracebacks only with MODALYST_DEBUG=1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except ModalystError as exc:
            say(f"modalyst: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("modalyst: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:  # the boundary: anything unexpected is an internal error
            if os.environ.get("MODALYST_DEBUG"):
                raise
            say(f"modalyst: internal error: {type(exc).__name__}: {exc} (set MODALYST_DEBUG=1 for details)", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_for(workspace: str | None = None, **overrides: Any) -> Settings:
    values = {"data_dir": _globals.get("data_dir"), "workspace": workspace or _globals.get("workspace"), **overrides}
    return load_settings(values)


def _assistant(settings: Settings) -> Any:
    from assistant.orchestrator import Assistant

    return Assistant(settings)


def _print_json(data: Any) -> None:
    typer.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))  # control characters as \uXXXX


@app.callback()
def _main(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Store and model cache (env MODALYST_DATA_DIR).")] = None,
    workspace: WorkspaceOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    private_umask()  # the data folder's files are the owner's only (assistant/private.py)
    _globals.update(data_dir=data_dir, workspace=workspace)


@app.command()
@_guard
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
    workspace: WorkspaceOpt = None,
    vocabulary: VocabularyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add files or folders to a workspace (idempotent by content hash)."""
    from tqdm import tqdm

    bot = _assistant(settings_for(workspace, vocabulary=vocabulary))
    quiet = as_json or not sys.stderr.isatty() and not os.environ.get("MODALYST_PROGRESS")
    bar = tqdm(total=0, unit="file", file=sys.stderr, disable=quiet, position=0)
    audio_bar = tqdm(total=0, unit="s audio", file=sys.stderr, disable=quiet, position=1, leave=False)

    def progress(path: str, done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(clean(Path(path).name) if path else "done")
        bar.refresh()
        audio_bar.reset(total=0)

    def audio_progress(done: float, total: float) -> None:
        audio_bar.total = round(total)
        audio_bar.n = round(done)
        audio_bar.refresh()

    report = bot.ingest(paths, progress, audio_progress)
    audio_bar.close()
    bar.close()
    if as_json:
        _print_json(report.to_dict())
    else:
        for source in report.added:
            say(f"added   {source.id}  {source.kind:5}  {source.chunks:4} chunks  {source.path}")
        for source in report.skipped:
            say(f"present {source.id}  {source.kind:5}  {source.chunks:4} chunks  {source.path}")
        for warning in report.warnings:
            say(f"warning: {warning}", err=True)
    for path, error in report.failed:
        say(f"modalyst: skipped {path}: {error}", err=True)
    if report.failed and not (report.added or report.skipped):
        raise typer.Exit(2)


@app.command()
@_guard
def ask(
    question: Annotated[str, typer.Argument(help="The question (may be empty with --audio).")] = "",
    image: Annotated[list[Path] | None, typer.Option("--image", help="Attach an image (repeatable).")] = None,
    audio: Annotated[Path | None, typer.Option("--audio", help="A recorded question.")] = None,
    workspace: WorkspaceOpt = None,
    vocabulary: VocabularyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask a question about the workspace's material and attached images."""
    from assistant.input_checks import check_question
    from assistant.types import Turn

    settings = settings_for(workspace, vocabulary=vocabulary)
    text = check_question(question, settings, has_audio=audio is not None)  # empty or too long: one line, exit 2
    turn = Turn(text=text, audio=str(audio) if audio else None, images=tuple(str(p) for p in image or ()))
    bot = _assistant(settings)
    if as_json:
        _print_json(bot.ask(turn).to_dict())
        return
    from assistant.render import render_answer

    shown: list[str] = []
    cleaner = StreamCleaner()  # a model's escape sequence cut between two tokens is still removed whole

    def show(piece: str) -> None:  # the answer as it is produced; citations and warnings follow
        safe = cleaner.feed(piece)
        shown.append(safe)
        sys.stdout.write(safe)
        sys.stdout.flush()

    answer = bot.ask(turn, on_token=show)
    show_rest = cleaner.flush()
    shown.append(show_rest)
    sys.stdout.write(show_rest)
    if "".join(shown):
        typer.echo("")
    typer.echo(render_answer(answer, streamed="".join(shown)))


@app.command()
@_guard
def transcribe(
    audio: Annotated[Path, typer.Argument(help="An audio or video file.")],
    vocabulary: VocabularyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Transcribe a recording: text, language, duration and timed segments."""
    transcript = _assistant(settings_for(vocabulary=vocabulary)).transcribe(audio)
    if as_json:
        _print_json(transcript.to_dict())
    else:
        from assistant.render import render_transcript

        typer.echo(render_transcript(transcript))


@app.command()
@_guard
def describe(image: Annotated[Path, typer.Argument(help="An image or DICOM file.")], as_json: JsonOpt = False) -> None:
    """Read an image: OCR lines with boxes, a chart's table, DICOM facts, a caption when a VLM is set."""
    description = _assistant(settings_for()).describe(image)
    if as_json:
        _print_json(description.to_dict())
    else:
        from assistant.render import render_description

        typer.echo(render_description(description))


@app.command()
@_guard
def sources(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """List the sources in a workspace."""
    found = _assistant(settings_for(workspace)).sources()
    if as_json:
        _print_json([s.to_dict() for s in found])
        return
    if not found:
        typer.echo("no sources in this workspace; add some with: modalyst ingest PATH")
    for s in found:
        extent = f"{s.pages} pages" if s.pages else (f"{s.duration:.0f} s" if s.duration else "")
        paired = f"  speakers: {s.speakers or '(its recording is not in the workspace yet)'}" if s.speakers or s.kind == "speakers" else ""
        say(f"{s.id}  {s.kind:5}  {s.chunks:4} chunks  {extent:>10}  {s.path}{paired}")


@app.command()
@_guard
def forget(source_id: Annotated[str, typer.Argument(help="A source id (or its first 6+ characters).")], workspace: WorkspaceOpt = None) -> None:
    """Remove a source and all its chunks from a workspace."""
    gone = _assistant(settings_for(workspace)).forget(source_id)
    say(f"removed {gone.id}  {gone.path}")


@app.command("eval")
@_guard
def evaluate(
    suite_dir: Annotated[Path, typer.Argument(help="A suite folder in the shared eval format.")],
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N items.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Chart suite: only tasks starting with this (e.g. Sequential).")] = None,
    split: Annotated[str, typer.Option("--split", help="tune, check or all: a fixed half by a hash of each item's unit (filing, table, chart group, abstract, recording).")] = "all",
    out: Annotated[Path | None, typer.Option("--out", help="Write one JSON line per item (id, question, gold, answer, correct, cited, by, warnings).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run an evaluation suite and print its metrics."""
    from assistant.evaluation.runner import run_suite

    result = run_suite(suite_dir, settings_for(), limit, task, split, out)
    if as_json:
        _print_json(result)
        return
    typer.echo(f"{result['suite']} ({result['split']}): {result['n']} items, backend {result['backend']}, {result['seconds']:.1f} s")
    for name, value in result["metrics"].items():
        typer.echo(f"  {name:28} {value:.4f}")


@app.command()
@_guard
def demo(
    data: Annotated[Path | None, typer.Option("--data", help="Use real material from this eval folder (../shared/eval).")] = None,
) -> None:
    """Build a workspace from sample material and print three cited answers with timings."""
    from assistant.demo import run_demo

    run_demo(settings_for(), data)


@app.command()
@_guard
def ui(
    port: Annotated[int, typer.Option("--port", help="Port on loopback.")] = 8501,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless sign-in is configured).")] = "127.0.0.1",
) -> None:
    """Start the Streamlit chat (it answers only requests for the address it was started on)."""
    import signal
    import subprocess

    from assistant.api_keys import is_loopback, resolve_keys

    if not is_loopback(host) and not resolve_keys(None) and not _oidc_configured(Path(__file__).resolve().parent.parent / "ui"):
        raise SettingsError(
            f"refusing to serve the chat on {host} without sign-in: set MODALYST_API_KEYS='KEY:WORKSPACE,...' "
            "(key sign-in) or an [auth] section in .streamlit/secrets.toml (OIDC), or bind to 127.0.0.1"
        )
    app_file = Path(__file__).resolve().parent.parent / "ui" / "serve_app.py"  # app.py behind the Host/Origin guard
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if _globals.get("data_dir"):
        env["MODALYST_DATA_DIR"] = str(_globals["data_dir"])
    if _globals.get("workspace"):
        env["MODALYST_WORKSPACE"] = str(_globals["workspace"])
    command = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.address", host, "--server.port", str(port), "--server.headless", "true"]
    process = subprocess.Popen(command, env=env)
    for signum in (signal.SIGTERM, signal.SIGHUP):  # stopping `modalyst ui` stops Streamlit too
        signal.signal(signum, lambda number, _frame: process.send_signal(number))
    raise typer.Exit(process.wait())


def _oidc_configured(app_dir: Path) -> bool:
    """Whether a secrets file Streamlit reads has an ``[auth]`` section (st.login's OIDC settings)."""
    import tomllib

    for folder in (Path.cwd(), Path.home(), app_dir):
        try:
            with (folder / ".streamlit" / "secrets.toml").open("rb") as handle:
                if "auth" in tomllib.load(handle):
                    return True
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return False


@app.command()
@_guard
def serve(
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8080,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless API keys are set).")] = "127.0.0.1",
) -> None:
    """Start the HTTP API (POST /v1/ask, POST /v1/ingest, GET/DELETE /v1/sources, /healthz, /docs)."""
    from assistant.server import serve as run_server

    run_server(settings_for(), host=host, port=port)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
