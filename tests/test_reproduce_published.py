"""The published numbers (intriguing/published/*.yaml) load against their schema, the schema refuses broken entries,
and a sample of the values equals the papers' own text, quoted here line by line as it was read.

Naseer et al.: lines of the text conversion of the NeurIPS 2021 camera-ready (tables are pipe tables whose cells join
the rows with <br>). Park & Kim: the values are read off the authors' figure (resources/vit/fourier.png of
xxxnell/how-do-vits-work); the "source line" is the marker centres measured on that image against its y-axis ticks.
"""

from __future__ import annotations

import copy
import re

import pytest

from intriguing.errors import UserError
from intriguing.reproduce import published

TABLE1 = (
    "|ResNet50<br>TnT-S<br>ViT-L<br>Deit-B<br>T2T-24|0.32_±_0.16<br>0.83_±_0.08<br>**0.92**_±_**0.06**<br>"
    "0.90_±_0.06<br>0.80_±_0.10|0.13_±_0.11<br>0.67_±_0.12<br>**0.81**_±_**0.13**<br>0.77_±_0.10<br>0.60_±_0.15|"
    "0.07_±_0.09<br>0.46_±_0.17<br>0.50_±_0.21<br>**0.56**_±_**0.15**<br>0.31_±_0.17|"
)
TABLE3_T = (
    "|DeiT-T-SIN<br>DeiT-T-SIN<br>DeiT-T-SIN|<br><br>|cls<br>cls<br>shape|40.5<br>71.8<br>63.4|0.87<br>0.35<br>0.44|"
)
TABLE4_T = (
    "|DeiT-T-Random<br>DeiT-T<br>DeiT-T-SIN<br>DeiT-T-SIN<br>DeiT-T-SIN|<br><br><br><br>|cls<br>cls<br>cls<br>"
    "cls<br>shape|19.6<br>32.2<br>29.4<br>40.0<br>42.2|"
)
MCE = "|48.5<br>54.6<br>71.1<br>49.1<br>53.1<br>65.3|76.7<br>77.3<br>94.4<br>84.0|"
MCE_HEAD = "|`DeiT-B DeiT-S DeiT-T T2T-24 TnT-S Augmix`|`ResNet50 ResNet50-SIN DeiT-T-SIN DeiT-S-SIN`|"
TABLE6_BLOCK7 = "Block 7 75.56 69.65 53.42 55.44 43.90 24.10"
TABLE7_LAYER4 = "4 73.95 64.12 18.95"
TABLE8_DEIT_S = "DeiT-S 63.14 63.01 62.62 62.79"
SEC31 = (
    "ResNet50 (23 Million parameters) achieves 0.1% accuracy in comparison to DeiT-S (22 Million parameters) which "
    "obtains 70% accuracy when 50% of the image content is removed"
)
GEIRHOS = "| standard ResNet-50 | 21.39% | 76.13 | 92.86 |"
# Park & Kim, Fig. 2 noise panel: y-axis ticks -5.0 / -15.0 at y = 95.5 / 582.5 px of the crop; marker centres (x, y)
PARK_TICKS = {-5.0: 95.5, -15.0: 582.5}
PARK_RESNET = {0.1: 96, 0.3: 471, 0.8: 514, 0.9: 600}
PARK_VIT = {0.1: 120, 0.3: 578, 0.8: 63, 0.9: 88}


def value(paper, entry, model, **condition):
    hits = [
        v
        for v in published.load(paper).entries[entry].values
        if v.model == model and all(v.condition.get(k) == x for k, x in condition.items())
    ]
    assert len(hits) == 1, (entry, model, condition, hits)
    return hits[0]


def numbers(cell: str):
    return [float(x) for x in re.findall(r"\d+\.\d+|\d+", cell.replace("**", ""))]


def test_both_papers_load_against_the_schema():
    for paper in ("naseer2021", "park2022"):
        assert published.schema_errors(published.raw(paper)) == []
        p = published.load(paper)
        assert p.key == paper and p.entries
        for e in p.entries.values():
            assert e.values or e.note, e.id  # untranscribed entries say why


def test_schema_refuses_broken_entries():
    good = published.raw("park2022")
    bad = copy.deepcopy(good)
    fig = next(e for e in bad["entries"] if e["id"] == "fig2_noise")
    del fig["values"][0]["read_off"]
    fig["values"][1]["model"] = "deit_hyper"
    next(e for e in bad["entries"] if e["id"] == "fig9_variance")["note"] = ""
    bad["entries"].append(copy.deepcopy(bad["entries"][0]))
    errors = published.schema_errors(bad)
    assert "entry 4 (fig2_noise) value 0: a figure's value must be marked read_off" in errors
    assert "entry 4 (fig2_noise) value 1: model 'deit_hyper' is not a role of intriguing/reproduce/models.py" in errors
    assert "entry 3 (fig9_variance): no values and no note saying why" in errors
    assert "entry 6 (fig1_landscape): duplicate id" in errors


