"""Rigid multi-modality registration (CT <-> MR, PET, CBCT or an older CT) with SimpleITK.

Method (all SimpleITK; no hand-written optimiser):

* Similarity: Mattes mutual information (50 bins), random samples (fixed seed, so a run is
  reproducible), optionally restricted to a mask of the planning CT (e.g. the liver or BODY
  expanded by a margin).
* Transform: Euler 3D (rotation about the centre of the MR, translation), initialised as the
  identity in DICOM patient coordinates: scanners place a supine patient alike, so the images
  start within centimetres. Geometric centring is *not* used because an upper-abdomen MR and a
  whole-trunk CT have different centres.
* The smaller image (usually the MR) is SimpleITK's fixed image, so every sample lies in both
  images whatever the field of view; the optimised transform then maps MR points to CT points,
  which is directly the ``moving_to_fixed`` matrix of the DICOM registration (CT fixed).
* Multi-resolution: shrink 4, 2, 1 with Gaussian smoothing 2, 1, 0 mm; regular-step gradient
  descent with scales from the physical shift of each parameter.
* PET (``moving_modality="PT"``): the activity is clipped to its 99.9th percentile for the
  metric (a few hot voxels, e.g. the kidneys or noise, would otherwise squeeze the soft-tissue
  uptake into a few histogram bins); mutual information copes with the PET/CT contrast. Unless
  settings are given, :data:`PET_SETTINGS` (more samples, 2 mm smoothing at full resolution).
* CBCT or any CT with padding outside its reconstructed field of view (``moving_modality="CT"``):
  the voxels holding the image's minimum value, when they form a large region, are taken as
  outside the field of view (:func:`field_of_view_mask`) and excluded from the metric, so the
  cut edge of a small cylindrical CBCT field of view is not matched to the CT; mutual
  information copes with the CBCT's HU offset and cupping. The CBCT, smaller, is SimpleITK's
  fixed image like the MR.
* With a mask, the whole-image result is refined inside the mask (last two levels, smaller
  steps, more samples): a mask alone holds too little structure to start from. Measured on the
  phantom, a liver mask does not improve a whole-trunk MR registration (docs/validation/fusion.md).

Refusals (never a silent bad result): images whose boxes do not overlap; too few slices; the
optimiser stopping at its iteration limit while still moving; a final metric worse than the
starting one; too little mutual information at the end; a rotation above
:data:`MAX_ROTATION_DEG` or a shift above :data:`MAX_SHIFT_MM` (a real patient set-up difference
is smaller; such a result means the optimiser ran away); fewer than half of the MR foreground
samples falling inside the CT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import SimpleITK as sitk

from hccrt.dicom.ct import CTSeries
from hccrt.errors import InputError
from hccrt.registration._sitk import matrix_of, set_threads, to_image
from hccrt.registration.result import RegistrationResult, transform_points

MAX_ROTATION_DEG = 20.0
MAX_SHIFT_MM = 80.0
MIN_SLICES = 3
MIN_MUTUAL_INFORMATION = 0.05
"""Mattes MI (nats) below which the images are taken to share no information."""
CT_CLAMP_HU = (-1000.0, 1500.0)
PET_CLIP_PERCENTILE = 99.9
FOV_MIN_PADDING_FRACTION = 0.05
"""A CT whose minimum value fills at least this share of the voxels has a field-of-view mask."""
FOV_EROSION_MM = 4.0
"""The field-of-view mask is shrunk by this much in-plane (and one slice at each end): the
smoothing of the coarse levels blends the padding into the edge voxels."""
_STATIONARY_WINDOW = 30


@dataclass(frozen=True)
class RigidSettings:
    """Tunable settings of :func:`register_rigid` (defaults are the validated ones)."""

    shrink_factors: tuple[int, ...] = (4, 2, 1)
    smoothing_mm: tuple[float, ...] = (2.0, 1.0, 0.0)
    sampling_fractions: tuple[float, ...] = (0.25, 0.06, 0.015)
    histogram_bins: int = 50
    iterations: int = 200
    learning_rate: float = 1.0
    min_step: float = 1e-4
    seed: int = 1
    threads: int = 2


PET_SETTINGS = RigidSettings(smoothing_mm=(4.0, 2.0, 2.0), sampling_fractions=(0.5, 0.12, 0.03))
"""Defaults for a PET moving image (module docstring): twice the samples (the 4 mm PET has a
quarter of the MR's voxels, so still fewer samples) and 2 mm smoothing at full resolution
against the Poisson noise. Measured on the phantom (docs/validation/fusion.md): with the MR
defaults the optimiser was still moving at its iteration limit (refused)."""


class RegistrationFailed(InputError):
    """The registration did not give a trustworthy result (nothing is written)."""


def check_images(fixed: CTSeries, moving: CTSeries, min_slices: int = MIN_SLICES) -> None:
    """Refuse images that cannot be registered: missing frame, too thin, not overlapping."""
    for name, series in (("--fixed", fixed), ("--moving", moving)):
        if series.grid.shape[0] < min_slices:
            raise InputError(
                name,
                f"has {series.grid.shape[0]} slice(s); registration needs >= {min_slices}",
                series.series_instance_uid,
                "give the whole image series",
            )
    a, b = fixed.grid.bounds_mm(), moving.grid.bounds_mm()
    if np.any(a[1] < b[0]) or np.any(b[1] < a[0]):
        raise InputError(
            "--moving",
            "does not overlap the fixed image in patient coordinates (registration starts "
            "from the DICOM positions)",
            f"fixed {np.round(a, 0).tolist()} vs moving {np.round(b, 0).tolist()}",
            "check that both series are of the same patient and body region",
        )


def prepare(series: CTSeries, modality: str) -> sitk.Image:
    """Float image for the metric (CT clamped to the soft-tissue-to-bone range)."""
    values = np.asarray(series.hu, dtype=np.float32)
    if modality == "CT":
        values = np.clip(values, *CT_CLAMP_HU)
    elif modality == "PT":
        values = np.clip(values, 0.0, np.percentile(values, PET_CLIP_PERCENTILE))
    return to_image(values, series.grid)


def field_of_view_mask(series: CTSeries) -> npt.NDArray[np.bool_] | None:
    """Voxels inside the reconstructed field of view of a CT/CBCT, ``None`` when it fills the grid.

    Padding is the image's minimum value where it covers at least
    :data:`FOV_MIN_PADDING_FRACTION` of the voxels after an in-plane opening (isolated voxels
    of clipped air are not padding); the mask is the rest, shrunk by :data:`FOV_EROSION_MM`
    in-plane and by one slice at each end.
    """
    from scipy import ndimage

    values = np.asarray(series.hu)
    outside = values <= float(values.min()) + 0.5
    plane = np.zeros((1, 3, 3), dtype=bool)
    plane[0] = True
    outside = ndimage.binary_opening(outside, structure=plane, iterations=2)
    if float(np.mean(outside)) < FOV_MIN_PADDING_FRACTION:
        return None
    steps = max(1, int(np.ceil(FOV_EROSION_MM / min(series.grid.spacing_mm[1:]))))
    inside = ndimage.binary_erosion(~outside, structure=plane, iterations=steps)
    if inside.shape[0] > 2:
        inside[0] = inside[-1] = False
    result: npt.NDArray[np.bool_] = inside
    return result


def _method(settings: RigidSettings) -> sitk.ImageRegistrationMethod:
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=settings.histogram_bins)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentagePerLevel(list(settings.sampling_fractions), settings.seed)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetShrinkFactorsPerLevel(list(settings.shrink_factors))
    method.SetSmoothingSigmasPerLevel(list(settings.smoothing_mm))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    return method


def register_rigid(
    fixed: CTSeries,
    moving: CTSeries,
    *,
    fixed_mask: npt.NDArray[np.bool_] | None = None,
    fixed_modality: str = "CT",
    moving_modality: str = "MR",
    settings: RigidSettings | None = None,
) -> RegistrationResult:
    """Register ``moving`` (e.g. MR) rigidly to ``fixed`` (the planning CT).

    Parameters
    ----------
    fixed, moving
        Image series; each keeps its own Frame of Reference.
    fixed_mask
        Optional boolean mask on the fixed grid: only samples mapping inside it count.
    fixed_modality, moving_modality
        ``"CT"`` images are clamped to :data:`CT_CLAMP_HU` for the metric, ``"PT"`` clipped
        to their :data:`PET_CLIP_PERCENTILE` percentile; a ``"CT"`` moving image (e.g. a CBCT)
        with padding outside its field of view samples only inside it
        (:func:`field_of_view_mask`).
    settings
        Optimiser settings (:class:`RigidSettings`).

    Returns
    -------
    RegistrationResult
        ``moving_to_fixed`` in LPS mm, metric, iterations and time.

    Raises
    ------
    InputError
        Images that cannot be registered (see :func:`check_images`).
    RegistrationFailed
        Non-convergence or an implausible result (module docstring).
    """
    settings = settings or (PET_SETTINGS if moving_modality == "PT" else RigidSettings())
    check_images(fixed, moving)
    set_threads(settings.threads)
    # SimpleITK's fixed image is the MR (module docstring), its moving image the CT.
    image_mr = prepare(moving, moving_modality)
    image_ct = prepare(fixed, fixed_modality)
    centre = image_mr.TransformContinuousIndexToPhysicalPoint(
        [(n - 1) / 2.0 for n in image_mr.GetSize()]
    )
    transform = sitk.Euler3DTransform()
    transform.SetCenter(centre)
    started = time.perf_counter()
    fov = field_of_view_mask(moving) if moving_modality == "CT" else None
    fov_mask = None if fov is None else to_image(fov, moving.grid, np.uint8)
    initial = _metric_at(image_mr, image_ct, sitk.Euler3DTransform(transform), settings, fov_mask)
    run = _run(image_mr, image_ct, transform, settings, fov_mask)
    total = run[1]
    if fixed_mask is not None:  # refine inside the mask, from the whole-image result
        # The mask is carried onto the MR with the whole-image result and used as SimpleITK's
        # fixed mask, so the sample set stays the same while the transform moves.
        mask = sitk.Resample(
            to_image(fixed_mask, fixed.grid, np.uint8),
            image_mr,
            transform,
            sitk.sitkNearestNeighbor,
            0,
            sitk.sitkUInt8,
        )
        if fov_mask is not None:
            mask = sitk.And(mask, fov_mask)
        refine = RigidSettings(
            shrink_factors=settings.shrink_factors[-2:],
            smoothing_mm=settings.smoothing_mm[-2:],
            sampling_fractions=tuple(min(1.0, 3 * f) for f in settings.sampling_fractions[-2:]),
            histogram_bins=settings.histogram_bins,
            iterations=settings.iterations,
            learning_rate=0.25 * settings.learning_rate,
            min_step=settings.min_step,
            seed=settings.seed,
            threads=settings.threads,
        )
        initial = _metric_at(image_mr, image_ct, sitk.Euler3DTransform(transform), refine, mask)
        run = _run(image_mr, image_ct, transform, refine, mask)
        total += run[1]
    method, _, last_level = run
    result = RegistrationResult(
        kind="rigid",
        moving_to_fixed=matrix_of(transform),
        fixed_frame_uid=fixed.grid.frame_of_reference_uid,
        moving_frame_uid=moving.grid.frame_of_reference_uid,
        fixed_series_uid=fixed.series_instance_uid,
        moving_series_uid=moving.series_instance_uid,
        metric_value=float(method.GetMetricValue()),
        initial_metric_value=initial,
        iterations=total,
        seconds=time.perf_counter() - started,
        stop_condition=method.GetOptimizerStopConditionDescription(),
    )
    check_result(result, fixed, moving, settings.iterations, last_level)
    return result


def _run(
    image_mr: sitk.Image,
    image_ct: sitk.Image,
    transform: sitk.Euler3DTransform,
    settings: RigidSettings,
    mask: sitk.Image | None,
) -> tuple[sitk.ImageRegistrationMethod, int, int]:
    """Optimise ``transform`` in place; return the method, iterations and last-level count."""
    method = _method(settings)
    if mask is not None:
        method.SetMetricFixedMask(mask)
    method.SetInitialTransform(transform, inPlace=True)
    method.SetOptimizerAsRegularStepGradientDescent(
        learningRate=settings.learning_rate,
        minStep=settings.min_step,
        numberOfIterations=settings.iterations,
        relaxationFactor=0.5,
        gradientMagnitudeTolerance=1e-8,
    )
    method.SetOptimizerScalesFromPhysicalShift()
    counter = {"total": 0, "level": 0}
    positions: list[tuple[float, ...]] = []

    def _count() -> None:
        counter["total"] += 1
        if method.GetOptimizerIteration() < counter["level"]:
            positions.clear()  # a new resolution level
        counter["level"] = method.GetOptimizerIteration()
        positions.append(tuple(method.GetOptimizerPosition()))

    method.AddCommand(sitk.sitkIterationEvent, _count)
    try:
        method.Execute(image_mr, image_ct)
    except RuntimeError as error:
        raise RegistrationFailed(
            "registration",
            "did not converge (SimpleITK stopped: too few samples inside both images)",
            str(error).strip().splitlines()[-1][:120],
            "check that the series show the same body region; give a mask (--mask) or "
            "align them approximately first",
        ) from error
    last_level = counter["level"]
    if last_level >= settings.iterations - 1 and _stationary(positions):
        last_level = 0  # at the limit but no longer moving: converged
    return method, counter["total"], last_level


def _stationary(positions: list[tuple[float, ...]]) -> bool:
    """True when the last :data:`_STATIONARY_WINDOW` iterations moved points < 0.05 mm.

    The regular-step optimiser can creep at its smallest steps around the optimum until the
    iteration limit; that is convergence, not a failure. Rotations (rad) are weighed by a 150 mm
    lever arm (the farthest body points from the MR centre).
    """
    if len(positions) < _STATIONARY_WINDOW:
        return False
    window = np.asarray(positions[-_STATIONARY_WINDOW:])
    spread = window.max(axis=0) - window.min(axis=0)
    return float(150.0 * np.linalg.norm(spread[:3]) + np.linalg.norm(spread[3:])) < 0.05


def _metric_at(
    image_mr: sitk.Image,
    image_ct: sitk.Image,
    transform: sitk.Transform,
    settings: RigidSettings,
    mask: sitk.Image | None,
) -> float:
    method = _method(settings)
    if mask is not None:
        method.SetMetricFixedMask(mask)
    method.SetMetricSamplingPercentage(settings.sampling_fractions[-1], settings.seed)
    method.SetShrinkFactorsPerLevel([1])
    method.SetSmoothingSigmasPerLevel([0.0])
    method.SetInitialTransform(transform)
    try:
        return float(method.MetricEvaluate(image_mr, image_ct))
    except RuntimeError:
        return 0.0


def _rotation_deg(matrix: npt.NDArray[np.float64]) -> float:
    cosine = (np.trace(matrix[:3, :3]) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def check_result(
    result: RegistrationResult,
    fixed: CTSeries,
    moving: CTSeries,
    iteration_limit: int,
    last_level_iterations: int,
) -> None:
    """Refuse a non-converged or implausible rigid result (module docstring)."""
    fix = "check the series (same patient, overlapping region) or give a mask (--mask)"
    if last_level_iterations >= iteration_limit - 1:
        raise RegistrationFailed(
            "registration",
            "did not converge: the optimiser reached its iteration limit at full resolution",
            result.stop_condition[:120],
            fix,
        )
    if result.metric_value > result.initial_metric_value + 1e-3:
        raise RegistrationFailed(
            "registration",
            "did not converge: the mutual information ended lower than at the start",
            f"{-result.metric_value:.3f} < {-result.initial_metric_value:.3f} nats",
            fix,
        )
    if -result.metric_value < MIN_MUTUAL_INFORMATION:
        raise RegistrationFailed(
            "registration",
            f"the images share too little information (mutual information "
            f"< {MIN_MUTUAL_INFORMATION} nats)",
            round(-result.metric_value, 4),
            fix,
        )
    rotation = _rotation_deg(result.moving_to_fixed)
    shift = float(np.linalg.norm(result.moving_to_fixed[:3, 3]))
    if rotation > MAX_ROTATION_DEG or shift > MAX_SHIFT_MM:
        raise RegistrationFailed(
            "registration",
            f"gave an implausible result (rotation > {MAX_ROTATION_DEG} deg or shift > "
            f"{MAX_SHIFT_MM} mm from the DICOM positions)",
            f"{rotation:.1f} deg, {shift:.1f} mm",
            fix,
        )
    inside = _fraction_inside(result, fixed, moving)
    if inside < 0.5:
        raise RegistrationFailed(
            "registration",
            "maps less than half of the moving image's foreground into the fixed image",
            f"{100 * inside:.0f} %",
            fix,
        )


def _fraction_inside(result: RegistrationResult, fixed: CTSeries, moving: CTSeries) -> float:
    values = np.asarray(moving.hu)
    threshold = float(np.percentile(values, 50))
    k, j, i = np.nonzero(values[:, ::4, ::4] > threshold)
    if k.size == 0:
        return 0.0
    points = moving.grid.index_to_world(np.column_stack([k, j * 4, i * 4]))
    index = fixed.grid.world_to_index(transform_points(result.moving_to_fixed, points))
    shape = np.asarray(fixed.grid.shape)
    ok = np.all((index >= -0.5) & (index <= shape - 0.5), axis=1)
    return float(np.mean(ok))
