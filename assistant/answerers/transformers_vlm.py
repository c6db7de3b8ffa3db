"""The ``transformers`` answerer: any image-text-to-text model by hub id or local folder
(``AutoProcessor`` + ``AutoModelForImageTextToText``), prompted through the model's own chat template,
with the turn's images passed as images and greedy decoding within ``max_new_tokens``.

A hub id is downloaded once, and only because the user named it; a local folder never touches the
network. :class:`VLMCaptioner` asks the same model for a factual description of one image.

Example:
    >>> settings = Settings(answerer="transformers", vlm_model="HuggingFaceTB/SmolVLM-256M-Instruct")
    >>> answerer = TransformersVLMAnswerer(settings)                     # doctest: +SKIP
    >>> answerer.run("What was revenue in Q1?", evidence).text           # doctest: +SKIP
    'Revenue was $4.2 billion in Q1 [1].'
    >>> answerer.captioner().caption(Image.open("chart.png"))            # doctest: +SKIP
    'A bar chart of quarterly revenue ...'
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.answerers.base import NOT_FOUND, Draft
from assistant.answerers.prompting import Message, build_messages, caption_messages, open_image, shown_results
from assistant.errors import BackendUnavailableError, SettingsError
from assistant.settings import Settings  # noqa: F401  (used in the doctest)
from assistant.types import Evidence, ImageDescription

logger = logging.getLogger(__name__)

VLM_INSTALL = "pip install 'modalyst[vlm]'"


def _transformers() -> Any:
    try:
        import torch  # noqa: F401
        import transformers
    except ImportError as exc:
        raise BackendUnavailableError(f"the transformers answerer needs transformers and torch: {VLM_INSTALL}") from exc
    return transformers


class VLMRuntime:
    """A loaded processor and model, shared by the answerer and the captioner; loads on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processor: Any = None
        self.model: Any = None

    def load(self) -> None:
        if self.model is not None:
            return
        name = self.settings.vlm_model.strip()
        if not name:
            raise SettingsError(
                'setting vlm_model is empty: set vlm_model to a hub id or a local model folder for answerer = "transformers"'
            )
        transformers = _transformers()
        local = Path(name).expanduser()
        source = str(local) if local.is_dir() else name
        try:
            processor = transformers.AutoProcessor.from_pretrained(source)
            model = transformers.AutoModelForImageTextToText.from_pretrained(source, dtype="auto")
        except (OSError, ValueError, KeyError) as exc:
            raise BackendUnavailableError(
                f"setting vlm_model={name!r} could not be loaded as an image-text-to-text model "
                f"(a local folder, or a hub id downloaded once while online): {exc}"
            ) from exc
        import torch

        if torch.cuda.is_available():
            model = model.to("cuda")
        model.eval()
        self.processor, self.model = processor, model
        logger.info("loaded vision-language model %s (%s)", name, type(model).__name__)

    def _inputs(self, messages: list[Message]) -> Any:
        return self.processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
        ).to(self.model.device)

    def generate(self, messages: Sequence[Message], images: Sequence[Any], on_token: Callable[[str], None] | None = None) -> str:
        """Greedy decoding of the answer to ``messages``; ``images`` fill the image parts in order;
        ``on_token`` receives the decoded text piece by piece while it is generated."""
        import torch

        self.load()
        filled = _with_images(messages, list(images))
        try:
            inputs = self._inputs(filled)
        except Exception as exc:  # jinja2's TemplateError: some chat templates refuse a system role
            if type(exc).__name__ != "TemplateError" or filled[0]["role"] != "system":
                raise
            inputs = self._inputs(_system_into_user(filled))
        if "pixel_values" in inputs and inputs["pixel_values"].is_floating_point():
            inputs["pixel_values"] = inputs["pixel_values"].to(self.model.dtype)
        with torch.inference_mode():
            streamer = _piece_streamer(self.processor, on_token) if on_token is not None else None
            output = self.model.generate(
                **inputs, max_new_tokens=self.settings.max_new_tokens, do_sample=False, streamer=streamer
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        return self.processor.batch_decode(new_tokens, skip_special_tokens=True)[0].strip()


def _piece_streamer(processor: Any, on_token: Callable[[str], None]) -> Any:
    """A transformers ``TextStreamer`` that hands each finished piece of new text to ``on_token``."""
    transformers = _transformers()

    class PieceStreamer(transformers.TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            if text:
                on_token(text)

    tokenizer = getattr(processor, "tokenizer", processor)
    return PieceStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


def _system_into_user(messages: list[Message]) -> list[Message]:
    """The system text moved to the front of the first user message's text."""
    system, user, *rest = messages
    text = "\n\n".join(p["text"] for p in system["content"] if p.get("type") == "text")
    parts = list(user["content"])
    first_text = next(i for i, p in enumerate(parts) if p.get("type") == "text")
    parts[first_text] = {"type": "text", "text": f"{text}\n\n{parts[first_text]['text']}"}
    return [{"role": user["role"], "content": parts}, *rest]


def _with_images(messages: Sequence[Message], images: list[Any]) -> list[Message]:
    """The messages with each ``{"type": "image"}`` part carrying its PIL image (paths dropped)."""
    pending = iter(images)
    filled = []
    for message in messages:
        parts = []
        for part in message["content"]:
            if part.get("type") == "image":
                parts.append({"type": "image", "image": next(pending)})
            else:
                parts.append(part)
        filled.append({"role": message["role"], "content": parts})
    return filled


class TransformersVLMAnswerer:
    """Answers from numbered evidence and the turn's images with a local vision-language model."""

    name = "transformers"
    description = "a local image-text-to-text model (transformers) answering from cited evidence and images"

    def __init__(self, settings: Settings, runtime: VLMRuntime | None = None) -> None:
        self.settings = settings
        self.runtime = runtime or VLMRuntime(settings)
        self.on_token: Callable[[str], None] | None = None  # set to receive the answer as it is generated

    def warm_up(self) -> None:
        self.runtime.load()

    def run(self, question: str, evidence: Sequence[Evidence], images: Sequence[ImageDescription] = ()) -> Draft:
        if not evidence and not images:
            return Draft(NOT_FOUND)
        messages = build_messages(question, evidence, images, profile=self.settings.profile)
        text = self.runtime.generate(messages, [open_image(d.path) for d in images], on_token=self.on_token)
        return Draft(text, computed=shown_results(text)) if text else Draft(NOT_FOUND)

    def captioner(self) -> VLMCaptioner:
        """A captioner sharing this answerer's loaded model."""
        return VLMCaptioner(self.settings, runtime=self.runtime)


class VLMCaptioner:
    """The ``Captioner`` of ``tools.describe_image.caption`` backed by the configured local model.

    Example:
        >>> VLMCaptioner(settings).caption(Image.open("scan.png"))   # doctest: +SKIP
        'An axial CT slice of the chest ...'
    """

    name = "transformers"

    def __init__(self, settings: Settings, runtime: VLMRuntime | None = None) -> None:
        self.settings = settings
        self.runtime = runtime or VLMRuntime(settings)

    def warm_up(self) -> None:
        self.runtime.load()

    def caption(self, image: Any, prompt: str | None = None) -> str:
        from tools.describe_image.caption import DEFAULT_PROMPT

        return self.runtime.generate(caption_messages(prompt or DEFAULT_PROMPT), [image.convert("RGB")])
