"""Tests that run the real OCR engines."""
