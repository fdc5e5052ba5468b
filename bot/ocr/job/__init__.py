"""The reading job: from an image and a language to a Page."""
