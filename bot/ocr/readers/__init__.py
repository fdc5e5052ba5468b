"""Readers: one module per OCR engine, each a few plain functions with no pool or queue.

A reader finds or reads writing on an image it is handed; it knows nothing of asyncio,
threads or processes (see :mod:`bot.ocr.run.threads` and :mod:`bot.ocr.run.processes` for
running them).
Readers keep their engine objects per thread where the engine is not thread-safe.
"""
