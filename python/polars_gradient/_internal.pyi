"""Type stub for the compiled plugin library.

The library's expression functions are reached through
``polars.plugins.register_plugin_function``, not as Python callables; the
module itself carries its version and how ``derivative_of`` samples ``f``.
"""

__version__: str

def richardson_plan(order: int) -> tuple[list[int], list[float], float]:
    """How ``derivative_of`` samples ``f`` for this order.

    The offsets of the central difference, the divisors of the first step (step
    ``k`` is ``h0 / divisors[k]``) and the default first step per unit of the
    argument's scale ``log(e + |x|)``.
    """

def stencil_window(
    function: str,
    edge_order: int | None = None,
    order: int | None = None,
    accuracy: int | None = None,
    window_count: int | None = None,
) -> int | None:
    """The most rows one output row of a column function reads around it (its
    largest window, from the compiled stencils); ``None`` where no count of rows
    bounds it (width windows, integrals) or the call is not valid."""
