"""Objective change between follow-up photos of one lesion: calibrated, aligned, measured.

Pure measurement code (numpy + OpenCV, no AWS): the reference card (card.py: an ArUco marker of known
printed size and white / mid-grey / reference-red patches -> millimetre scale and colour correction),
registration of a follow-up photo to the lesion's baseline (registration.py), the outline proposed
from the previous one (outline.py), area, erythema index and the change rules (measure.py), and the
generated corpus with known truth the unit tests and `bench.lesion_metrics` run on (synthetic.py).

OpenCV and numpy are imported by those modules at the top: nothing on a person's path (the REST API,
the authorizer, the WebSocket functions) may import them; only the measuring function does (handler.py,
with the lesion-measurement layer alone). The stored side is ordinary house code without OpenCV:
ports.py, service.py (a doctor sets a lesion's baseline outline, and confirms or corrects a
follow-up's proposed outline; each other photo's measurement is stored; the series is read),
adapters.py (the lesion_metrics table, sealed) and routes.py.
"""
