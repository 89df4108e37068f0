"""Shipshape's Django app (label ``initiatives``): one package per subject; the README's "Code
map" says what each holds and may import."""
