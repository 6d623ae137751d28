"""Braille: liblouis through its Python binding (`liblouis`), a leaflet as print blocks in
reading order (`document`) and those blocks as numbered pages of braille cells (`layout`).
The `braille` renderer (`publish.renderers.braille`) puts them together into BRF files."""
