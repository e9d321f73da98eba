//! What is wrong with a scenario, and where.

/// One problem with a scenario, at a field path such as
/// `["munitions", "shell_152", "dud_rate"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub path: Vec<String>,
    pub message: String,
}

impl Issue {
    pub(crate) fn at<S: AsRef<str>>(path: &[S], message: impl Into<String>) -> Issue {
        Issue {
            path: path.iter().map(|s| s.as_ref().to_string()).collect(),
            message: message.into(),
        }
    }
}
