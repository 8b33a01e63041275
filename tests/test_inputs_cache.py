"""The transfer feature cache is keyed on the weights too: another checkpoint under the same model name, or the
same file rewritten, is a miss; the same file again is a hit (and images deleted from the folder are a miss)."""

from __future__ import annotations

import os
import shutil

import torch

from intriguing.cli import run_command
from intriguing.records import read_records


def test_feature_cache_follows_the_weights_and_the_file_list(tmp_path, image_folder):
    import timm

    root = tmp_path / "t"
    for split in ("train", "test"):
        shutil.copytree(image_folder, root / split)
    for i, name in enumerate(("a.pth", "b.pth")):
        torch.manual_seed(i)
        torch.save(timm.create_model("resnet10t").state_dict(), tmp_path / name)

    def run(ckpt: str, out: str) -> set:
        assert (
            run_command(
                "transfer",
                [
                    "--models",
                    f"resnet10t={tmp_path / ckpt}",
                    "--dataset",
                    "folder",
                    "--data-path",
                    str(root),
                    "--epochs",
                    "1",
                    "--lrs",
                    "1e-3",
                    "--weight-decays",
                    "0.1",
                    "--val-fraction",
                    "0.5",
                    "--cache-dir",
                    str(tmp_path / "cache"),
                    "--out-dir",
                    str(tmp_path / out),
                    "--workers",
                    "0",
                    "--batch-size",
                    "24",
                    "--no-progress",
                    "--no-plot",
                ],
            )
            == 0
        )
        return {r["cache"] for r in read_records(tmp_path / out)}

    assert run("a.pth", "1") == {"miss"}
    assert run("b.pth", "2") == {"miss"}  # other weights, same model name: extracted again
    assert run("a.pth", "3") == {"hit"}  # the first weights again: served from the cache
    st = os.stat(tmp_path / "a.pth")
    torch.manual_seed(7)  # the same file rewritten with other weights
    torch.save(timm.create_model("resnet10t").state_dict(), tmp_path / "a.pth")
    os.utime(tmp_path / "a.pth", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert run("a.pth", "4") == {"miss"}
    assert run("a.pth", "5") == {"hit"}
    (root / "train" / "n01440764" / "img_0.JPEG").unlink()  # the folder changed: a miss, not a stale hit
    assert "miss" in run("a.pth", "6")
