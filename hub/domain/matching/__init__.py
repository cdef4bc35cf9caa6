"""Matching of check subjects against the central register: keys, scores, the index and disclosure (pure)."""
