"""Readers: one module per OCR engine, each a few plain functions with no pool or queue.

The interface every reader offers, as far as its engine can:

- read a line: ``read_line(crop) -> (text, RAW score 0..1)``, ``("", 0.0)`` for nothing
  (:func:`rapid.read_line`; :func:`tesseract.read_line` takes this thread's API first);
- find on a page: ``detect(image) -> pieces of writing`` (:func:`rapid.detect`);
- read a page: ``-> lines with boxes and RAW scores`` (:func:`tesseract.read_lines`;
  :func:`aspose.recognize_in_worker`, inside a worker process only).

Scores are raw: what they are worth is decided in :mod:`bot.ocr.decide`. A reader knows
nothing of asyncio, threads or processes, nor of the other readers (see :mod:`bot.ocr.run`
for running them); engine objects that are not thread-safe are kept one per thread
(RapidOCR, Tesseract) or one per worker process (Aspose, set up by :func:`aspose.init_worker`,
which the process runner calls). Only :mod:`~bot.ocr.readers.aspose` imports ``aspose``.
"""
