"""The words the deliberation pages show for the domain's codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "collected": _l("Collected"),
    "accepted": _l("Accepted"),
    "declined": _l("Not for deliberation"),
    "researched": _l("Researched"),
    "deliberated": _l("Deliberated"),
    "published": _l("Result posted"),
    "implementing": _l("Being carried out"),
    "done": _l("Done"),
    "merged": _l("Merged"),
}
SIZE = {"small": _l("Small matter"), "normal": _l("Normal matter"), "hard": _l("Hard matter")}
SOURCE = {
    "resident": _l("Raised by the resident"),
    "visit": _l("Grid worker's visit"),
    "box": _l("Suggestion box"),
    "wechat": _l("WeChat group"),
    "talk_room": _l("Villagers' talk room"),
    "meeting": _l("Meeting"),
    "assigned": _l("Handed down from above"),
}
FORM = {
    "forum": _l("Forum"),
    "hearing": _l("Hearing with experts"),
    "face_to_face": _l("Face to face with the parties"),
    "online": _l("Online comments"),
    "written": _l("In writing"),
}
SCORE = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
}
# The six steps as the pages show them, with the statuses that mean a step is reached.
STEPS = (
    ("collected", _l("Collect")),
    ("accepted", _l("Decide the topic")),
    ("researched", _l("Research")),
    ("deliberated", _l("Deliberate")),
    ("published", _l("Publish")),
    ("implementing", _l("Carry out")),
    ("done", _l("Rate")),
)
ORDER = [s for s, _label in STEPS]


def step_reached(status: str, step: str) -> bool:
    if status in ("declined", "merged"):
        return step == "collected"
    return step in ORDER and status in ORDER and ORDER.index(step) <= ORDER.index(status)


OBJECTION = {
    "open": _l("Waiting for a decision"),
    "upheld": _l("Objection upheld"),
    "dismissed": _l("Objection dismissed"),
}
