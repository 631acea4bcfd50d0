"""hccrt's DICOM node (``hccrt listen``): receive cases by C-STORE, run them, send results back.

pynetdicom is used only here; the DICOM objects themselves are read and written by
:mod:`hccrt.dicom` (:mod:`hccrt.dicom.incoming`, :mod:`hccrt.dicom.encapsulated_pdf`).
"""

from hccrt.node._server import CASE_SOP_CLASSES, DicomNode
from hccrt.node.config import NodeConfig, RemoteNode, RunSettings, load_node_config

__all__ = [
    "CASE_SOP_CLASSES",
    "DicomNode",
    "NodeConfig",
    "RemoteNode",
    "RunSettings",
    "load_node_config",
]
