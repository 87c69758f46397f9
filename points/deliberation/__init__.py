"""议事协商: topics through the six steps (六步议事法), with 五议三不议 and 民主测评.

Modules by what a reader looks for: ``models`` (tables), ``settings`` (the village's lists
and windows), ``topics`` (intake, history, lists), ``visits`` (民情日志), ``screening``
(确定议题), ``research`` (议前调研), ``results`` (the meeting's outcome, publication and
objections), ``implementation`` (跟踪落实), ``ratings`` (民主测评), ``rewards`` (points),
``flow`` (one advance for the API), ``registers`` (the four registers).
"""
