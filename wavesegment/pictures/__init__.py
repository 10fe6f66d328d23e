"""Pictures of a run: the waves, the similarity projection, the modes, contact sheets."""
