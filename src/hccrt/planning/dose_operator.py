"""Linear map from beamlet weights (MU) to dose (Gy): sparse near part plus far scatter."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hccrt.planning.scatter import FarScatter

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class DoseOperator:
    """Linear map from beamlet weights (MU) to dose (Gy) at a set of rows (voxels).

    ``near`` is the sparse float32 matrix within the lateral cut-off; ``far`` the long-range
    scatter operators of the beams (:mod:`hccrt.planning.scatter`).
    """

    near: sp.csc_matrix | sp.csr_matrix = field(repr=False)
    far: tuple[FarScatter, ...] = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, beamlets)."""
        return (int(self.near.shape[0]), int(self.near.shape[1]))

    def matvec(self, weights_mu: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Dose (Gy) at the rows."""
        w = np.asarray(weights_mu, dtype=np.float32)
        result: npt.NDArray[np.float32] = np.asarray(self.near @ w, dtype=np.float32)
        for op in self.far:
            result[op.rows] += op.matvec(w)
        return result

    def rmatvec(self, values: npt.ArrayLike) -> FloatArray:
        """Transpose product: gradient with respect to the weights of ``values . dose``."""
        v = np.asarray(values, dtype=np.float32)
        out = np.asarray(self.near.T @ v, dtype=np.float64)
        for op in self.far:
            op.rmatvec(v, out)
        return out

    def columns_dose(self, fractions: sp.spmatrix) -> FloatArray:
        """Dose of several weight vectors at once: ``(rows, k)`` for ``(beamlets, k)`` input."""
        dense = np.asarray(fractions.todense(), dtype=np.float32)
        return np.stack([self.matvec(dense[:, c]) for c in range(dense.shape[1])], axis=1)

    def rows(self, selected: npt.ArrayLike) -> DoseOperator:
        """The operator restricted to the given row positions."""
        idx = np.asarray(selected, dtype=np.int64)
        far = (op.restrict(idx) for op in self.far)
        return DoseOperator(
            sp.csr_matrix(self.near[idx]), tuple(op for op in far if op is not None)
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the operator (bytes)."""
        m = self.near
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes) + sum(
            op.nbytes for op in self.far
        )
