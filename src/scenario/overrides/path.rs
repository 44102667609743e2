//! The text of an override: `PATH=VALUE` split at its first `=` outside brackets (a
//! selector such as `[origin=domestic]` has its own), the operator before the `=` (`*=`,
//! `+=`, `-=`), and the path read into steps: keys, positions (`[0]`), ids (`[h20]`) and
//! selectors of many entries (`[*]`, `[vendor=Huawei]`).

/// One step of an override path.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    /// A field of a mapping.
    Key(String),
    /// A list entry by position.
    Index(usize),
    /// A list entry by its `id`.
    Id(String),
    /// Every entry of a list: `[*]`.
    All,
    /// Every entry of a list whose field has a value: `[origin=domestic]`.
    Where(String, String),
}

impl Step {
    /// Whether the step may pick more than one entry.
    pub(super) fn is_selector(&self) -> bool {
        matches!(self, Step::All | Step::Where(..))
    }
}

/// The position of the first `=` of `text` outside square brackets.
pub(super) fn assignment(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '=' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Splits `accelerators[h20].unit_price` into steps. Dots inside brackets belong to the id
/// (`accelerators[mlu.590]`).
pub(super) fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    let mut steps = Vec::new();
    for part in parts {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.trim().is_empty() {
            return Err(format!(
                "the path `{path}` has an empty field name (paths look like `limits.budget` or `accelerators[h20].unit_price`)"
            ));
        }
        steps.push(Step::Key(name.trim().to_string()));
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .ok_or_else(|| format!("the path `{path}` has an unbalanced `[`"))?;
            let inner = rest[1..close].trim();
            if inner.is_empty() || inner.contains('[') {
                return Err(format!(
                    "the path `{path}` has an empty or nested `[]`: name an id (`[h20]`), a position (`[0]`), every entry (`[*]`) or a field value (`[origin=domestic]`)"
                ));
            }
            steps.push(step_in_brackets(path, inner)?);
            rest = &rest[close + 1..];
        }
    }
    Ok(steps)
}

fn step_in_brackets(path: &str, inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::All);
    }
    if let Some((field, value)) = inner.split_once('=') {
        let (field, value) = (field.trim(), value.trim());
        if field.is_empty() || value.is_empty() {
            return Err(format!(
                "the path `{path}` has a selector `[{inner}]` without a field or a value (write e.g. `[origin=domestic]`)"
            ));
        }
        return Ok(Step::Where(field.to_string(), value.to_string()));
    }
    Ok(match inner.parse::<usize>() {
        Ok(i) => Step::Index(i),
        Err(_) => Step::Id(inner.to_string()),
    })
}

/// Steps written back as a path.
pub(super) fn shown(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Id(id) => out.push_str(&format!("[{id}]")),
            Step::All => out.push_str("[*]"),
            Step::Where(k, v) => out.push_str(&format!("[{k}={v}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_dotted_ids_are_one_step() {
        let steps = parse_path("accelerators[vendor=Moore.Threads].max_units").unwrap();
        assert_eq!(
            steps,
            vec![
                Step::Key("accelerators".into()),
                Step::Where("vendor".into(), "Moore.Threads".into()),
                Step::Key("max_units".into()),
            ]
        );
        let steps = parse_path("sites[*].existing[h2.0].units").unwrap();
        assert_eq!(steps[1], Step::All);
        assert_eq!(steps[3], Step::Id("h2.0".into()));
        assert!(parse_path("accelerators[=x].a").is_err());
        assert!(parse_path("accelerators[origin=].a").is_err());
        assert!(parse_path("accelerators[[a]].a").is_err());
    }

    #[test]
    fn the_assignment_is_outside_brackets() {
        let text = "accelerators[origin=domestic].max_units*=0.5";
        assert_eq!(assignment(text), Some(text.len() - 4));
        assert_eq!(assignment("name=a=b"), Some(4));
        assert_eq!(assignment("accelerators[origin=domestic]"), None);
    }
}
