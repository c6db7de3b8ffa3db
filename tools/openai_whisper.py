"""The ``openai-whisper`` speech backend (``whisper.load_model``), behind the optional extra.

The package declares ``triton`` (~1 GB) although it runs on the CPU without it, so it is installed
without dependencies and its real needs come from the ``openai-whisper`` extra (see README).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import BackendUnavailableError, SettingsError, ToolError
from assistant.settings import Settings
from assistant.types import Segment, Transcript
from tools.transcribe import (
    AudioInput,
    EMBEDDED_MODEL,
    load_samples,
    OPENAI_WHISPER_INSTALL,
    Progress,
    SAMPLE_RATE,
    make_transcript,
)
from tools.hints import MAX_HINTS, heard, hint_line

logger = logging.getLogger(__name__)


class OpenAIWhisperTranscriber:
    """Whisper through the ``openai-whisper`` package (PyTorch, CPU). ``speech_model`` is a size
    name (downloaded by the package on first use) or a local ``.pt`` checkpoint.

    Example:
        >>> t = OpenAIWhisperTranscriber(Settings(speech_backend="openai-whisper", speech_model="base.pt"))
        >>> t.run("call.mp3").segments[0].start  # doctest: +SKIP
        0.0
    """

    name = "openai-whisper"
    description = "Whisper speech recognition with the reference openai-whisper package (PyTorch)"
    # Greedy first, then sampling fallbacks when a window's output looks like a failure (package default).
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model: Any = None

    def _whisper(self) -> Any:
        try:
            import whisper
        except ImportError as exc:
            raise BackendUnavailableError(f"openai-whisper is not installed; run: {OPENAI_WHISPER_INSTALL}") from exc
        return whisper

    def warm_up(self) -> None:
        if self._model is not None:
            return
        whisper = self._whisper()
        wanted = self.settings.speech_model
        if wanted == EMBEDDED_MODEL:
            raise SettingsError(
                f"setting speech_model={wanted!r} holds CTranslate2 weights for faster-whisper; with "
                "speech_backend='openai-whisper' set speech_model to a Whisper size or a local .pt checkpoint"
            )
        is_file = Path(wanted).expanduser().is_file()
        if not is_file and wanted not in whisper.available_models():
            raise SettingsError(
                f"setting speech_model={wanted!r} is neither a local .pt checkpoint nor a Whisper size "
                f"({', '.join(whisper.available_models())})"
            )
        if self.settings.threads:
            import torch

            torch.set_num_threads(self.settings.threads)
        location = str(Path(wanted).expanduser()) if is_file else wanted
        logger.info("loading openai-whisper model %s", location)
        try:
            self._model = whisper.load_model(
                location, device="cpu", download_root=str(self.settings.models_dir / "openai-whisper")
            )
        except (RuntimeError, KeyError, OSError, ValueError) as exc:
            raise BackendUnavailableError(f"cannot load openai-whisper model {location!r}: {exc}") from exc

    def _decode(self, samples: Any, prompt: str | None) -> dict[str, Any]:
        try:
            return self._model.transcribe(
                samples,
                language=self.settings.speech_language or None,
                initial_prompt=prompt,
                temperature=self.temperatures,
                fp16=False,
                verbose=None,
            )
        except RuntimeError as exc:
            raise ToolError(f"openai-whisper failed: {exc}") from exc

    def run(
        self,
        audio: AudioInput,
        vocabulary: Sequence[str] = (),
        progress: Progress | None = None,
        names: Sequence[str] = (),
    ) -> Transcript:
        """``vocabulary`` is Whisper's prompt; ``names`` are added to it, for a second decoding, only
        when the first pass nearly heard them (as with faster-whisper)."""
        samples = load_samples(audio)
        self.warm_up()
        duration = samples.size / SAMPLE_RATE
        result = self._decode(samples, hint_line(vocabulary))
        heard_names = heard(names, str(result.get("text") or ""), limit=MAX_HINTS - len(vocabulary)) if names else []
        if heard_names:
            result = self._decode(samples, hint_line(vocabulary, heard_names))
        segments = []
        for item in result.get("segments", []):
            segments.append(Segment(float(item["start"]), float(item["end"]), str(item["text"]).strip()))
            if progress is not None:  # the package has no per-segment hook: reported once decoded
                progress(min(float(item["end"]), duration), duration)
        return make_transcript(segments, str(result.get("language") or ""), duration)
