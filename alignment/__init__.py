"""Sverka's aligner: Russian and English text → paragraphs → sentences → aligned beads.

A plain library: it imports neither the web app nor the database.
"""

from alignment.types import Bead, Segment, Token

__all__ = ["Bead", "Segment", "Token"]
