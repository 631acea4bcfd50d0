"""Radiobiology: LQ BED/EQD2, high-dose models (LQ-L, USC), repair and time factors, and NTCP.

Every function is pure (floats and numpy arrays in, new values out); parameters and results are
frozen records that carry their model, source and status. See ``docs/radiobiology.md``.
"""

from hccrt.radiobiology.comparison import (
    AlphaBetaEntry,
    SchemeComparison,
    compare_schemes,
    parse_scheme,
)
from hccrt.radiobiology.dvh_input import (
    DifferentialDvh,
    cumulative_to_differential,
    differential_dvh,
    looks_cumulative,
    read_dvh_csv,
    require_dvh_kind,
)
from hccrt.radiobiology.highdose import PARK_2008_H460, LqlParameters, UscParameters
from hccrt.radiobiology.liver_tolerance import (
    LIANG_2006_SOURCE,
    LIANG_2006_TOLERABLE_V_PERCENT,
    liang_tolerable_mean_dose_gy,
    seed_tolerable_mean_liver_dose,
)
from hccrt.radiobiology.lq import (
    TAI_2008_HCC_REPOPULATION,
    RepopulationParameters,
    bed_lq,
    bed_lq_time_corrected,
    bed_to_eqd_x,
    dose_per_fraction_for_bed,
    eqd2_lq,
    eqd_x,
    isoeffective_total_dose_gy,
)
from hccrt.radiobiology.ntcp import NtcpResult, geud_gy, ntcp_lkb, ntcp_logit
from hccrt.radiobiology.ntcp_parameters import (
    NtcpParameterSet,
    default_ntcp_parameter_set,
    get_ntcp_parameter_set,
    list_ntcp_parameter_sets,
)
from hccrt.radiobiology.records import ModelWarning, SourcedValue, Status
from hccrt.radiobiology.repair import (
    LIVER_REPAIR_HALF_TIME_H,
    bed_lq_incomplete_repair,
    lea_catcheside_g,
    thames_h_factor,
)
from hccrt.radiobiology.schemes import BedModel, BedResult, scheme_bed
from hccrt.radiobiology.summary import (
    describe_bed,
    describe_comparison,
    describe_ntcp,
    describe_parameter_sets,
)
from hccrt.radiobiology.tissues import TISSUE_ALPHA_BETA, TissueAlphaBeta, get_tissue_alpha_beta
from hccrt.radiobiology.voxel import dose_array_to_bed, dose_array_to_eqd2, dose_array_to_eqd_x

__all__ = [
    "LIANG_2006_SOURCE",
    "LIANG_2006_TOLERABLE_V_PERCENT",
    "LIVER_REPAIR_HALF_TIME_H",
    "PARK_2008_H460",
    "TAI_2008_HCC_REPOPULATION",
    "TISSUE_ALPHA_BETA",
    "AlphaBetaEntry",
    "BedModel",
    "BedResult",
    "DifferentialDvh",
    "LqlParameters",
    "ModelWarning",
    "NtcpParameterSet",
    "NtcpResult",
    "RepopulationParameters",
    "SchemeComparison",
    "SourcedValue",
    "Status",
    "TissueAlphaBeta",
    "UscParameters",
    "bed_lq",
    "bed_lq_incomplete_repair",
    "bed_lq_time_corrected",
    "bed_to_eqd_x",
    "compare_schemes",
    "cumulative_to_differential",
    "default_ntcp_parameter_set",
    "describe_bed",
    "describe_comparison",
    "describe_ntcp",
    "describe_parameter_sets",
    "differential_dvh",
    "dose_array_to_bed",
    "dose_array_to_eqd2",
    "dose_array_to_eqd_x",
    "dose_per_fraction_for_bed",
    "eqd2_lq",
    "eqd_x",
    "get_ntcp_parameter_set",
    "get_tissue_alpha_beta",
    "geud_gy",
    "isoeffective_total_dose_gy",
    "lea_catcheside_g",
    "liang_tolerable_mean_dose_gy",
    "list_ntcp_parameter_sets",
    "looks_cumulative",
    "ntcp_lkb",
    "ntcp_logit",
    "parse_scheme",
    "read_dvh_csv",
    "require_dvh_kind",
    "scheme_bed",
    "seed_tolerable_mean_liver_dose",
    "thames_h_factor",
]
