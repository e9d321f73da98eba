//! Element-wise operators, applied a chunk at a time.

/// Functions of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Abs,
    Floor,
    Round,
    Sin,
    Cos,
    /// The argument itself: a second name for a node that already has one.
    Alias,
}

impl UnaryOp {
    const ALL: [UnaryOp; 10] = [
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Abs,
        UnaryOp::Floor,
        UnaryOp::Round,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Alias,
    ];

    /// The operator called `name` (as [`UnaryOp::name`] writes it).
    pub fn from_name(name: &str) -> Option<UnaryOp> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Abs => "abs",
            UnaryOp::Floor => "floor",
            UnaryOp::Round => "round",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Alias => "alias",
        }
    }

    #[inline(always)]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::Exp => x.exp(),
            UnaryOp::Log => x.ln(),
            UnaryOp::Sqrt => x.sqrt(),
            UnaryOp::Abs => x.abs(),
            UnaryOp::Floor => x.floor(),
            // Half away from zero, like Rust's f64::round (numpy rounds half to even).
            UnaryOp::Round => x.round(),
            UnaryOp::Sin => x.sin(),
            UnaryOp::Cos => x.cos(),
            UnaryOp::Alias => x,
        }
    }

    /// out[i] = op(x[i]); one tight loop per operator so it vectorises.
    pub fn apply_slice(self, x: &[f64], out: &mut [f64]) {
        macro_rules! lanes {
            ($f:expr) => {
                for (o, &a) in out.iter_mut().zip(x) {
                    *o = $f(a);
                }
            };
        }
        match self {
            UnaryOp::Neg => lanes!(|a: f64| -a),
            UnaryOp::Exp => lanes!(f64::exp),
            UnaryOp::Log => lanes!(f64::ln),
            UnaryOp::Sqrt => lanes!(f64::sqrt),
            UnaryOp::Abs => lanes!(f64::abs),
            UnaryOp::Floor => lanes!(f64::floor),
            UnaryOp::Round => lanes!(f64::round),
            UnaryOp::Sin => lanes!(f64::sin),
            UnaryOp::Cos => lanes!(f64::cos),
            UnaryOp::Alias => out.copy_from_slice(x),
        }
    }
}

/// Operators of two arguments. Comparisons give 1.0 or 0.0, so the mean of a
/// comparison is a probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Min,
    Max,
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl BinaryOp {
    const ALL: [BinaryOp; 13] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
        BinaryOp::Min,
        BinaryOp::Max,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Eq,
        BinaryOp::Ne,
    ];

    /// The operator called `name` (as [`BinaryOp::name`] writes it).
    pub fn from_name(name: &str) -> Option<BinaryOp> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "**",
            BinaryOp::Min => "minimum",
            BinaryOp::Max => "maximum",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
        }
    }

    /// Whether it prints between its arguments (`a + b`) or as a call.
    pub fn is_infix(self) -> bool {
        !matches!(self, BinaryOp::Min | BinaryOp::Max)
    }

    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Pow => a.powf(b),
            // NaN-propagating, like numpy.minimum/maximum.
            BinaryOp::Min => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            }
            BinaryOp::Max => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            }
            BinaryOp::Gt => (a > b) as u8 as f64,
            BinaryOp::Ge => (a >= b) as u8 as f64,
            BinaryOp::Lt => (a < b) as u8 as f64,
            BinaryOp::Le => (a <= b) as u8 as f64,
            BinaryOp::Eq => (a == b) as u8 as f64,
            BinaryOp::Ne => (a != b) as u8 as f64,
        }
    }

    /// out[i] = a[i] op b[i].
    pub fn apply_slice(self, a: &[f64], b: &[f64], out: &mut [f64]) {
        macro_rules! lanes {
            ($op:expr) => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = $op(x, y);
                }
            };
        }
        match self {
            BinaryOp::Add => lanes!(|x: f64, y: f64| x + y),
            BinaryOp::Sub => lanes!(|x: f64, y: f64| x - y),
            BinaryOp::Mul => lanes!(|x: f64, y: f64| x * y),
            BinaryOp::Div => lanes!(|x: f64, y: f64| x / y),
            op => lanes!(|x, y| op.apply(x, y)),
        }
    }

    /// out[i] = a[i] op b, a constant on the right (`1 - dud_rate` has it on the left).
    pub fn apply_scalar_right(self, a: &[f64], b: f64, out: &mut [f64]) {
        macro_rules! lanes {
            ($op:expr) => {
                for (o, &x) in out.iter_mut().zip(a) {
                    *o = $op(x, b);
                }
            };
        }
        match self {
            BinaryOp::Add => lanes!(|x: f64, y: f64| x + y),
            BinaryOp::Sub => lanes!(|x: f64, y: f64| x - y),
            BinaryOp::Mul => lanes!(|x: f64, y: f64| x * y),
            BinaryOp::Div => lanes!(|x: f64, y: f64| x / y),
            op => lanes!(|x, y| op.apply(x, y)),
        }
    }

    /// out[i] = a op b[i], a constant on the left.
    pub fn apply_scalar_left(self, a: f64, b: &[f64], out: &mut [f64]) {
        macro_rules! lanes {
            ($op:expr) => {
                for (o, &y) in out.iter_mut().zip(b) {
                    *o = $op(a, y);
                }
            };
        }
        match self {
            BinaryOp::Add => lanes!(|x: f64, y: f64| x + y),
            BinaryOp::Sub => lanes!(|x: f64, y: f64| x - y),
            BinaryOp::Mul => lanes!(|x: f64, y: f64| x * y),
            BinaryOp::Div => lanes!(|x: f64, y: f64| x / y),
            op => lanes!(|x, y| op.apply(x, y)),
        }
    }
}
