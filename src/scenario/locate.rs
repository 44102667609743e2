//! Finds where a field sits in the YAML text, so that a message can say `file:line:col`.
//! serde gives locations only for syntax errors; every other check happens on parsed
//! values, so the parser's events are walked once (on the first error) into an index from
//! paths to positions.

use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence position (0-based).
    Index(usize),
}

pub use crate::error::Location;

enum Frame {
    Map {
        expecting_key: bool,
        key: Option<String>,
    },
    Seq {
        index: usize,
    },
}

/// Positions of every mapping key and sequence item of a document, by path.
#[derive(Debug, Default)]
pub struct LocationIndex {
    places: HashMap<Vec<Seg>, Location>,
}

impl LocationIndex {
    /// Indexes `text`. A document that does not parse is indexed up to the error.
    pub fn new(text: &str) -> LocationIndex {
        let mut places = HashMap::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut current: Vec<Seg> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Some(Ok((event, span))) = parser.next_event() {
            let here = Location {
                line: span.start.line(),
                column: span.start.col() + 1,
            };
            match event {
                Event::Scalar(..)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
                | Event::Alias(..) => {
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
                            places.entry(current.clone()).or_insert(here);
                            current.pop();
                        }
                        if matches!(event, Event::Scalar(..) | Event::Alias(..)) {
                            continue;
                        }
                    }
                    let seg = match frames.last() {
                        Some(Frame::Map { key, .. }) => {
                            Some(Seg::Key(key.clone().unwrap_or_default()))
                        }
                        Some(Frame::Seq { index }) => Some(Seg::Index(*index)),
                        None => None,
                    };
                    let in_seq = matches!(frames.last(), Some(Frame::Seq { .. }));
                    if let Some(seg) = seg.clone() {
                        current.push(seg);
                        if in_seq {
                            places.entry(current.clone()).or_insert(here);
                        }
                    }
                    match event {
                        Event::MappingStart(..) | Event::SequenceStart(..) => {
                            frames.push(if matches!(event, Event::MappingStart(..)) {
                                Frame::Map {
                                    expecting_key: true,
                                    key: None,
                                }
                            } else {
                                Frame::Seq { index: 0 }
                            });
                            if seg.is_none() {
                                current.push(Seg::Key(String::new()));
                            }
                        }
                        _ => {
                            if seg.is_some() {
                                current.pop();
                            }
                            finish_child(&mut frames);
                        }
                    }
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    frames.pop();
                    current.pop();
                    finish_child(&mut frames);
                }
                _ => {}
            }
        }
        // Paths are stored with the root placeholder; strip it.
        let places = places
            .into_iter()
            .map(|(k, v)| match k.first() {
                Some(Seg::Key(r)) if r.is_empty() => (k[1..].to_vec(), v),
                _ => (k, v),
            })
            .collect();
        LocationIndex { places }
    }

    /// The location of `path`: the key for a mapping entry, the item for a sequence position.
    /// When the path does not exist (a missing field), its longest existing prefix.
    pub fn find(&self, path: &[Seg]) -> Option<Location> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.places.get(&path[..n]).copied())
    }
}

fn finish_child(frames: &mut [Frame]) {
    match frames.last_mut() {
        Some(Frame::Map { expecting_key, .. }) => *expecting_key = true,
        Some(Frame::Seq { index }) => *index += 1,
        None => {}
    }
}

/// A [`LocationIndex`] built on first use: files without errors never pay for it.
pub struct Locator<'a> {
    text: &'a str,
    index: std::cell::OnceCell<LocationIndex>,
}

impl<'a> Locator<'a> {
    /// A locator over `text`.
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            index: std::cell::OnceCell::new(),
        }
    }

    /// The text it locates in.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// See [`LocationIndex::find`].
    pub fn find(&self, path: &[Seg]) -> Option<Location> {
        self.index
            .get_or_init(|| LocationIndex::new(self.text))
            .find(path)
    }
}

/// The location of `path` in `text` (see [`LocationIndex::find`]).
pub fn locate(text: &str, path: &[Seg]) -> Option<Location> {
    LocationIndex::new(text).find(path)
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
    fn garbage_indexes_what_came_before() {
        assert_eq!(locate("a: [", &[key("zzz")]), None);
        assert!(locate("a: 1\nb: [", &[key("a")]).is_some());
    }
}
