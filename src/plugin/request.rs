//! The kwargs of each plugin function, parsed and checked once into a request shared by the schema and the run.

use polars::prelude::*;
use serde::Deserialize;

use super::dtypes::{dtype_name, inner, temporal_unit_ns};
use crate::core::counters::{Counter, Kind};
use crate::core::fd::Stencil;
use crate::core::savgol::{Savgol, Window};
use crate::core::series::Method;
use crate::core::types::Unit;

/// The function the user called and its method parameters, as Python sends
/// them: `{"function": "gradient", "edge_order": 1}` or
/// `{"function": "derivative", "order": 2, "accuracy": 4}`.
#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(tag = "function", rename_all = "snake_case")]
pub enum Called {
    Gradient {
        edge_order: usize,
    },
    Derivative {
        order: usize,
        accuracy: usize,
    },
    GradientHorizontal {
        edge_order: usize,
    },
    /// One of `window_count` (odd rows), `window_width` (in `x`'s units) and
    /// `window_ns` (a duration, for a temporal `x`).
    Savgol {
        window_count: Option<usize>,
        window_width: Option<f64>,
        window_ns: Option<i64>,
        polyorder: usize,
        order: usize,
    },
    CumulativeTrapezoid,
    Trapezoid,
    /// PromQL's rate family: `kind` one of `rate`, `increase`, `delta`,
    /// `irate`, `idelta`, `deriv`, `predict_linear`, `resets`, `changes`; the
    /// window and `ahead` each a width in `x`'s units or a duration in ns.
    Counter {
        kind: CounterKind,
        window_width: Option<f64>,
        window_ns: Option<i64>,
        #[serde(default)]
        ahead_width: Option<f64>,
        #[serde(default)]
        ahead_ns: Option<i64>,
    },
}

/// The name of a function of the rate family, as Python sends it.
#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum CounterKind {
    Rate,
    Increase,
    Delta,
    Irate,
    Idelta,
    Deriv,
    PredictLinear,
    Resets,
    Changes,
}

impl CounterKind {
    fn parts(self) -> (&'static str, Kind) {
        match self {
            CounterKind::Rate => ("rate", Kind::Rate),
            CounterKind::Increase => ("increase", Kind::Increase),
            CounterKind::Delta => ("delta", Kind::Delta),
            CounterKind::Irate => ("irate", Kind::Irate),
            CounterKind::Idelta => ("idelta", Kind::Idelta),
            CounterKind::Deriv => ("deriv", Kind::Deriv),
            CounterKind::PredictLinear => ("predict_linear", Kind::PredictLinear),
            CounterKind::Resets => ("resets", Kind::Resets),
            CounterKind::Changes => ("changes", Kind::Changes),
        }
    }
}

/// Keyword arguments of `gradient`, `derivative` and `gradient_horizontal`, as
/// pickled by `polars_gradient._gradient`. Inputs arrive in the order
/// `[y, x?, key...]`: `has_x` says whether `x` is there, and `n_keys` how many
/// `partition_by` key columns follow.
#[derive(Deserialize, Debug, Clone)]
pub struct DerivativeKwargs {
    pub called: Called,
    /// Uniform step, used when there is no `x`.
    pub spacing: f64,
    #[serde(default)]
    pub has_x: bool,
    #[serde(default)]
    pub n_keys: usize,
    /// Leave null rows out instead of propagating nulls.
    #[serde(default)]
    pub ignore_nulls: bool,
    /// For a temporal `x`: the result's time unit in nanoseconds (default: 1 s).
    #[serde(default)]
    pub per_ns: Option<i64>,
    /// For `reduce`: the inputs are one series each, to be imploded here (Polars
    /// before 1.28 cannot run a plugin on imploded groups: it is called per group).
    #[serde(default)]
    pub implode: bool,
}

/// A checked request: what to compute, and how the inputs are laid out.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// The function the user called, for error messages.
    pub name: &'static str,
    /// Read through `method_for`: a duration window's width is set there.
    method: Method,
    pub spacing: f64,
    pub has_x: bool,
    pub n_keys: usize,
    pub ignore_nulls: bool,
    pub per_ns: Option<i64>,
    /// A Savitzky–Golay window given as a duration: its half-width in `x`'s
    /// units is known only with `x`'s dtype (`Request::method_for`).
    pub window_ns: Option<i64>,
    /// A rate-family `ahead` given as a duration, resolved like `window_ns`.
    pub ahead_ns: Option<i64>,
}

