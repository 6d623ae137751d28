"""SMS summaries: GSM 03.38 encoding and segmenting (`gsm`), text made fit for GSM-7
(`transliterate`), sentences and clauses (`text`), what a summary says and how it is laid out
(`summary`), and the `publish sms-count` command (`command`). The renderer is
`publish.renderers.sms`.
"""
