"""Deformable CT <-> MR registration: a B-spline on top of the rigid result (SimpleITK).

Method: the rigid registration (:func:`~hccrt.registration.rigid.register_rigid`) gives ``M``;
a cubic B-spline transform ``b`` (control points every ``control_point_spacing_mm``, default
50 mm, over the MR) is optimised with Mattes mutual information and L-BFGS-B on two
resolutions (shrink 4, 2: the B-spline is smooth; full resolution adds time, not
accuracy), so that an MR point ``x`` corresponds to the CT point
``M @ (x + b(x))`` (SimpleITK composes the moving initial transform after the optimised one).

The result is stored the DICOM way, fixed -> moving (:class:`~hccrt.registration.result.
DeformationGrid`): on a 4 mm grid of the CT frame covering the MR, ``v`` solves
``x_mr = M^-1 x_ct + v`` by fixed-point inversion of ``x + b(x)`` (the B-spline is smooth,
``|grad b| < 1``, so the iteration converges). The Jacobian determinant of ``x + b(x)`` must stay
above 0 everywhere (no folding); otherwise the result is refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import SimpleITK as sitk
from scipy import ndimage

from hccrt.dicom.ct import CTSeries
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.registration._sitk import affine_transform, grid_of, set_threads, to_image
from hccrt.registration.result import DeformationGrid, RegistrationResult, transform_points
from hccrt.registration.rigid import (
    RegistrationFailed,
    RigidSettings,
    check_images,
    prepare,
    register_rigid,
)

MIN_SLICES_DEFORMABLE = 8
DEFORMATION_GRID_MM = 4.0
_INVERSION_STEPS = 20
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DeformableSettings:
    """Tunable settings of :func:`register_deformable`."""

    control_point_spacing_mm: float = 50.0
    shrink_factors: tuple[int, ...] = (4, 2)
    smoothing_mm: tuple[float, ...] = (2.0, 1.0)
    sampling_fractions: tuple[float, ...] = (0.1, 0.02)
    iterations: int = 40
    seed: int = 1
    threads: int = 2


def register_deformable(
    fixed: CTSeries,
    moving: CTSeries,
    *,
    fixed_mask: npt.NDArray[np.bool_] | None = None,
    rigid: RegistrationResult | None = None,
    settings: DeformableSettings | None = None,
) -> RegistrationResult:
    """Register ``moving`` (MR) to ``fixed`` (CT) rigidly, then with a B-spline.

    Parameters
    ----------
    fixed, moving
        Image series (at least :data:`MIN_SLICES_DEFORMABLE` slices each).
    fixed_mask
        Optional boolean mask on the fixed grid restricting the metric.
    rigid
        A rigid result to start from (computed when absent).
    settings
        :class:`DeformableSettings`.

    Raises
    ------
    InputError
        Too few slices (e.g. a single-slice image), no overlap.
    RegistrationFailed
        Rigid step refused, SimpleITK failure or folding (Jacobian determinant <= 0).
    """
    settings = settings or DeformableSettings()
    for name, series in (("--fixed", fixed), ("--moving", moving)):
        if series.grid.shape[0] < MIN_SLICES_DEFORMABLE:
            raise InputError(
                name,
                f"has {series.grid.shape[0]} slice(s); a deformable registration needs a volume "
                f"of >= {MIN_SLICES_DEFORMABLE} slices",
                series.series_instance_uid,
                "use --rigid for thin images, or give the whole series",
            )
    check_images(fixed, moving)
    rigid = rigid or register_rigid(
        fixed, moving, fixed_mask=fixed_mask, settings=RigidSettings(threads=settings.threads)
    )
    set_threads(settings.threads)
    image_mr = prepare(moving, "MR")
    image_ct = prepare(fixed, "CT")
    physical = np.asarray(image_mr.GetSize()) * np.asarray(image_mr.GetSpacing())
    mesh = [max(1, round(v / settings.control_point_spacing_mm)) for v in physical]
    bspline = sitk.BSplineTransformInitializer(image_mr, mesh, order=3)
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentagePerLevel(list(settings.sampling_fractions), settings.seed)
    if fixed_mask is not None:
        method.SetMetricMovingMask(to_image(fixed_mask, fixed.grid, np.uint8))
    method.SetInterpolator(sitk.sitkLinear)
    method.SetShrinkFactorsPerLevel(list(settings.shrink_factors))
    method.SetSmoothingSigmasPerLevel(list(settings.smoothing_mm))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetMovingInitialTransform(affine_transform(rigid.moving_to_fixed))
    method.SetInitialTransform(bspline, inPlace=True)
    method.SetOptimizerAsLBFGSB(
        gradientConvergenceTolerance=1e-5,
        numberOfIterations=settings.iterations,
        maximumNumberOfCorrections=5,
        maximumNumberOfFunctionEvaluations=4 * settings.iterations,
    )
    counter = {"total": 0}

    def _count() -> None:
        counter["total"] += 1

    method.AddCommand(sitk.sitkIterationEvent, _count)
    started = time.perf_counter()
    try:
        method.Execute(image_mr, image_ct)
    except RuntimeError as error:
        raise RegistrationFailed(
            "registration",
            "the deformable step did not converge (SimpleITK stopped)",
            str(error).strip().splitlines()[-1][:120],
            "use --rigid, or give a mask (--mask)",
        ) from error
    seconds = time.perf_counter() - started
    field_mr, jacobian = _displacement_on_mr(bspline, moving.grid)
    if jacobian[0] <= 0.0:
        raise RegistrationFailed(
            "registration",
            "the deformation folds (Jacobian determinant <= 0)",
            round(jacobian[0], 3),
            "use --rigid, or a coarser control-point spacing",
        )
    deformation = _fixed_to_moving(field_mr, rigid.moving_to_fixed, moving.grid, fixed.grid)
    return RegistrationResult(
        kind="deformable",
        moving_to_fixed=rigid.moving_to_fixed,
        fixed_frame_uid=rigid.fixed_frame_uid,
        moving_frame_uid=rigid.moving_frame_uid,
        fixed_series_uid=rigid.fixed_series_uid,
        moving_series_uid=rigid.moving_series_uid,
        metric_value=float(method.GetMetricValue()),
        initial_metric_value=rigid.metric_value,
        iterations=rigid.iterations + counter["total"],
        seconds=rigid.seconds + seconds,
        stop_condition=method.GetOptimizerStopConditionDescription(),
        deformation=deformation,
        jacobian_range=jacobian,
    )


def _displacement_on_mr(
    bspline: sitk.Transform, mr_grid: Grid
) -> tuple[tuple[Grid, npt.NDArray[np.float32]], tuple[float, float]]:
    """``b`` on a 4 mm grid of the MR frame, and the Jacobian range of ``x + b(x)``."""
    bounds = mr_grid.bounds_mm()
    size = [
        max(2, int(np.ceil((bounds[1, a] - bounds[0, a]) / DEFORMATION_GRID_MM))) for a in range(3)
    ]
    reference = sitk.Image(size, sitk.sitkUInt8)
    reference.SetSpacing([DEFORMATION_GRID_MM] * 3)
    reference.SetOrigin(tuple(float(v) for v in bounds[0] + DEFORMATION_GRID_MM / 2))
    converter = sitk.TransformToDisplacementFieldFilter()
    converter.SetReferenceImage(reference)
    converter.SetOutputPixelType(sitk.sitkVectorFloat64)
    field = converter.Execute(bspline)
    jacobian = sitk.GetArrayFromImage(sitk.DisplacementFieldJacobianDeterminant(field))
    vectors = sitk.GetArrayFromImage(field).astype(np.float32)
    grid = grid_of(reference, mr_grid.frame_of_reference_uid)
    return (grid, vectors), (float(jacobian.min()), float(jacobian.max()))


def _sample(grid: Grid, vectors: npt.NDArray[np.float32], points: FloatArray) -> FloatArray:
    index = grid.world_to_index(points).T
    return np.column_stack(
        [ndimage.map_coordinates(vectors[..., c], index, order=1, mode="nearest") for c in range(3)]
    )


def _fixed_to_moving(
    field_mr: tuple[Grid, npt.NDArray[np.float32]],
    moving_to_fixed: FloatArray,
    mr_grid: Grid,
    ct_grid: Grid,
) -> DeformationGrid:
    """Invert ``x + b(x)`` on a 4 mm CT-frame grid covering the MR (module docstring)."""
    grid_b, vectors_b = field_mr
    corners = transform_points(moving_to_fixed, _corners(mr_grid.bounds_mm()))
    low, high = corners.min(axis=0), corners.max(axis=0)
    shape = np.maximum(2, np.ceil((high - low) / DEFORMATION_GRID_MM).astype(int))
    grid = Grid.from_spacing(
        (shape[2], shape[1], shape[0]),
        (DEFORMATION_GRID_MM,) * 3,
        low + DEFORMATION_GRID_MM / 2,
        ct_grid.frame_of_reference_uid,
    )
    k, j, i = np.meshgrid(*(np.arange(n) for n in grid.shape), indexing="ij")
    points = grid.index_to_world(np.column_stack([k.ravel(), j.ravel(), i.ravel()]))
    pre = np.asarray(np.linalg.inv(moving_to_fixed), dtype=np.float64)
    target = transform_points(pre, points)
    estimate = target.copy()
    for _ in range(_INVERSION_STEPS):
        estimate = target - _sample(grid_b, vectors_b, estimate)
    offsets = (estimate - target).reshape(*grid.shape, 3).astype(np.float32)
    return DeformationGrid(grid, offsets, pre)


def _corners(bounds: FloatArray) -> FloatArray:
    return np.array([[x, y, z] for x in bounds[:, 0] for y in bounds[:, 1] for z in bounds[:, 2]])
