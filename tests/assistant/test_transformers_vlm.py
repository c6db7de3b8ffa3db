"""The transformers answerer on a tiny randomly initialised Idefics3 (SmolVLM architecture) model,
built and saved here, loaded back through the real Auto* path, prompted and generated offline."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("transformers")
pytest.importorskip("torch")

from PIL import Image  # noqa: E402

from assistant.answerers.base import NOT_FOUND, Draft  # noqa: E402
from assistant.answerers.transformers_vlm import TransformersVLMAnswerer, VLMCaptioner  # noqa: E402
from assistant.errors import BackendUnavailableError, SettingsError  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.types import Evidence, ImageDescription, Locator  # noqa: E402

# SmolVLM's chat template, in short.
CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
SPECIALS = ["<unk>", "<|im_start|>", "<end_of_utterance>", "<image>", "<fake_token_around_image>", "<global-img>"] + [
    f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)
]
WORDS = "User: Assistant: System: the revenue was in Q1 [1] [2] . , $4.2 billion Not found your material".split()


def build_tiny_smolvlm(folder: Path) -> Path:
    """A tiny Idefics3 model and processor with a locally built word-level tokenizer; no hub."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor, PreTrainedTokenizerFast
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    vocab = {token: i for i, token in enumerate(SPECIALS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="<unk>",
        pad_token="<unk>",
        bos_token="<|im_start|>",
        eos_token="<end_of_utterance>",
        additional_special_tokens=SPECIALS[1:],
    )
    # image_seq_len = (image_size / patch_size) ** 2 / scale_factor ** 2 = (32 / 8) ** 2 / 4 = 4
    image_processor = Idefics3ImageProcessorPil(size={"longest_edge": 64}, max_image_size={"longest_edge": 32})
    processor = Idefics3Processor(image_processor=image_processor, tokenizer=tokenizer, image_seq_len=4, chat_template=CHAT_TEMPLATE)
    config = Idefics3Config(
        vision_config={"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        text_config={"model_type": "llama", "vocab_size": len(vocab), "hidden_size": 16, "intermediate_size": 32,
                     "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
                     "max_position_embeddings": 4096, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2},
        image_token_id=vocab["<image>"],
        scale_factor=2,
    )
    Idefics3ForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_smolvlm(tmp_path_factory.mktemp("tiny-smolvlm"))


@pytest.fixture
def chart_png(tmp_path) -> Path:
    path = tmp_path / "chart.png"
    Image.new("RGB", (48, 36), "navy").save(path)
    return path


EVIDENCE = [
    Evidence(1, "Revenue was $4.2 billion in Q1.", "s1", Locator("r.pdf", page=2), 0.9),
    Evidence(2, "Operating margin was 12%.", "s1", Locator("r.pdf", page=3), 0.7),
]


def _spy_generate(answerer: TransformersVLMAnswerer) -> list[dict]:
    """Record generate's keyword arguments and output length while the real method runs."""
    answerer.warm_up()
    model = answerer.runtime.model
    real, calls = model.generate, []

    def generate(**kwargs):
        output = real(**kwargs)
        calls.append({**kwargs, "_new_tokens": output.shape[1] - kwargs["input_ids"].shape[1]})
        return output

    model.generate = generate
    return calls


def test_answers_with_images_within_the_token_budget(tiny_model, chart_png):
    settings = Settings(answerer="transformers", vlm_model=str(tiny_model), max_new_tokens=7, profile="finance")
    answerer = TransformersVLMAnswerer(settings)
    calls = _spy_generate(answerer)
    image = ImageDescription(path=str(chart_png), width=48, height=36)

    draft = answerer.run("What was revenue in Q1?", EVIDENCE, images=[image, image])

    assert isinstance(draft, Draft) and isinstance(draft.text, str) and draft.text
    (call,) = calls
    assert call["max_new_tokens"] == 7 and call["do_sample"] is False
    assert call["_new_tokens"] <= 7
    assert call["pixel_values"].shape[0] == 1 and call["pixel_values"].shape[1] >= 2  # both images went in
    image_token = answerer.runtime.processor.tokenizer.convert_tokens_to_ids("<image>")
    assert (call["input_ids"] == image_token).sum() >= 2 * 4


def test_text_only_question_and_empty_evidence(tiny_model):
    answerer = TransformersVLMAnswerer(Settings(answerer="transformers", vlm_model=str(tiny_model), max_new_tokens=3))
    calls = _spy_generate(answerer)
    assert isinstance(answerer.run("What was revenue?", EVIDENCE).text, str)
    assert "pixel_values" not in calls[0]
    assert answerer.run("What was revenue?", []).text == NOT_FOUND
    assert len(calls) == 1  # no evidence, no images: nothing to ask the model


def test_captioner_uses_the_same_model(tiny_model):
    answerer = TransformersVLMAnswerer(Settings(answerer="transformers", vlm_model=str(tiny_model), max_new_tokens=4))
    calls = _spy_generate(answerer)
    captioner = answerer.captioner()
    assert isinstance(captioner, VLMCaptioner) and captioner.runtime is answerer.runtime
    text = captioner.caption(Image.new("L", (40, 40), 128))
    assert isinstance(text, str)
    assert calls[0]["max_new_tokens"] == 4 and "pixel_values" in calls[0]


def test_empty_model_setting_names_the_field():
    with pytest.raises(SettingsError, match="vlm_model"):
        TransformersVLMAnswerer(Settings(answerer="transformers")).warm_up()


def test_unloadable_model_names_the_setting(tmp_path):
    with pytest.raises(BackendUnavailableError, match="vlm_model"):
        TransformersVLMAnswerer(Settings(answerer="transformers", vlm_model=str(tmp_path))).warm_up()


def test_missing_transformers_gives_the_install_line(monkeypatch, tiny_model):
    import builtins

    real_import = builtins.__import__

    def no_transformers(name, *args, **kwargs):
        if name == "transformers" or name.startswith("transformers."):
            raise ImportError("No module named 'transformers'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_transformers)
    with pytest.raises(BackendUnavailableError, match=r"pip install 'modalyst\[vlm\]'"):
        TransformersVLMAnswerer(Settings(answerer="transformers", vlm_model=str(tiny_model))).warm_up()


def test_chat_template_without_a_system_role(tiny_model, tmp_path):
    import shutil

    folder = tmp_path / "no-system"
    shutil.copytree(tiny_model, folder)
    template = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" + CHAT_TEMPLATE
    (folder / "chat_template.jinja").write_text(template)
    answerer = TransformersVLMAnswerer(Settings(answerer="transformers", vlm_model=str(folder), max_new_tokens=2))
    calls = _spy_generate(answerer)
    assert isinstance(answerer.run("What was revenue?", EVIDENCE).text, str) and len(calls) == 1


def test_generated_text_streams_to_on_token(tiny_model, chart_png):
    settings = Settings(answerer="transformers", vlm_model=str(tiny_model), max_new_tokens=7)
    answerer = TransformersVLMAnswerer(settings)
    answerer.runtime.load()
    config = answerer.runtime.model.generation_config  # random weights: make it write words, never stop early
    config.suppress_tokens = list(range(len(SPECIALS)))
    config.min_new_tokens = 7
    calls = _spy_generate(answerer)
    pieces: list[str] = []
    answerer.on_token = pieces.append
    image = ImageDescription(path=str(chart_png), width=48, height=36)
    draft = answerer.run("What was revenue in Q1?", EVIDENCE, images=[image])
    assert calls[0]["streamer"] is not None  # a TextStreamer went into generate
    assert draft.text != NOT_FOUND and pieces and "".join(pieces).strip() == draft.text
    answerer.on_token = None
    answerer.run("What was revenue in Q1?", EVIDENCE, images=[image])
    assert calls[1]["streamer"] is None
