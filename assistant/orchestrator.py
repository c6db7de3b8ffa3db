"""The orchestrator: the public entry point for ingesting, asking, transcribing and describing.

Example:
    >>> bot = Assistant(load_settings({"workspace": "acme"}))        # doctest: +SKIP
    >>> bot.ingest([Path("q1-call.mp3"), Path("10q.pdf")])           # doctest: +SKIP
    >>> print(bot.ask(Turn(text="What did the CFO say about margins?")).answer)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.answerers.base import NOT_FOUND, Answerer, Draft
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.statements import StatementsFirst
from assistant.answerers.yes_no import for_profile
from assistant.citations import Renumbering, verify
from assistant.errors import BadInputError, CancelledError, ModalystError, ToolError
from assistant.extract import EXTRACTORS, ExtractContext, checked_kind, detect_kind
from assistant.ingest import IngestReport, Progress, ingest_paths
from assistant.input_checks import check_question
from assistant.router import route
from assistant.settings import Settings, choose
from assistant.status import BackendStatus, backend_status
from assistant.store import ChromaStore
from assistant.types import Answer, Evidence, ImageDescription, Locator, Source, ToolResult, Transcript, Turn
from assistant.vocabulary import SCANNED_CHUNKS, Hints, build_vocabulary, chunk_share, parse_vocabulary

logger = logging.getLogger(__name__)

def _backend(module: str, name: str) -> Any:
    """A backend class imported only when chosen (heavy optional imports stay lazy)."""

    def build(settings: Settings) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(settings)

    return build


ANSWERERS: dict[str, Any] = {
    # yes/no decider when medical; ``embed`` (the workspace's embedder) helps rank evidence sentences
    "extractive": lambda settings, embed=None: for_profile(StatementsFirst(ExtractiveAnswerer(embed=embed)), settings.profile),
    "transformers": _backend("assistant.answerers.transformers_vlm", "TransformersVLMAnswerer"),
    "openai": _backend("assistant.answerers.openai_chat", "OpenAICompatibleAnswerer"),
}
PROFILE_NOTES = {
    "medical": "This is not medical advice; a clinician must confirm any finding.",
}


class Assistant:
    """Ingest material into a workspace and answer questions about it with citations.

    Backends are built lazily from settings; tests pass fakes through the keyword arguments.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Any = None,
        transcriber: Any = None,
        ocr_reader: Any = None,
        answerer: Answerer | None = None,
        client: Any = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._transcriber = transcriber
        self._ocr_reader = ocr_reader
        self._answerer = answerer
        self._client = client
        self._store: ChromaStore | None = None
        self._retriever: Any = None

    # -- lazily built parts ---------------------------------------------------------------------
    @property
    def store(self) -> ChromaStore:
        if self._store is None:
            if self._embedder is None:
                from assistant.embeddings import make_embedder

                self._embedder = make_embedder(self.settings)
            self._store = ChromaStore(self.settings, self._embedder, client=self._client)
        return self._store

    def transcriber(self) -> Any:
        if self._transcriber is None:
            from tools.transcribe import make_transcriber

            self._transcriber = make_transcriber(self.settings)
        return self._transcriber

    def ocr_reader(self) -> Any:
        if self._ocr_reader is None:
            from tools.describe_image.ocr import make_ocr_reader

            self._ocr_reader = make_ocr_reader(self.settings)
        return self._ocr_reader

    def answerer(self) -> Answerer:
        if self._answerer is None:
            build = choose(ANSWERERS, self.settings.answerer, "answerer")
            if self.settings.answerer == "extractive":
                self._answerer = build(self.settings, embed=lambda texts: self.store.embedder(texts))
            else:
                self._answerer = build(self.settings)
        return self._answerer

    def backend_status(self) -> list[BackendStatus]:
        """Which backend serves each role (answerer, speech, ocr, embedder, store), its model, whether
        the model is loaded and whether content goes off this machine; loads no model."""
        builders = {"answerer": self.answerer, "speech": self.transcriber, "ocr": self.ocr_reader, "embedder": lambda: self.store.embedder}
        return backend_status(self.settings, builders)

    def _context(self, audio_progress: Any = None) -> ExtractContext:
        return ExtractContext(self.settings, self.transcriber, self.ocr_reader, self.vocabulary, audio_progress)

    def vocabulary(self) -> Hints:
        """Hints for the speech decoder: the user's terms (settings.vocabulary), always given, and the
        names in the workspace's documents, given only where a first pass nearly hears one."""
        documents = [s for s in self.store.sources() if s.kind not in {"audio", "transcript", "speakers"}]
        share = chunk_share(len(documents))  # each document its share, not whole 10-Ks
        texts: list[str] = []
        for source in documents:
            room = min(share, SCANNED_CHUNKS - len(texts))
            if room <= 0:
                break
            texts += [c.text for c in self.store.chunks_of(source.id, limit=room)]
        return build_vocabulary(parse_vocabulary(self.settings.vocabulary), texts)

    # -- library --------------------------------------------------------------------------------
    def ingest(self, paths: list[Path], progress: Progress | None = None, audio_progress: Any = None) -> IngestReport:
        """Ingest files and folders; ``audio_progress(done_s, total_s)`` follows long transcriptions."""
        return ingest_paths(paths, self.store, self._context(audio_progress), progress)

    def sources(self) -> list[Source]:
        return self.store.sources()

    def workspaces(self) -> list[str]:
        """Names of the workspaces that exist in this store (a workspace exists once it was opened)."""
        from assistant.store import workspace_names

        return workspace_names(self.settings, self._client)

    def forget(self, source_id: str) -> Source:
        return self.store.forget(source_id)

    # -- single tools ---------------------------------------------------------------------------
    def transcribe(self, path: Path) -> Transcript:
        if checked_kind(path, self.settings) != "audio":
            raise BadInputError(f"{path}: not an audio or video file")
        hints = self.vocabulary()
        return self.transcriber().run(path, vocabulary=hints.terms, names=hints.names)

    def describe(self, path: Path) -> ImageDescription:
        from tools.describe_image import describe_image

        if checked_kind(path, self.settings) != "image":
            raise BadInputError(f"{path}: not an image")
        return describe_image(path, self.settings, ocr_reader=self.ocr_reader())

    # -- asking ---------------------------------------------------------------------------------
    def ask(
        self, turn: Turn, on_token: Callable[[str], None] | None = None, should_stop: Callable[[], bool] | None = None
    ) -> Answer:
        """Answer one turn: transcribe a voice question, read attached images, retrieve, answer, verify.

        ``on_token(piece)`` receives the answer as it is produced: tokens from a streaming model
        backend, sentence by sentence from the extractive one. Verification runs on the whole
        answer afterwards; its warnings and the profile's note come with the returned Answer.
        Evidence is numbered 1..n in the order the answer first cites it (the streamed pieces too).
        ``should_stop()`` is asked between stages and streamed pieces; when it says yes the turn
        ends with CancelledError (the asker has gone).
        """
        timings: dict[str, float] = {}
        warnings: list[str] = []

        def step() -> None:
            if should_stop is not None and should_stop():
                raise CancelledError("the question was abandoned before its answer was ready")

        check_question(turn.text, self.settings, has_audio=turn.audio is not None)
        for path in (turn.audio, *turn.images, *turn.files):
            if path is not None:
                checked_kind(Path(path), self.settings)  # bad attachments fail before any work starts
        question = (turn.text or "").strip()
        if turn.audio is not None:
            with _timed(timings, "transcribe"):
                hints = self.vocabulary()
                transcript = self.transcriber().run(Path(turn.audio), vocabulary=hints.terms, names=hints.names)
            spoken = transcript.text.strip()
            warnings += list(transcript.warnings)
            question = f"{question} {spoken}".strip()
            if not question:
                raise BadInputError("no speech found in the recording: record the question again, or type it")
            check_question(question, self.settings)
        step()
        plan = route(turn, has_sources=bool(self.store.count()), question=question)
        results: list[ToolResult] = []
        if plan.images:
            with _timed(timings, "describe_image"):
                for p in plan.images:
                    step()
                    results.append(self._image_evidence(Path(p)))
        if plan.files:
            with _timed(timings, "read_files"):
                for p in plan.files:
                    step()
                    results.append(self._file_evidence(Path(p)))
        step()
        if plan.retrieve:
            with _timed(timings, "retrieve"):
                results.append(self._retrieve(question))
        step()
        evidence = _numbered(results)
        renumbering = Renumbering([e.n for e in evidence])
        streamed = None
        if on_token is not None:
            sink = on_token

            def streamed(piece: str) -> None:
                step()
                shown = renumbering.feed(piece)
                if shown:
                    sink(shown)
        warnings += [f"{r.tool} failed: {r.error}" for r in results if r.error]
        for result in results:  # each image's warnings name it; the caption hint comes once per turn
            if isinstance(result.detail, ImageDescription):
                name = Path(result.detail.path).name
                for warning in result.detail.warnings:
                    if warning.startswith("no caption") and any(w.split(": ", 1)[-1].startswith("no caption") for w in warnings):
                        continue
                    warnings.append(f"{name}: {warning}")
        with _timed(timings, "answer"):
            images = [r.detail for r in results if isinstance(r.detail, ImageDescription)]
            draft = self._draft(question, evidence, images, warnings, streamed)
            if on_token is not None and (rest := renumbering.flush()):
                on_token(rest)
        text = renumbering.rewrite(draft.text)
        order = renumbering.mapping()
        evidence = tuple(sorted((replace(e, n=order[e.n]) for e in evidence), key=lambda e: e.n))
        with _timed(timings, "verify"):
            citations, problems = verify(text, evidence, draft.computed)
        note = PROFILE_NOTES.get(self.settings.profile)
        if note and text != NOT_FOUND:
            text = f"{text}\n\n{note}"
        return Answer(
            question=question,
            answer=text,
            citations=citations,
            evidence=evidence,  # cited first (in the order cited), then the rest
            timings=timings,
            warnings=tuple(warnings + problems),
        )

    def _draft(
        self,
        question: str,
        evidence: tuple[Evidence, ...],
        images: list[Any],
        warnings: list[str],
        on_token: Callable[[str], None] | None,
    ) -> Draft:
        answerer = self.answerer()
        shown: list[str] = []

        def show(piece: str) -> None:
            shown.append(piece)
            if on_token is not None:
                on_token(piece)

        streams = on_token is not None and hasattr(answerer, "on_token")
        if streams:
            answerer.on_token = show  # type: ignore[attr-defined]
        try:
            draft = answerer.run(question, evidence, images=images)
        except ToolError as exc:  # e.g. a model server timing out: answer anyway, and say so
            warnings.append(f"the {self.settings.answerer} answerer failed ({exc}); answered with the extractive answerer")
            draft = ANSWERERS["extractive"](self.settings).run(question, evidence, images=images)
            if shown:
                show("\n")  # the fallback answer starts on a line of its own
            shown.clear()
        finally:
            if streams:
                answerer.on_token = None  # type: ignore[attr-defined]
        if on_token is not None and not shown:  # a backend that does not stream: its sentences, in order
            for piece in sentence_pieces(draft.text):
                on_token(piece)
        return draft

    def _image_evidence(self, path: Path) -> ToolResult:
        from tools.describe_image import describe_image, image_pieces

        try:
            description = describe_image(path, self.settings, ocr_reader=self.ocr_reader())
        except BadInputError:
            raise  # the user's attachment is unreadable: say so, do not answer without it
        except ModalystError as exc:
            return ToolResult("describe_image", error=f"{path.name}: {exc}")
        shown = Path(description.path) if description.dicom is not None else path  # a DICOM's neutral name
        items = tuple(
            Evidence(0, text, f"attachment:{shown.name}", Locator(path=str(shown), bbox=bbox), 1.0, spans)
            for text, bbox, spans in image_pieces(description)
        )
        return ToolResult("describe_image", evidence=items, detail=description)

    def _file_evidence(self, path: Path) -> ToolResult:
        try:
            extracted = EXTRACTORS[detect_kind(path)](path, f"attachment:{path.name}", self._context())
        except BadInputError:
            raise
        except ModalystError as exc:
            return ToolResult("read_files", error=f"{path.name}: {exc}")
        items = tuple(Evidence(0, c.text, c.source_id, c.locator, 1.0, c.spans) for c in extracted.chunks)
        return ToolResult("read_files", evidence=items)

    def _retrieve(self, question: str) -> ToolResult:
        try:
            if self._retriever is None:
                from assistant.retrieval import HybridRetriever

                self._retriever = HybridRetriever(self.store, self.settings)
            hits = self._retriever.search(question, self.settings.top_k)
        except ModalystError as exc:
            return ToolResult("retrieve", error=str(exc))
        return ToolResult("retrieve", evidence=tuple(Evidence(0, h.chunk.text, h.chunk.source_id, h.chunk.locator, h.score, h.chunk.spans) for h in hits))


def sentence_pieces(text: str) -> list[str]:
    """``text`` cut after each sentence, whitespace kept, so the pieces join back to ``text``.

    >>> sentence_pieces("Sales rose [1]. Costs fell [2].")
    ['Sales rose [1]. ', 'Costs fell [2].']
    """
    return re.findall(r".+?(?:[.!?]+(?=\s|$)\s*|$)", text, flags=re.S) if text else []


def _numbered(results: list[ToolResult]) -> tuple[Evidence, ...]:
    items = [e for r in results for e in r.evidence]
    return tuple(replace(e, n=i) for i, e in enumerate(items, start=1))


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + (time.perf_counter() - start) * 1000.0
