"""Deciding: from the evidence of a line to the text shown and how sure we are."""
