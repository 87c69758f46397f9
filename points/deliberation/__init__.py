"""议事协商: topics through the six steps (六步议事法), with 五议三不议 and 民主测评.

Modules by what a reader looks for: ``models`` (tables), ``settings`` (the village's lists
and windows), ``topics`` (intake, history, lists), ``visits`` (民情日志), ``screening``
(确定议题), ``research`` (议前调研), ``results`` (the meeting's outcome, publication and
objections), ``implementation`` (跟踪落实), ``ratings`` (民主测评), ``rewards`` (points),
``flow`` (one advance for the API), ``registers`` (the four registers).

Who deliberates and how a meeting decides: ``body_models`` (their tables), ``bodies``
(1+7+X bodies, members, terms, the talent pool), ``representatives`` (村民代表: terms,
nominations, signatures, roster), ``meeting_settings`` (quorum, passing rule, major
matters, duty points), ``meetings`` (meetings of a kind: who is called, the live quorum),
``votes`` (表决), ``chain`` (四议两公开), ``escalations`` (to a 村民会议 or the county).
"""
