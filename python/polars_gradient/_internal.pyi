"""Type stub for the compiled plugin library.

The library's expression functions are reached through
``polars.plugins.register_plugin_function``, not as Python callables; the
module itself only carries its version.
"""

__version__: str
