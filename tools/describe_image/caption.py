"""Image captions come from a vision-language model; the embedded default has none.

No caption is ever made up: without a configured captioner, :func:`caption_image` returns ``None``
and a warning naming the setting that enables captions.

Example:
    >>> from PIL import Image
    >>> from assistant.settings import Settings
    >>> caption_image(Image.new("RGB", (8, 8)), Settings())[0] is None
    True
"""

from __future__ import annotations

import logging
from typing import Protocol

from PIL import Image

from assistant.settings import Settings

logger = logging.getLogger(__name__)

NO_CAPTION_WARNING = (
    'no caption: set answerer = "transformers" (with vlm_model) or "openai" '
    "to describe images with a vision-language model"
)
DEFAULT_PROMPT = "Describe this image factually for an analyst. Mention visible text, numbers and findings."


class Captioner(Protocol):
    """A vision-language model that writes a short factual description of an image."""

    name: str

    def warm_up(self) -> None:
        """Load the model now (otherwise on first use)."""

    def caption(self, image: Image.Image, prompt: str = DEFAULT_PROMPT) -> str:
        """A short description of ``image``."""


def caption_image(
    image: Image.Image, settings: Settings, captioner: Captioner | None = None, prompt: str = DEFAULT_PROMPT
) -> tuple[str | None, str | None]:
    """``(caption, None)`` from ``captioner``, or ``(None, warning)`` when no vision model is configured.

    The vision-language backends live with the answerers; whoever builds one passes it in here.
    """
    if captioner is None:
        if settings.answerer != "extractive":
            return None, f"no caption: the {settings.answerer!r} answerer did not provide an image captioner"
        return None, NO_CAPTION_WARNING
    text = captioner.caption(image, prompt).strip()
    if not text:
        return None, f"no caption: the {captioner.name} captioner returned nothing"
    logger.debug("caption by %s: %s", captioner.name, text[:80])
    return text, None
