"""``intriguing freq-noise``: accuracy drop vs. the frequency of band-passed noise (Park & Kim 2022, Fig. 2c)."""
