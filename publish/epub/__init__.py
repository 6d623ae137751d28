"""The parts of an EPUB 3.3 publication that are not the leaflet's own markup.

- `package`: the package document (OPF) with its accessibility metadata, the navigation
  document, and the deterministic OCF zip.
- `overlay`: the media overlay (SMIL) that points each spoken utterance at the text it voices.
- `fonts`: the theme's fonts, subset and embedded, and the publication's stylesheet.

The `epub` renderer (`publish/renderers/epub.py`) ties them to the theme and the speech
pipeline.
"""
