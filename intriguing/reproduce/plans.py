"""The two papers as plans: one step per table or figure, each an existing experiment with the paper's settings.

The settings are the papers' (ratios, grids, blocks, thresholds, eps, severities, data); where a paper leaves one
open, the toolkit's default stands and the step's title says so. ``quick`` is the light version ``--quick`` runs (a
few hundred images, one run, fewer conditions): a first look, never a reproduction; every number it gives is reported
"not comparable". Steps whose published entries hold no number (figures nobody could read off) are left out of the
quick plan: they would cost time and compare nothing.
"""
from __future__ import annotations

from typing import Dict

from intriguing.reproduce.plan import Plan, Step, Target

TENTHS = tuple(round(0.1 * i, 1) for i in range(10))           # PatchDrop ratios 0 .. 0.9
MASS_LEVELS = (0.0,) + tuple(round(0.1 * i, 1) for i in range(1, 11))  # salient drop: attention mass 0.1 .. 1.0
THIRDS = (0.25, 0.5, 0.75)
VITS = ("deit_tiny", "deit_small", "deit_base", "vit_large", "t2t_vit_24", "tnt_s")
SIN = ("deit_t_sin", "deit_t_sin_dist", "deit_s_sin", "deit_s_sin_dist")

NASEER = Plan("naseer2021", (
    Step("occlusion", "Random PatchDrop on the 14x14 patch grid, ratios 0-0.9, 5 runs (Fig. 3)", "occlusion",
         VITS + ("resnet50",), "imagenet-val", {"drop": ["random"], "ratios": list(TENTHS), "runs": 5},
         quick={"limit": 64, "runs": 1, "ratios": [0.0, 0.5, 0.9]},
         targets=(Target("fig3_text", "top1"), Target("fig3", "top1")), figures=("occlusion.png",)),
    Step("salient", "Salient / non-salient PatchDrop by DINO attention mass 0.1-1.0 (Figs. 3, 27)", "occlusion",
         ("deit_tiny", "deit_small", "deit_base", "resnet50"), "imagenet-val",
         {"drop": ["salient", "non-salient", "random"], "ratios": list(MASS_LEVELS), "saliency_rule": "mass"},
         quick={"limit": 32, "ratios": [0.0, 0.5]}, role_options={"saliency_model": "dino"},
         targets=(Target("fig27_caption", "top1"),), figures=("occlusion.png",)),
    Step("feature_correlation", "Clean-vs-occluded correlation of the final class token / pooled features (Table 1)",
         "feature-correlation", ("resnet50", "tnt_s", "vit_large", "deit_base", "t2t_vit_24"), "imagenet-val",
         {"ratios": list(THIRDS)}, quick={"limit": 32},
         targets=(Target("table1", "corr_final"),), figures=("feature_correlation.png",)),
    Step("shape_bias", "Shape bias on the 1,280 cue-conflict stimuli (Table 3, Fig. 6, Geirhos et al.'s ResNet-50)",
         "shape-bias", SIN + ("resnet50", "deit_tiny", "deit_small", "deit_base"), "cue-conflict", {},
         quick={"limit": 160},
         targets=(Target("table3_shape_bias", "shape_bias", ("token",)), Target("geirhos2019_resnet50", "shape_bias"),
                  Target("fig6", "shape_bias")), figures=("shape_bias.png",)),
    Step("sin_top1", "ImageNet top-1 of the SIN-trained models (Table 3)", "validate", SIN, "imagenet-val", {},
         quick={"limit": 64}, targets=(Target("table3_top1", "top1", ("token",)),)),
    Step("segmentation", "Attention masks at threshold 0.9 vs VOC 2012 val, 512 px, cls and shape tokens (Table 4)",
         "segmentation", ("deit_tiny_random", "deit_tiny", "deit_t_sin", "deit_t_sin_dist", "deit_small_random",
                          "deit_small", "deit_s_sin", "deit_s_sin_dist"), "voc",
         {"threshold": 0.9, "input_size": 512, "tokens": ["cls", "dist"]}, quick={"input_size": 224},
         targets=(Target("table4_jaccard", "jaccard"),), figures=("segmentation.png",)),
    Step("corruption", "ImageNet-C, 15 corruptions x 5 severities (made on the fly from ImageNet val), mCE (Table 4)",
         "corruption", ("deit_base", "deit_small", "deit_tiny", "t2t_vit_24", "tnt_s", "resnet50_augmix", "resnet50",
                        "resnet50_sin", "deit_t_sin", "deit_s_sin"), "imagenet-val",
         {"corruptions": ["all"], "severities": ["1-5"]},
         quick={"limit": 24, "corruptions": ["gaussian_noise", "brightness", "contrast"]},
         targets=(Target("table4_mce", "mce"),), figures=("corruption_errors.png",)),
    Step("shuffle", "Patch shuffle over the paper's grids, 5 runs (Fig. 10)", "shuffle",
         ("deit_tiny", "deit_small", "deit_base", "resnet50", "no_pos_deit_t"), "imagenet-val", {"runs": 5},
         quick={"limit": 32, "runs": 1, "grids": ["1x1", "2x2", "4x4"]},
         targets=(Target("fig10", "top1"),), figures=("shuffle.png",)),
    Step("lesion", "Feature drop (zeroed) before blocks 1, 3, ..., 11 and ResNet50 layers 1-5 (Tables 6, 7)", "lesion",
         ("vit_large", "deit_base", "resnet50"), "imagenet-val",
         {"blocks": [0, 2, 4, 6, 8, 10], "fractions": list(THIRDS), "lesion_mode": "zero"},
         quick={"limit": 32, "blocks": [0, 4], "fractions": [0.5]},
         targets=(Target("table6", "top1"), Target("table7", "top1")), figures=("lesion.png",)),
    Step("transfer", "Linear probe on DeiT-S class tokens of the last, all and last 4 blocks, +/- mean patch token "
         "(Table 5)", "transfer", ("deit_small",), "transfer",
         {"mode": "linear", "dataset": ["cub", "flowers", "inat2021"], "blocks": ["last1", "all", "last4"],
          "patch_mean": True},
         quick={"dataset": ["folder"], "limit": 100},
         quick_data="imagenette-split", quick_substitute={"dataset": "folder"},
         targets=(Target("table5", "top1"),), figures=("transfer_linear.png",)),
    Step("adversarial", "FGSM and PGD (5 iterations), l-inf, the toolkit's budgets (Fig. 13; the paper's are on its "
         "figure)", "adversarial", ("deit_tiny", "deit_small", "deit_base", "resnet50", "deit_s_sin"), "imagenet-val",
         {"attacks": ["fgsm", "pgd"], "steps": 5}, targets=(Target("fig13", "top1"),), figures=("robust_linf.png",)),
    Step("patch", "Universal untargeted adversarial patches of 5/15/25% learned on ImageNet train, 5 placements "
         "(Fig. 12)", "patch", ("deit_tiny", "deit_small", "deit_base", "t2t_vit_24", "resnet50", "deit_s_sin"),
         "imagenet-val", {"areas": [0.05, 0.15, 0.25], "runs": 5}, data_options={"train_path": "imagenet-train"},
         targets=(Target("fig12", "top1"),), figures=("patch_accuracy.png",)),
    Step("position", "The image at 128 px in a corner of a black 224-px canvas (Table 8)", None,
         ("resnet50", "deit_tiny", "deit_small", "deit_base"), "imagenet-val", targets=(Target("table8", "top1"),),
         missing="no experiment of this toolkit rescales the image and places it in a corner of a black canvas"),
    Step("release_top1", "ImageNet top-1 of the released DeiT-T variants (repository README)", "validate",
         ("no_pos_deit_t", "patch_22_deit_t", "patch_28_deit_t", "patch_32_deit_t", "patch_38_deit_t"),
         "imagenet-val", {}, targets=(Target("release_models", "top1"),)),
))

