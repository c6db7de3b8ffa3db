"""Per-session files and the library copy of uploads."""

import gc

from ui.session import SessionFiles, display_name, keep_in_library, safe_name


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
