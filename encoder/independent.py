"""Turning an autoencoder's code into independent components, without changing what it encodes.

The 10 numbers of a code layer are an arbitrary mixture: any invertible linear map of them
reconstructs as well. A mixture blurs events into every unit, so after training the code is
whitened and rotated by FastICA (symmetric, log-cosh contrast) towards its most independent,
most non-Gaussian directions: sharp, sparse events (a drum hit, a note onset) then tend to
own a unit instead of leaking into all ten. The map is folded into the encoder's last layer
and its inverse into the decoder's first, so reconstructions are unchanged.
"""

from __future__ import annotations

import numpy as np


def independent_components(codes: np.ndarray, *, iterations: int = 400, tolerance: float = 1e-7,
                           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(mean, unmixing) such that `(codes - mean) @ unmixing` has unit-variance, independent
    columns, each with positive skew (events push a feature up), ordered by decreasing
    kurtosis (the most event-like first).

    Args:
        codes: (frames, k) codes of many frames.
    """
    codes = np.asarray(codes, dtype=np.float64)
    mean = codes.mean(axis=0)
    centred = codes - mean
    variances, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    whitening = vectors / np.sqrt(np.maximum(variances, 1e-12))
    white = centred @ whitening
    k = white.shape[1]
    rotation = np.linalg.qr(np.random.default_rng(seed).normal(size=(k, k)))[0]
    for _ in range(iterations):
        projected = np.tanh(white @ rotation)
        updated = white.T @ projected / len(white) - rotation * (1 - projected ** 2).mean(axis=0)
        left, _, right = np.linalg.svd(updated)
        updated = left @ right  # symmetric decorrelation: W (W^T W)^(-1/2)
        converged = np.max(np.abs(np.abs(np.sum(updated * rotation, axis=0)) - 1)) < tolerance
        rotation = updated
        if converged:
            break
    unmixing = whitening @ rotation
    sources = centred @ unmixing
    unmixing = unmixing * np.where((sources ** 3).mean(axis=0) < 0, -1.0, 1.0)
    kurtosis = ((centred @ unmixing) ** 4).mean(axis=0)
    return mean, unmixing[:, np.argsort(-kurtosis, kind="stable")]