impl Request {
    /// Checks the numbers (Python checked them first) and gives the method.
    pub fn parse(kwargs: &DerivativeKwargs) -> PolarsResult<Request> {
        let (name, method) = match kwargs.called {
            Called::Gradient { edge_order } => ("gradient", gradient(edge_order, "gradient")?),
            Called::GradientHorizontal { edge_order } => (
                "gradient_horizontal",
                gradient(edge_order, "gradient_horizontal")?,
            ),
            Called::Derivative { order, accuracy } => {
                polars_ensure!(
                    order >= 1 && accuracy >= 2 && accuracy.is_multiple_of(2),
                    InvalidOperation: "derivative: order must be at least 1 and accuracy even and at least 2, \
                    got order {} and accuracy {}", order, accuracy
                );
                // The same three-point stencils as numpy's edge_order=2 (Fornberg's
                // weights on three points are numpy's formulas): use that kernel.
                let method = if (order, accuracy) == (1, 2) {
                    Method::Gradient { edge_order: 2 }
                } else {
                    Method::Derivative(Stencil { order, accuracy })
                };
                ("derivative", method)
            }
            Called::Savgol {
                window_count,
                window_width,
                window_ns,
                polyorder,
                order,
            } => {
                let window = match (window_count, window_width, window_ns) {
                    (Some(w), None, None) => {
                        polars_ensure!(
                            w % 2 == 1 && polyorder < w,
                            InvalidOperation: "savgol: window must be an odd number of rows greater than polyorder, \
                            got window {} and polyorder {}", w, polyorder
                        );
                        Window::Count(w)
                    }
                    (None, Some(width), None) => {
                        polars_ensure!(
                            width.is_finite() && width > 0.0,
                            InvalidOperation: "savgol: a window width must be a finite positive number, got {}", width
                        );
                        Window::HalfWidth(width / 2.0)
                    }
                    // Resolved with x's dtype.
                    (None, None, Some(_)) => Window::HalfWidth(f64::NAN),
                    _ => polars_bail!(InvalidOperation: "savgol: give exactly one window"),
                };
                polars_ensure!(
                    order <= polyorder,
                    InvalidOperation: "savgol: order must be at most polyorder, got order {} and polyorder {}",
                    order, polyorder
                );
                let sg = Savgol {
                    window,
                    polyorder,
                    order,
                };
                ("savgol", Method::Savgol(sg))
            }
            Called::CumulativeTrapezoid => ("cumulative_trapezoid", Method::CumulativeTrapezoid),
            Called::Trapezoid => ("trapezoid", Method::CumulativeTrapezoid),
            Called::Counter {
                kind,
                window_width,
                window_ns,
                ahead_width,
                ahead_ns,
            } => {
                let (name, kind) = kind.parts();
                let window = match (window_width, window_ns) {
                    // window=None: the whole series (`reduce`), never a window edge.
                    (None, None) => f64::INFINITY,
                    (Some(w), None) => w,
                    // Resolved with x's dtype.
                    (None, Some(ns)) => {
                        polars_ensure!(ns > 0, InvalidOperation: "{}: window must be a positive duration", name);
                        f64::NAN
                    }
                    _ => polars_bail!(InvalidOperation: "{}: give exactly one window", name),
                };
                polars_ensure!(
                    window.is_nan() || window == f64::INFINITY || (window.is_finite() && window > 0.0),
                    InvalidOperation: "{}: window must be a finite positive number, got {}", name, window
                );
                let ahead = ahead_width.unwrap_or(if ahead_ns.is_some() { f64::NAN } else { 0.0 });
                let counter = Counter {
                    kind,
                    window,
                    ahead,
                };
                (name, Method::Counter(counter))
            }
        };
        polars_ensure!(
            kwargs.spacing.is_finite() && kwargs.spacing != 0.0,
            InvalidOperation: "{}: spacing must be a finite, non-zero number, got {}", name, kwargs.spacing
        );
        Ok(Request {
            name,
            method,
            spacing: kwargs.spacing,
            has_x: kwargs.has_x,
            n_keys: kwargs.n_keys,
            ignore_nulls: kwargs.ignore_nulls,
            per_ns: kwargs.per_ns,
            window_ns: match kwargs.called {
                Called::Savgol { window_ns, .. } | Called::Counter { window_ns, .. } => window_ns,
                _ => None,
            },
            ahead_ns: match kwargs.called {
                Called::Counter { ahead_ns, .. } => ahead_ns,
                _ => None,
            },
        })
    }

    /// The method, given `x`'s field: a Savitzky–Golay width needs `x`, and a
    /// number width a numeric `x`, a duration a temporal one (converted here
    /// to `x`'s units).
    pub fn method_for(&self, x: Option<&Field>) -> PolarsResult<Method> {
        match self.method {
            Method::Savgol(sg) => {
                let Window::HalfWidth(half) = sg.window else {
                    return Ok(self.method);
                };
                let width = self.width_for(x, "window", half * 2.0, self.window_ns)?;
                Ok(Method::Savgol(Savgol {
                    window: Window::HalfWidth(width / 2.0),
                    ..sg
                }))
            }
            Method::Counter(c) => Ok(Method::Counter(Counter {
                window: if c.window == f64::INFINITY {
                    c.window
                } else {
                    self.width_for(x, "window", c.window, self.window_ns)?
                },
                ahead: match c.kind {
                    Kind::PredictLinear => self.width_for(x, "ahead", c.ahead, self.ahead_ns)?,
                    _ => c.ahead,
                },
                ..c
            })),
            _ => Ok(self.method),
        }
    }

