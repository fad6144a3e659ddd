"""A second storage for the tests that prove Kund's files go through Django's `STORAGES` only (SPEC §9):
the default storage swapped for one that notes every call — in memory, or on the file system in a
directory of its own — while MEDIA_ROOT points at an empty directory that must stay empty. Code that
built a path from MEDIA_ROOT, or opened, wrote or removed a file by itself, would leave the storage's
files in place or put something under MEDIA_ROOT."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage

CALLS: list[tuple[str, str]] = []  # (what, name) for every open, save and delete of the storage


class _Recording:
    def _open(self, name, mode="rb"):
        CALLS.append(("open", name))
        return super()._open(name, mode)

    def _save(self, name, content):
        saved = super()._save(name, content)
        CALLS.append(("save", saved))
        return saved

    def delete(self, name):
        CALLS.append(("delete", name))
        return super().delete(name)


class RecordingMemoryStorage(_Recording, InMemoryStorage):
    """InMemoryStorage that notes its calls; it has no path() to hand out."""


class RecordingFileStorage(_Recording, FileSystemStorage):
    """FileSystemStorage that notes its calls, in a directory other than MEDIA_ROOT."""


@dataclass
class SecondStorage:
    kind: str
    media_root: Path
    location: Path | None  # where the file-system storage keeps its files; None in memory
    calls: list[tuple[str, str]] = field(default_factory=lambda: CALLS)

    @property
    def storage(self):
        return default_storage

    def names(self, what: str) -> set[str]:
        return {name for call, name in self.calls if call == what}

    def files_on_disk(self) -> set[str]:
        """The files in the storage's own directory, as storage names."""
        if self.location is None:
            return set()
        return {p.relative_to(self.location).as_posix() for p in self.location.rglob("*") if p.is_file()}

    def assert_media_root_untouched(self) -> None:
        assert not any(self.media_root.rglob("*")), "a file was written under MEDIA_ROOT directly"


@pytest.fixture(params=["memory", "file-system"])
def second_storage(request, settings, tmp_path) -> SecondStorage:
    """The default storage replaced, for one test, by a recording one (in memory, then in a temporary
    directory of its own), with MEDIA_ROOT an empty directory."""
    media_root = tmp_path / "media"
    media_root.mkdir()
    settings.MEDIA_ROOT = str(media_root)
    location = None
    if request.param == "memory":
        default = {"BACKEND": f"{__name__}.RecordingMemoryStorage"}
    else:
        location = tmp_path / "store"
        default = {"BACKEND": f"{__name__}.RecordingFileStorage", "OPTIONS": {"location": str(location)}}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    CALLS.clear()
    assert isinstance(default_storage, _Recording)  # Django reset its default storage for the new setting
    yield SecondStorage(request.param, media_root, location)
    CALLS.clear()
