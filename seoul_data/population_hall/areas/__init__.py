"""The indicator definitions, one module per area of the 서울 인구관.

Each module declares ``INDICATORS``, a tuple of :class:`~seoul_data.population_hall.model.Indicator`
of its area: what it means, how it is computed, and, where the data is not there, exactly
what is missing.
"""