def test_a_file_that_breaks_the_schema_is_one_sentence(monkeypatch):
    broken = published.raw("park2022")
    broken["entries"][4]["values"][0]["value"] = "about five"
    monkeypatch.setattr(published, "raw", lambda paper: broken)
    with pytest.raises(
        UserError,
        match=r"park2022.yaml breaks its schema: entry 4 \(fig2_noise\) value 0: value "
        r"'about five' is not a finite number\.",
    ):
        published.load("park2022")


def test_naseer_table1_equals_the_table_line():
    models = ["resnet50", "tnt_s", "vit_large", "deit_base", "t2t_vit_24"]
    cells = TABLE1.strip("|").split("|")[1:]
    for ratio, cell in zip((0.25, 0.5, 0.75), cells):
        pairs = numbers(cell)
        for i, m in enumerate(models):
            v = value("naseer2021", "table1", m, ratio=ratio)
            assert (v.value, v.std) == (pairs[2 * i], pairs[2 * i + 1])


def test_naseer_table3_and_table4_equal_the_table_lines():
    top1, bias = numbers(TABLE3_T.split("|")[4]), numbers(TABLE3_T.split("|")[5])
    rows = [("deit_t_sin", "cls"), ("deit_t_sin_dist", "cls"), ("deit_t_sin_dist", "shape")]
    for (m, token), t, b in zip(rows, top1, bias):
        assert value("naseer2021", "table3_top1", m, token=token).value == t
        assert value("naseer2021", "table3_shape_bias", m, token=token).value == b
    jac = numbers(TABLE4_T.split("|")[4])
    rows = [
        ("deit_tiny_random", "cls"),
        ("deit_tiny", "cls"),
        ("deit_t_sin", "cls"),
        ("deit_t_sin_dist", "cls"),
        ("deit_t_sin_dist", "dist"),
    ]
    assert [value("naseer2021", "table4_jaccard", m, token=t).value for m, t in rows] == jac


def test_naseer_mce_lesion_position_and_text_values_equal_the_source_lines():
    names = MCE_HEAD.replace("`", "").strip("|").replace("|", " ").split()
    roles = {
        "DeiT-B": "deit_base",
        "DeiT-S": "deit_small",
        "DeiT-T": "deit_tiny",
        "T2T-24": "t2t_vit_24",
        "TnT-S": "tnt_s",
        "Augmix": "resnet50_augmix",
        "ResNet50": "resnet50",
        "ResNet50-SIN": "resnet50_sin",
        "DeiT-T-SIN": "deit_t_sin",
        "DeiT-S-SIN": "deit_s_sin",
    }
    assert [value("naseer2021", "table4_mce", roles[n]).value for n in names] == numbers(MCE)
    vit_l, deit_b = numbers(TABLE6_BLOCK7)[1:4], numbers(TABLE6_BLOCK7)[4:]
    for f, a, b in zip((0.25, 0.5, 0.75), vit_l, deit_b):  # paper Block 7 = 0-based block 6
        assert value("naseer2021", "table6", "vit_large", block=6, fraction=f).value == a
        assert value("naseer2021", "table6", "deit_base", block=6, fraction=f).value == b
    for f, a in zip((0.25, 0.5, 0.75), numbers(TABLE7_LAYER4)[1:]):
        assert value("naseer2021", "table7", "resnet50", block=4, fraction=f).value == a
    for pos, a in zip(("top-right", "top-left", "bottom-right", "bottom-left"), numbers(TABLE8_DEIT_S)):
        assert value("naseer2021", "table8", "deit_small", position=pos).value == a
    assert value("naseer2021", "fig3_text", "resnet50", ratio=0.5).value == 0.1 and "0.1% accuracy" in SEC31
    assert value("naseer2021", "fig3_text", "deit_small", ratio=0.5).value == 70 and "obtains 70% accuracy" in SEC31
    assert value("naseer2021", "geirhos2019_resnet50", "resnet50").value == numbers(GEIRHOS)[1] / 100


def test_park_read_offs_equal_the_measured_marker_positions_within_their_uncertainty():
    (v0, y0), (v1, y1) = PARK_TICKS.items()
    to_value = lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)  # noqa: E731
    for role, markers in (("resnet50", PARK_RESNET), ("vit_tiny", PARK_VIT)):
        for f, y in markers.items():
            v = value("park2022", "fig2_noise", role, freq=f)
            assert v.read_off and abs(v.value - to_value(y)) <= 0.1 < v.uncertainty, (role, f, to_value(y))
