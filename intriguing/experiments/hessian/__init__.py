"""``intriguing hessian``: Hessian spectra of each model's loss (Park & Kim 2022, Fig. 1b and 4).

Top-k eigenvalues (Lanczos or power iteration), the dominant eigenvalue of every mini-batch of a fixed
seeded set (Park & Kim's max-eigenvalue spectrum), Hutchinson's trace and the SLQ eigenvalue density,
all from Hessian-vector products by double backpropagation, always in fp32.
"""
