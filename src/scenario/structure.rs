//! YAML structure that the serde parse lets through or places badly: a key given twice in
//! one mapping (compared by its text, so `2025` and `"2025"` are the same year), reported at
//! the second key itself; and tags (`!domestic foreign`), which a scenario never uses and
//! serde would silently drop. The core schema's own tags (`!!str 2025`) are allowed.

use super::locate::Location;
use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// One structural problem: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The place of the offending key or tagged value.
    pub location: Location,
    /// What is wrong, starting with the path of the mapping (`accelerators[0]: ...`).
    pub message: String,
}

enum Frame {
    Map {
        /// Keys seen so far, with where each first appeared.
        seen: HashMap<String, Location>,
        /// Whether the next node is a key (nodes alternate: key, value, key, ...).
        expecting_key: bool,
        /// The text of the last key (`None` for a key that is not plain text).
        key: Option<String>,
    },
    Seq {
        index: usize,
    },
}

/// Every duplicate key and every non-core tag in `text`, in document order. A document
/// that does not parse is walked up to its error (the serde parse reports that).
pub fn problems(text: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let here = Location {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        let tag = match &event {
            Event::Scalar(_, _, _, tag)
            | Event::MappingStart(_, tag)
            | Event::SequenceStart(_, tag) => tag.as_ref(),
            _ => None,
        };
        if let Some(tag) = tag
            && !tag.is_yaml_core_schema()
        {
            out.push(Problem {
                location: here,
                message: format!(
                    "{}the tag `{}{}` has no meaning in a scenario; remove it (a value is plain text, a number, true/false, a list or a mapping)",
                    prefix(&frames, true),
                    tag.handle,
                    tag.suffix
                ),
            });
        }
        let duplicate = match (&event, frames.last_mut()) {
            (
                Event::Scalar(value, ..),
                Some(Frame::Map {
                    seen,
                    expecting_key: true,
                    key,
                }),
            ) => {
                *key = Some(value.to_string());
                match seen.get(value.as_ref()) {
                    Some(first) => Some(*first),
                    None => {
                        seen.insert(value.to_string(), here);
                        None
                    }
                }
            }
            (
                Event::Alias(..) | Event::MappingStart(..) | Event::SequenceStart(..),
                Some(Frame::Map {
                    expecting_key: true,
                    key,
                    ..
                }),
            ) => {
                *key = None;
                None
            }
            _ => None,
        };
        if let Some(first) = duplicate {
            let name = match frames.last() {
                Some(Frame::Map { key: Some(k), .. }) => k.clone(),
                _ => String::new(),
            };
            out.push(Problem {
                location: here,
                message: format!(
                    "{}the key `{name}` is given twice (first at line {}, column {}); a mapping takes each key once",
                    prefix(&frames, false),
                    first.line,
                    first.column
                ),
            });
        }
        match event {
            Event::MappingStart(..) => frames.push(Frame::Map {
                seen: HashMap::new(),
                expecting_key: true,
                key: None,
            }),
            Event::SequenceStart(..) => frames.push(Frame::Seq { index: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                frames.pop();
                node_done(&mut frames);
            }
            Event::Scalar(..) | Event::Alias(..) => node_done(&mut frames),
            _ => {}
        }
    }
    out
}

/// A node (scalar, alias or closed collection) has ended inside the innermost frame.
fn node_done(frames: &mut [Frame]) {
    match frames.last_mut() {
        Some(Frame::Map { expecting_key, .. }) => *expecting_key = !*expecting_key,
        Some(Frame::Seq { index }) => *index += 1,
        None => {}
    }
}

/// The path of the innermost collection as a message prefix (`accelerators[0]: `), or
/// nothing at the top level. With `inner`, the path goes on to the node about to be read
/// in that collection (the value of its current key, or its next item).
fn prefix(frames: &[Frame], inner: bool) -> String {
    let mut path = String::new();
    let steps = if inner {
        frames.len()
    } else {
        frames.len().saturating_sub(1)
    };
    for f in &frames[..steps] {
        match f {
            Frame::Map {
                expecting_key: true,
                ..
            } => {}
            Frame::Map { key, .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key.as_deref().unwrap_or("?"));
            }
            Frame::Seq { index } => path.push_str(&format!("[{index}]")),
        }
    }
    if path.is_empty() {
        path
    } else {
        format!("{path}: ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Vec<(usize, usize, String)> {
        problems(text)
            .into_iter()
            .map(|p| (p.location.line, p.location.column, p.message))
            .collect()
    }

    #[test]
    fn a_duplicate_key_is_placed_at_the_second_key() {
        let found = at("name: x\naccelerators:\n  - id: a\n    unit_price: 1\n    unit_price: 2\n");
        assert_eq!(found.len(), 1);
        let (line, col, msg) = &found[0];
        assert_eq!((*line, *col), (5, 5));
        assert!(
            msg.starts_with(
                "accelerators[0]: the key `unit_price` is given twice (first at line 4, column 5)"
            ),
            "{msg}"
        );
    }

    #[test]
    fn a_year_quoted_and_unquoted_is_the_same_key() {
        let found = at("sites:\n  - id: a\n    power_kw: {2025: 1, \"2025\": 2}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].2.starts_with("sites[0].power_kw: the key `2025`"),
            "{}",
            found[0].2
        );
    }

    #[test]
    fn the_same_key_in_different_mappings_is_fine() {
        assert!(at("a: {x: 1}\nb: {x: 2}\nc:\n  - {x: 1}\n  - {x: 2}\n").is_empty());
    }

    #[test]
    fn local_tags_are_refused_and_core_tags_allowed() {
        let found = at("a: !domestic foreign\nb: !!str 2025\n");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (1, 4));
        assert!(
            found[0].2.starts_with("a: the tag `!domestic`"),
            "{}",
            found[0].2
        );
    }
}
