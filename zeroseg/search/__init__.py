"""Segmenter search (issue 5): genotypes of a space, scored by a scorer, evolved by ``zeroseg.evolution``.

``search(SearchOptions(...))`` runs it end to end; ``SegmenterProblem`` is the engine's problem.
"""
