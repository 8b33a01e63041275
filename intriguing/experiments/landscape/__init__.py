"""``intriguing landscape``: filter-normalised 1-D / 2-D loss landscapes (Li et al. 2018; Park & Kim 2022, Fig. 1a).

The loss (NLL + L2 term) is measured at every point of a grid theta + x*d1 (+ y*d2) around each model's
weights, on a fixed seeded set of augmented and/or clean batches decoded once. Records are appended per
grid point, so a rerun resumes where it stopped.
"""
