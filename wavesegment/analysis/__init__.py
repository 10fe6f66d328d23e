"""Why a run segmented as it did: the exact modes of its network, its steps, its confidence."""
