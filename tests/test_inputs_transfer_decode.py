"""torchvision-backed transfer datasets decode with the toolkit's decoder: 16-bit images scaled, an unreadable
file an item the extraction skips and reports ('path: reason'), never a crash (DTD layout as the example)."""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from intriguing.experiments.transfer.datasets import get_dataset
from intriguing.experiments.transfer.extract import readable


def _dtd(root):
    data = root / "dtd" / "dtd"
    lines = []
    for cls in ("banded", "dotted"):
        (data / "images" / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((40, 40, 3), 50 + 100 * i, np.uint8)).save(data / "images" / cls / f"{i}.jpg")
            lines.append(f"{cls}/{i}.jpg")
    ramp = np.tile(np.linspace(0, 65535, 40), (40, 1)).astype(np.uint16)
    Image.fromarray(ramp).save(data / "images" / "banded" / "deep.jpg", format="PNG")
    (data / "images" / "dotted" / "bad.jpg").write_bytes(b"no image here")
    (data / "labels").mkdir()
    for split in ("train", "val", "test"):
        (data / "labels" / f"{split}1.txt").write_text("\n".join(lines + ["banded/deep.jpg", "dotted/bad.jpg"]))
    return data


def test_torchvision_dataset_items_are_decoded_by_the_toolkit(tmp_path):
    data = _dtd(tmp_path)
    ds = get_dataset("dtd").load(tmp_path, "test", transform=None)
    assert ds.classes == ["banded", "dotted"] and len(ds) == 6
    deep, label = ds[4]
    arr = np.asarray(deep)
    assert label == 0 and arr.min() < 5 and 100 < arr.mean() < 155  # torchvision's convert("RGB") gives 255
    assert ds[5] == (None, f"{data / 'images' / 'dotted' / 'bad.jpg'}: not an image")


def test_the_extraction_batches_skip_the_unreadable_item_with_its_reason(tmp_path):
    _dtd(tmp_path)
    ds = get_dataset("dtd").load(tmp_path, "train", transform=lambda im: torch.from_numpy(
        np.asarray(im.resize((8, 8))).copy()).permute(2, 0, 1))
    batches = list(DataLoader(ds, batch_size=12, collate_fn=readable))
    images, labels, reasons = batches[0]
    assert images.shape == (10, 3, 8, 8) and labels.tolist().count(1) == 4  # train+val, 6 each, 2 unreadable
    assert len(reasons) == 2 and all(r.endswith("bad.jpg: not an image") for r in reasons)
