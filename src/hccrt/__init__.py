"""hccrt: radiotherapy and local treatment of hepatocellular carcinoma.

Decision support from the seed documents, radiobiology (BED/EQD2, NTCP), target volumes on DICOM
images, plan evaluation (DVH, dose constraints), planning and follow-up.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
