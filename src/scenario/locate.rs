//! Finds where a field sits in the YAML text, so that a validation message can say
//! `file:line:col`. serde gives locations only for syntax and type errors; range checks
//! happen after deserialisation, so we walk the parser's events once more, on demand.

use saphyr_parser::{Event, Parser};

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence position (0-based).
    Index(usize),
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

enum Frame {
    Map {
        expecting_key: bool,
        key: Option<String>,
    },
    Seq {
        index: usize,
    },
}

/// The location of `path` in `text`: the key for a mapping entry, the item for a sequence
/// position. When the path does not exist (a missing field), the location of its longest
/// existing prefix is returned. `None` when the text does not parse or the path is empty.
pub fn locate(text: &str, path: &[Seg]) -> Option<Location> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut current: Vec<Seg> = Vec::new();
    let mut best: Option<(usize, Location)> = None;
    let mut parser = Parser::new_from_str(text);
    // Path of the node about to start, if we are inside a container.
    while let Some(item) = parser.next_event() {
        let (event, span) = item.ok()?;
        let here = Location {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        let starts_node = matches!(
            event,
            Event::Scalar(..)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
                | Event::Alias(..)
        );
        if starts_node {
            // Is this node a mapping key?
            if let Some(Frame::Map { expecting_key, key }) = frames.last_mut()
                && *expecting_key
            {
                *expecting_key = false;
                *key = match &event {
                    Event::Scalar(value, ..) => Some(value.to_string()),
                    _ => None,
                };
                if let Some(k) = key.clone() {
                    current.push(Seg::Key(k));
                    note(&current, path, here, &mut best);
                    current.pop();
                }
                // A complex key (mapping or sequence) is skipped as a node below.
                if matches!(event, Event::Scalar(..) | Event::Alias(..)) {
                    continue;
                }
            }
            // The node's own path.
            let seg = match frames.last() {
                Some(Frame::Map { key, .. }) => key.clone().map(Seg::Key),
                Some(Frame::Seq { index }) => Some(Seg::Index(*index)),
                None => None,
            };
            let pushed = seg.is_some();
            if let Some(seg) = seg {
                current.push(seg);
                if matches!(frames.last(), Some(Frame::Seq { .. })) {
                    note(&current, path, here, &mut best);
                }
            }
            match event {
                Event::MappingStart(..) => {
                    frames.push(Frame::Map {
                        expecting_key: true,
                        key: None,
                    });
                    if !pushed {
                        current.push(Seg::Key(String::new()));
                    }
                }
                Event::SequenceStart(..) => {
                    frames.push(Frame::Seq { index: 0 });
                    if !pushed {
                        current.push(Seg::Key(String::new()));
                    }
                }
                _ => {
                    if pushed {
                        current.pop();
                    }
                    finish_child(&mut frames);
                }
            }
        } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
            frames.pop();
            current.pop();
            finish_child(&mut frames);
        }
    }
    best.map(|(_, loc)| loc)
}

fn finish_child(frames: &mut [Frame]) {
    match frames.last_mut() {
        Some(Frame::Map { expecting_key, .. }) => *expecting_key = true,
        Some(Frame::Seq { index }) => *index += 1,
        None => {}
    }
}

/// Records `here` if `current` (minus the root placeholder) is a prefix of `path` deeper
/// than the best so far.
fn note(current: &[Seg], path: &[Seg], here: Location, best: &mut Option<(usize, Location)>) {
    let current = strip_root(current);
    if current.is_empty() || current.len() > path.len() || current != &path[..current.len()] {
        return;
    }
    if best.is_none_or(|(depth, _)| current.len() > depth) {
        *best = Some((current.len(), here));
    }
}

fn strip_root(current: &[Seg]) -> &[Seg] {
    match current.first() {
        Some(Seg::Key(k)) if k.is_empty() => &current[1..],
        _ => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name: x\naccelerators:\n  - id: a\n    unit_price: -5\n  - id: b\n    tflops: 3\nlimits: {budget: 7}\n";

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }

    #[test]
    fn finds_a_nested_key() {
        let loc = locate(
            DOC,
            &[key("accelerators"), Seg::Index(0), key("unit_price")],
        )
        .unwrap();
        assert_eq!((loc.line, loc.column), (4, 5));
        let loc = locate(DOC, &[key("accelerators"), Seg::Index(1), key("tflops")]).unwrap();
        assert_eq!((loc.line, loc.column), (6, 5));
    }

    #[test]
    fn finds_keys_in_flow_mappings() {
        let loc = locate(DOC, &[key("limits"), key("budget")]).unwrap();
        assert_eq!((loc.line, loc.column), (7, 10));
    }

    #[test]
    fn falls_back_to_the_longest_prefix() {
        let loc = locate(DOC, &[key("accelerators"), Seg::Index(1), key("vendor")]).unwrap();
        assert_eq!((loc.line, loc.column), (5, 5));
    }

    #[test]
    fn garbage_gives_none() {
        assert_eq!(locate("a: [", &[key("a")]), None);
    }
}
