"""The patient record from and to the EHR: HL7 FHIR R4B Bundles (R4 content accepted).

:func:`record_from_bundle` maps a Bundle with one Patient to a :class:`PatientRecord`;
:func:`bundle_from_record` writes one. The codes, units and mCODE profiles are listed in
``docs/fhir.md``. ``load_patient`` reads a file holding a Bundle through this module, so every
command that takes a patient record takes a Bundle too.
"""

from hccrt.clinical._fhir_codes import FHIR_VERSION, HCCRT_SYSTEM
from hccrt.clinical._fhir_export import bundle_from_record
from hccrt.clinical._fhir_import import FhirImport, record_from_bundle

__all__ = ["FHIR_VERSION", "HCCRT_SYSTEM", "FhirImport", "bundle_from_record", "record_from_bundle"]
