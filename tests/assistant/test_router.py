from assistant.router import route
from assistant.types import Turn


def test_text_question_retrieves_when_workspace_has_sources() -> None:
    plan = route(Turn(text="What was revenue?"), has_sources=True)
    assert plan.tools == ["retrieve"]
    assert route(Turn(text="What was revenue?"), has_sources=False).tools == []


def test_voice_and_images_add_tools_in_order() -> None:
    plan = route(Turn(audio="q.wav", images=("a.png",)), has_sources=True, question="compare revenue with the filing")
    assert plan.tools == ["transcribe", "describe_image", "retrieve"]


def test_question_about_the_attached_chart_skips_retrieval() -> None:
    plan = route(Turn(text="What is the peak in the second chart?", images=("a.png", "b.png")), has_sources=True)
    assert plan.tools == ["describe_image"] and plan.images == ("a.png", "b.png")
    assert route(Turn(text="this chart"), has_sources=True).retrieve  # no image attached: nothing to read
