"""What the rules read: the patient record plus the scores computed once from it."""

from __future__ import annotations

from dataclasses import dataclass

from hccrt.clinical.patient import ExtrahepaticSite, PatientRecord, PortalVeinInvasion
from hccrt.clinical.scores import ChildPugh, Performance
from hccrt.clinical.settings import DEFAULT_SETTINGS, ClinicalSettings
from hccrt.clinical.staging import Staging


@dataclass(frozen=True)
class Context:
    """The patient with Child-Pugh, performance status and stage (all immutable)."""

    patient: PatientRecord
    child_pugh: ChildPugh
    performance: Performance
    staging: Staging
    settings: ClinicalSettings = DEFAULT_SETTINGS

    @property
    def cp_class(self) -> str:
        """Child-Pugh class ``A``/``B``/``C`` or ``insufficient_data``."""
        return self.child_pugh.class_

    @property
    def tumor_count(self) -> int:
        """Number of intrahepatic tumours."""
        return len(self.patient.tumors)

    @property
    def largest_cm(self) -> float | None:
        """Largest tumour diameter in cm (``None`` without tumours)."""
        return self.patient.largest_tumor_cm

    @property
    def extrahepatic(self) -> bool | None:
        """True/False when imaging was assessed for extrahepatic disease, else ``None``."""
        spread = self.patient.extrahepatic_disease
        return None if spread is None else bool(spread)

    def extrahepatic_sites(self) -> set[ExtrahepaticSite]:
        """Sites with extrahepatic disease (empty when none or not assessed)."""
        return {d.site for d in self.patient.extrahepatic_disease or ()}

    @property
    def portal_trunk(self) -> bool | None:
        """Main portal-trunk tumour thrombus (``None`` when not assessed)."""
        invasion = self.patient.vascular_invasion
        return None if invasion is None else invasion.portal_vein is PortalVeinInvasion.main_trunk

    @property
    def tumour_thrombus(self) -> bool | None:
        """Any portal-vein, hepatic-vein or IVC tumour thrombus (``None`` when not assessed)."""
        invasion = self.patient.vascular_invasion
        return None if invasion is None else invasion.any

    @property
    def difficult_location(self) -> bool:
        """A tumour next to large vessels, bile ducts, diaphragm, gallbladder or bowel."""
        return any(
            t.near_major_vessel
            or t.near_bile_duct
            or t.adjacent_to_diaphragm
            or t.adjacent_to_gallbladder
            or t.adjacent_to_bowel
            for t in self.patient.tumors
        )
