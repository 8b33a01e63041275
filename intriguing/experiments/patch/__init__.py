"""``intriguing patch``: universal adversarial patches (Brown et al. 2017; Naseer et al. 2021, Sec. 3.4).

One patch per (model, area) is learned on a training folder, pasted at a random place in every image, then
evaluated through the engine at ``--runs`` seeded places per image on the evaluation folder, on its own model and
(``--transfer``) on every other model. Patches are saved (PNG + tensor file with model, area, target, steps)."""
