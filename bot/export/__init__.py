"""Notes out as a searchable PDF: the page images with the note's text under them.

``pdf`` writes the file (no Telegram, no network); ``pages`` gathers each note's pages,
fetching the original images through a function the handler passes in.
"""
