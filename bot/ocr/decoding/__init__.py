"""Decoding RapidOCR's recognizer output (issue 18): its CTC probabilities read with a
character language model, and the word spaces it drops put back.

- :mod:`.ctc`: greedy decoding and the prefix beam search;
- :mod:`.lm`: the character n-gram models, built from the installed ``wordfreq``;
- :mod:`.wordlist`: the language's common words, a price in the beam search on the others;
- :mod:`.spaces`: word spaces from the gaps in the ink;
- :mod:`.crops`: a tighter second crop of a loose line (measured, not used by default);
- :mod:`.line`: one line decoded all ways (greedy, spaced, LM), the greedy kept as evidence;
- :mod:`.hook`: what the default engine (``bot.ocr.job.rapid_tesseract``) gets with
  ``OCR_LM_DECODING``.

Plain functions and data, no threads or event loop: they run wherever the reader runs.
"""
