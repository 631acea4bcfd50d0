"""Treatment planning: 6 MV pencil-beam dose engine, beams, 3DCRT, constrained IMRT, sequencing.

See ``docs/planning.md`` for the physics, the data sources and the "3DCRT first" rule of seed 000.
"""
