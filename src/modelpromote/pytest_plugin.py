"""modelpromote's pytest plugin (inert unless --model is given)."""
