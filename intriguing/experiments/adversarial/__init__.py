"""``intriguing adversarial``: white-box robustness (FGSM, PGD L-inf / L2, AutoAttack) over an epsilon sweep,
the transfer matrix between models (``--transfer``) and pictures of each model's PGD perturbation."""
