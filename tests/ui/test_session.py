"""Per-session files and the library copy of uploads."""

import gc

from ui.session import SessionFiles, SessionSweeper, display_name, keep_in_library, safe_name


def test_safe_name_drops_folders_and_odd_characters() -> None:
    assert safe_name("../../etc/pass wd.png") == "pass_wd.png"
    assert safe_name("..") == "file"


def test_session_files_are_removed_when_the_session_goes(tmp_path) -> None:
    files = SessionFiles(tmp_path)
    saved = files.save("a.png", b"x")
    again = files.save("a.png", b"y")
    assert saved != again and saved.read_bytes() == b"x"
    folder = files.path
    del files
    gc.collect()
    assert not folder.exists()


def test_clear_empties_the_folder(tmp_path) -> None:
    files = SessionFiles(tmp_path)
    files.save("a.wav", b"x")
    files.clear()
    assert files.path.is_dir() and not any(files.path.iterdir())
    files.remove()
    assert not files.path.exists()


def test_library_copy_is_named_by_content(tmp_path) -> None:
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path, workspace="w")
    first = keep_in_library(settings, "call 1.flac", b"abc")
    assert first == keep_in_library(settings, "call 1.flac", b"abc")
    assert first.parent == tmp_path / "library" / "w"
    assert display_name(first) == "call_1.flac"


def test_sweeper_removes_a_session_folder_after_the_grace_period(tmp_path) -> None:
    kept, gone = SessionFiles(tmp_path), SessionFiles(tmp_path)
    kept.save("a.png", b"x")
    gone.save("b.wav", b"y")
    sweeper = SessionSweeper(grace=120)
    sweeper.register("alive", kept.path)
    sweeper.register("ended", gone.path)
    active = {"alive"}.__contains__
    assert sweeper.sweep(active, now=0.0) == []  # just noticed as gone: it may still reconnect
    assert sweeper.sweep(active, now=119.0) == [] and gone.path.is_dir()
    assert sweeper.sweep(active, now=120.0) == [gone.path]
    assert not gone.path.exists() and kept.path.is_dir()
    assert sweeper.sweep(active, now=500.0) == []


def test_sweeper_forgives_a_reconnect_within_the_grace_period(tmp_path) -> None:
    files = SessionFiles(tmp_path)
    sweeper = SessionSweeper(grace=10)
    sweeper.register("s", files.path)
    sweeper.sweep(lambda sid: False, now=0.0)
    sweeper.sweep(lambda sid: True, now=5.0)  # the tab reconnected
    assert sweeper.sweep(lambda sid: False, now=12.0) == []
    assert sweeper.sweep(lambda sid: False, now=22.0) == [files.path]
