"""Measured beam data: CSV and w2CAD readers and their validation messages."""

from __future__ import annotations

import pytest

from hccrt.dose import read_beam_data_csv, read_w2cad
from hccrt.dose._refit import reference_data_path
from hccrt.errors import InputError

HEADER = "kind,field_x_mm,field_y_mm,ssd_mm,depth_mm,off_axis_mm,value,source\n"


def test_the_shipped_reference_data_read_and_validate() -> None:
    data = read_beam_data_csv(reference_data_path())
    assert data.energy == "6MV"
    assert {c.field_mm[0] for c in data.pdds} == {30, 40, 60, 100, 150, 200, 300}
    assert data.output_factors is not None
    assert data.sc is not None
    assert data.collimator["dlg"] == 1.5
    assert all(abs(c.values.max() - 1.0) < 1e-9 for c in data.pdds)


def test_missing_reference_field_is_named() -> None:
    text = HEADER + "".join(
        f"pdd,50,50,1000,{d},0,{v},x\n" for d, v in ((15, 100), (50, 80), (100, 60))
    )
    with pytest.raises(
        InputError, match=r"pdd field sizes=.*the reference field 100x100 mm is missing"
    ):
        read_beam_data_csv("t.csv", text=text)


def test_non_monotonic_depths_are_refused_with_the_field() -> None:
    rows = ((15, 100), (50, 86), (40, 80), (100, 67))
    text = HEADER + "".join(f"pdd,100,100,1000,{d},0,{v},x\n" for d, v in rows)
    with pytest.raises(InputError, match=r"pdd 100x100 mm=40.0: positions must increase strictly"):
        read_beam_data_csv("t.csv", text=text)


def test_output_factors_must_be_normalised_to_the_reference_field() -> None:
    text = HEADER + "".join(
        f"pdd,100,100,1000,{d},0,{v},x\n" for d, v in ((15, 100), (50, 86), (100, 67))
    )
    text += "output_factor,100,100,1000,15,0,0.98,x\noutput_factor,50,50,1000,15,0,0.93,x\n"
    with pytest.raises(
        InputError, match=r"output_factor 100x100 mm=0.98: the reference field must be 1.0"
    ):
        read_beam_data_csv("t.csv", text=text)


def test_bad_numbers_and_headers() -> None:
    with pytest.raises(InputError, match="header"):
        read_beam_data_csv("t.csv", text="a,b\n")
    with pytest.raises(InputError, match="line 2: depth_mm=ten: must be a number"):
        read_beam_data_csv("t.csv", text=HEADER + "pdd,100,100,1000,ten,0,100,x\n")


W2CAD = """$NUMS 002
$STOM
%VERSION 02
%DATE 01-01-2024
%DETY CHA
%BMTY PHO
%FLSZ 100*100
%TYPE OPD
%AXIS Z
%PNTS 4
%SSD 1000
< +000.0 +000.0 +005.0 +075.0 >
< +000.0 +000.0 +015.0 +100.0 >
< +000.0 +000.0 +050.0 +086.4 >
< +000.0 +000.0 +100.0 +066.8 >
$ENOM
$STOM
%FLSZ 100*100
%TYPE OPP
%AXIS X
%SSD 1000
%DPTH 100
< -060.0 +000.0 +100.0 +010.0 >
< -050.0 +000.0 +100.0 +050.0 >
< +000.0 +000.0 +100.0 +100.0 >
< +050.0 +000.0 +100.0 +050.0 >
$ENOM
$ENOF
"""


def test_w2cad_pdd_and_profile() -> None:
    pdds, profiles = read_w2cad("scan.asc", text=W2CAD)
    assert len(pdds) == 1
    assert len(profiles) == 1
    assert pdds[0].field_mm == (100.0, 100.0)
    assert pdds[0].positions_mm.tolist() == [5.0, 15.0, 50.0, 100.0]
    assert pdds[0].values.max() == 1.0
    assert profiles[0].depth_mm == 100.0
    assert profiles[0].values[2] == 1.0


def test_w2cad_unknown_type_is_refused() -> None:
    with pytest.raises(InputError, match=r"%TYPE=XYZ: must be OPD or OPP"):
        read_w2cad("scan.asc", text=W2CAD.replace("%TYPE OPD", "%TYPE XYZ"))
