"""Model internals shared by experiments: attention maps, per-block features, spectra, saliency."""
