"""Use cases: `verb_noun(uow, inputs, *, actor, now)`. Every entry point calls these; none commits."""
