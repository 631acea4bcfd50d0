"""Clinical decision support: patient record, scores, staging and the seed rules."""

from hccrt.clinical.patient import PatientRecord, load_patient, parse_patient

__all__ = ["PatientRecord", "load_patient", "parse_patient"]
