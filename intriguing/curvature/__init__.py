"""Curvature of a network's loss, in sub-modules (imported explicitly, so this package costs nothing to import):

* :mod:`.directions`: filter-normalised random directions and grid points (Li et al. 2018);
* :mod:`.objective`: the NLL + L2 objective over a fixed batch set;
* :mod:`.hessian`: Hessian-vector products by double backpropagation;
* :mod:`.eigen`: power iteration, Lanczos, Hutchinson's trace, stochastic Lanczos quadrature;
* :mod:`.batches`: the seeded, decoded-once batch set (augmented / clean);
* :mod:`.ranks`: grid points / mini-batches / per-batch products split over torchrun ranks;
* :mod:`.choices`: option choices (torch-free).

Written here rather than taken from PyHessian / loss-landscapes: see `docs/experiments/landscape.md`
("Why not a library").
"""
