"""The DICOM files of a plan: the RTSTRUCT copy with the built targets is dciodvfy-clean."""

from __future__ import annotations

import dataclasses

from hccrt.dicom import read_rtstruct
from hccrt.dicom.rtstruct_writer import add_rois
from tests.dciodvfy import dciodvfy_errors


def test_rtstruct_copy_has_the_frame_of_reference_module(pvtt_phantom_files, tmp_path):
    source = pvtt_phantom_files.rtstruct_path
    gtv = next(s for s in read_rtstruct(source).structures if s.name == "GTV")
    out = tmp_path / "RTSTRUCT.dcm"
    add_rois(source, [dataclasses.replace(gtv, name="PTV", number=99)], out)
    assert dciodvfy_errors(out) == []
    assert read_rtstruct(out).frame_of_reference_uid == read_rtstruct(source).frame_of_reference_uid
