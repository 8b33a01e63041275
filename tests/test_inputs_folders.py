"""Folder scanning and subsets: limit < 1 is refused by the library too (0 once meant "every image"); links
never duplicate an image, while a class folder linked from outside the root is still a class."""

from __future__ import annotations

import os
import shutil

import pytest

from intriguing.data import evenly_spaced, limit_samples, scan_folder
from intriguing.errors import UserError


@pytest.mark.parametrize("limit", [0, -3])
def test_limit_below_one_is_refused_by_the_library(image_folder, limit):
    with pytest.raises(UserError, match=f"--limit must be at least 1 .*got {limit}"):
        evenly_spaced(10, limit)
    with pytest.raises(UserError, match="--limit must be at least 1"):
        limit_samples(scan_folder(image_folder), limit)


def test_limit_none_is_everything_and_a_limit_is_evenly_spaced(image_folder):
    images = scan_folder(image_folder)
    assert evenly_spaced(10, None) == list(range(10)) and evenly_spaced(10, 20) == list(range(10))
    assert evenly_spaced(10, 1) == [0] and evenly_spaced(10, 3) == [0, 4, 9]  # 4.5 rounds to even
    assert len(limit_samples(images, None)) == 12 and len(limit_samples(images, 3)) == 3


def test_a_file_linked_twice_is_one_image_and_outside_class_links_are_classes(tmp_path, image_folder):
    before = scan_folder(image_folder)
    cls = image_folder / "n01440764"
    os.symlink(cls / "img_0.JPEG", cls / "img_0_again.JPEG")  # a second name for one file
    outside = tmp_path / "elsewhere" / "n03000684"
    shutil.copytree(image_folder / "n02102040", outside)
    for f in outside.iterdir():  # other files (a class that lives elsewhere)
        f.write_bytes(f.read_bytes() + b"\0")
    os.symlink(outside, image_folder / "n03000684")
    images = scan_folder(image_folder)
    assert len(images) == len(before) + 4  # the twice-linked file once, the outside class's 4 images
    assert images.classes == sorted(before.classes + ["n03000684"])
    assert sum(p.startswith(str(cls)) for p, _ in images.samples) == 4


def test_a_loop_inside_a_class_folder_is_not_followed(image_folder):
    before = scan_folder(image_folder)
    nested = image_folder / "n02102040" / "sub"
    nested.mkdir()
    os.symlink(image_folder / "n02102040", nested / "back")  # .../sub/back -> its own class: a loop
    os.symlink(image_folder, image_folder / "n02979186" / "root")  # a class folder linking to the root
    assert scan_folder(image_folder).samples == before.samples
