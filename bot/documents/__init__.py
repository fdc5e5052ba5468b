"""What a user sends, as pages: a photo is one page, a PDF or a multi-page TIFF several.

No Telegram here (handlers pass bytes in) and no engine: a page is either an image for the
OCR engine to read, or, for a PDF page with a text layer, lines already known for sure.
"""