PARK = Plan("park2022", (
    Step("landscape", "Filter-normalised 2-D loss landscape, NLL + L2 on augmented data (Fig. 1)", "landscape",
         ("vit_tiny", "resnet50"), "imagenet-val", {"dims": 2, "points": 21, "span": 1.0, "batches": 4},
         targets=(Target("fig1_landscape", "top1"),), figures=("landscape_contour.png",)),
    Step("hessian", "Dominant Hessian eigenvalue of each mini-batch (Figs. 1 & 4)", "hessian", ("vit_tiny", "resnet50"),
         "imagenet-val", {"measures": ["spectrum"], "batches": 32},
         targets=(Target("fig1_hessian", "top1"),), figures=("hessian_max_eigenvalue.png",)),
    Step("fourier", "Relative log amplitude of each block's feature map, 0 to pi, and feature-map variance (Figs. 2, "
         "8, 9)", "fourier", ("vit_tiny", "resnet50"), "imagenet-val", {}, quick={"limit": 32},
         targets=(Target("fig2_fourier", "delta_log_amplitude"), Target("fig9_variance", "delta_log_amplitude")),
         figures=("fourier_curves.png", "fourier_high_freq.png", "feature_variance.png")),
    Step("freq_noise", "Band-limited noise at 0.1-0.9 pi, RMS 0.7 in normalised units, band 0.2 pi (Fig. 2)",
         "freq-noise", ("vit_tiny", "resnet50"), "imagenet-val",
         {"freqs": [round(0.1 * i, 1) for i in range(1, 10)], "width": 0.2, "eps": 0.7, "noise_space": "normalized"},
         quick={"limit": 50}, targets=(Target("fig2_noise", "top1_drop"),), figures=("freq_noise.png",)),
    Step("tables", "The paper's tables", None, targets=(Target("tables", "top1"),),
         missing="the paper's tables are not transcribed (published/park2022.yaml), so no step was planned for them"),
))

PLANS: Dict[str, Plan] = {"naseer2021": NASEER, "park2022": PARK}