    /// A width in `x`'s units: a number for a numeric `x`, a duration (in ns,
    /// converted here) for a temporal one; anything else a clear error.
    fn width_for(
        &self,
        x: Option<&Field>,
        what: &str,
        width: f64,
        ns: Option<i64>,
    ) -> PolarsResult<f64> {
        let name = self.name;
        let Some(x) = x else {
            polars_bail!(InvalidOperation: "{}: a {} width needs x; without x give window as an odd number of rows", name, what)
        };
        let unit_ns = temporal_unit_ns(inner(x.dtype()));
        Ok(match (unit_ns, ns) {
            (None, None) => width,
            (Some(unit_ns), Some(ns)) => ns as f64 / unit_ns as f64,
            (None, Some(_)) => polars_bail!(
                InvalidOperation: "{}: a duration {} needs a temporal x, but x column '{}' has dtype {}; \
                give the width as a number in x's units", name, what, x.name(), dtype_name(x.dtype())
            ),
            (Some(_), None) => polars_bail!(
                InvalidOperation: "{}: x column '{}' has dtype {}, so give {} as a duration \
                (for example {}=\"10m\" or a datetime.timedelta)", name, x.name(), dtype_name(x.dtype()),
                if what == "window" { "the window width" } else { what }, what
            ),
        })
    }

    /// The rate-family function asked for, if it is one.
    pub fn counter(&self) -> Option<Kind> {
        match self.method {
            Method::Counter(c) => Some(c.kind),
            _ => None,
        }
    }

    /// How long one unit of `x` is in the result's unit: one for numbers; for
    /// a temporal `x`, its unit over `per` (default one second), as a reduced ratio.
    pub fn unit(&self, x: Option<&Field>) -> PolarsResult<Unit> {
        let name = self.name;
        let temporal = x.and_then(|x| temporal_unit_ns(inner(x.dtype())));
        match (x, temporal, self.per_ns) {
            (_, Some(unit_ns), per) => {
                let per = per.unwrap_or(1_000_000_000);
                polars_ensure!(per > 0, InvalidOperation: "{}: per must be a positive duration", name);
                let g = gcd(unit_ns, per);
                Ok(Unit {
                    num: (unit_ns / g) as f64,
                    den: (per / g) as f64,
                })
            }
            (Some(x), None, Some(_)) => polars_bail!(
                InvalidOperation: "{}: per is only for a temporal x, but x column '{}' has dtype {}; \
                accepted with per: a Date, Datetime or Duration column",
                name, x.name(), dtype_name(x.dtype())
            ),
            (None, None, Some(_)) => polars_bail!(
                InvalidOperation: "{}: per is only for a temporal x, and no x was given", name
            ),
            (_, None, None) => Ok(Unit::ONE),
        }
    }
}

fn gradient(edge_order: usize, name: &str) -> PolarsResult<Method> {
    polars_ensure!(
        edge_order == 1 || edge_order == 2,
        InvalidOperation: "{}: edge_order must be 1 or 2, got {}", name, edge_order
    );
    Ok(Method::Gradient { edge_order })
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Keyword arguments of `as_float`: what the input is, for the error message.
#[derive(Deserialize, Debug, Clone)]
pub struct AsFloatKwargs {
    pub what: String,
}

/// Keyword arguments of `richardson`, the plugin behind `derivative_of`.
/// Inputs: the point `x`, the largest step `h0`, then `f(x)` when the rule
/// samples offset 0, then `f(x + o * s_k)` for each step `k` and each non-zero
/// sampled offset `o` (`Rule::sampled_offsets`), offsets inner, where
/// `s_k = exact_step(x, h0 / divisors[k])` (`core::richardson`).
#[derive(Deserialize, Debug, Clone)]
pub struct RichardsonKwargs {
    pub order: usize,
    pub error: bool,
}

/// The most rows one output row of `function` reads around it (its largest
/// window), from the core's own stencils; `None` where no count of rows bounds
/// it (width windows, integrals) or the parameters are not a valid call. For
/// Python's checks of data split in batches (`stencil_window` in the module).
pub fn stencil_window(
    function: &str,
    edge_order: Option<usize>,
    order: Option<usize>,
    accuracy: Option<usize>,
    window_count: Option<usize>,
) -> Option<usize> {
    let method = match function {
        "gradient" | "gradient_horizontal" => Method::Gradient {
            edge_order: edge_order?,
        },
        "derivative" => Method::Derivative(Stencil {
            order: order?,
            accuracy: accuracy?,
        }),
        "savgol" => {
            return window_count;
        }
        _ => return None,
    };
    method.window_rows()
}
