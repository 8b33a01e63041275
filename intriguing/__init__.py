"""intriguing: a toolkit for probing what vision transformers really do.

Reproduces and extends the experiments of *Intriguing Properties of Vision Transformers*
(Naseer et al., NeurIPS 2021) and *How Do Vision Transformers Work?* (Park & Kim, ICLR 2022).
Importing the package does no work: models and data load only when an analysis runs.
"""

__version__ = "0.1.0"
