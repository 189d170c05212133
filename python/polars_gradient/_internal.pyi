"""Type stub for the compiled plugin library.

The library's expression functions are reached through
``polars.plugins.register_plugin_function``, not as Python callables; the
module itself carries its version and the sample offsets of ``derivative_of``.
"""

__version__: str

def richardson_offsets(order: int) -> list[int]:
    """The offsets at which ``derivative_of`` samples ``f`` for this order."""
