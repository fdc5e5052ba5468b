"""Recognition: engines, preprocessing, line detection, confidence. No Telegram here."""
