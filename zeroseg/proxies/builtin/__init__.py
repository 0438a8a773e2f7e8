"""Built-in proxies computed on the model, one module each (registered where defined)."""
