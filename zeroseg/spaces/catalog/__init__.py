"""One module per search space, each registered with ``@register_space``."""
