//! The user's files, read and written safely. Inputs are read only from regular files and
//! are bounded while reading (a device or a pipe says nothing true about its length);
//! outputs are written whole or not at all (a temporary file beside the target, then a
//! rename), and never onto a file that is also an input.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest scenario or catalog file read, in bytes (4 MiB).
pub const MAX_SCENARIO_BYTES: u64 = 4 * 1024 * 1024;

/// Largest plan or sweep shard read back (by `check` and `merge`), in bytes (256 MiB). A
/// plan states every site and period, so a national plan is far larger than its scenario:
/// the plan of a 10,000-site, five-year scenario is some tens of MiB.
pub const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the regular file at `path` as UTF-8 text of at most `limit` bytes. A leading
/// byte-order mark is dropped (YAML and spreadsheet programs write one). The error is a
/// message without the file name (`is a FIFO, not a regular file`).
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    // `metadata` does not open the file, so a FIFO is refused before anything blocks on it.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(format!("is {}, not a regular file", kind_of(&meta)));
    }
    let too_large = || format!("is larger than the {limit} bytes this file may have");
    // A regular file's length is known: a file far over the limit is refused unread. The
    // count while reading below still holds if it grows in the meantime.
    if meta.len() > limit {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(strip_bom(&text).to_string())
}

/// `text` without a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// Whether `a` and `b` name the same existing file (the same device and inode, so hard
/// links, symbolic links and `./x` versus `x` are all caught). False when either does not
/// exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A full disk or a killed process
/// leaves the old file as it was. A symbolic link is followed (its target is replaced).
/// A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
/// written directly: it cannot be replaced, and there is nothing on it to lose.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = match std::fs::canonicalize(path) {
        Ok(real) => {
            if !std::fs::metadata(&real)?.is_file() {
                return std::fs::OpenOptions::new()
                    .write(true)
                    .open(&real)?
                    .write_all(bytes);
            }
            real
        }
        Err(_) => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let temp = dir.join(format!(".{name}.chipmix-{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Parses JSON (a saved plan, a shard) like `serde_json::from_str`, except that an object
/// that gives a key twice is refused: serde_json would keep the last one silently, so an
/// edited file could state one figure to a reader and another to `check`.
pub fn parse_json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Builds a `serde_json::Value`, refusing objects with a repeated key.
#[derive(Clone, Copy)]
struct Strict;

impl<'de> serde::de::DeserializeSeed<'de> for Strict {
    type Value = serde_json::Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict)? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{key}` is given twice in one object"
                )));
            }
            let value = map.next_value_seed(Strict)?;
            out.insert(key, value);
        }
        Ok(serde_json::Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chipmix-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_over_the_limit_is_refused_while_reading() {
        let dir = scratch("limit");
        let p = dir.join("a.yaml");
        std::fs::write(&p, "x".repeat(11)).unwrap();
        assert_eq!(read_text(&p, 11).unwrap().len(), 11);
        assert!(
            read_text(&p, 10)
                .unwrap_err()
                .contains("larger than the 10 bytes")
        );
    }

    #[test]
    fn devices_and_directories_are_not_read() {
        assert!(
            read_text(Path::new("/dev/zero"), 10)
                .unwrap_err()
                .contains("character device")
        );
        assert!(
            read_text(Path::new("/"), 10)
                .unwrap_err()
                .contains("directory")
        );
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = scratch("bom");
        let p = dir.join("a.yaml");
        std::fs::write(&p, "\u{feff}name: x\n").unwrap();
        assert_eq!(read_text(&p, 100).unwrap(), "name: x\n");
    }

    #[test]
    fn atomic_writes_replace_the_target_and_leave_no_temporary_file() {
        let dir = scratch("atomic");
        let p = dir.join("out.json");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "only the output remains");
        // A failed write (the directory is gone) leaves no file behind and says why.
        assert!(write_atomic(&dir.join("missing").join("x"), b"y").is_err());
    }

    #[test]
    fn json_with_a_key_given_twice_is_refused() {
        let v = parse_json(r#"{"a": [1, 2.5, {"b": null}], "c": "x"}"#).unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, 2.5, {"b": null}], "c": "x"}));
        let e = parse_json(r#"{"a": 1, "b": {"c": 1, "c": 2}}"#).unwrap_err();
        assert!(e.to_string().contains("`c` is given twice"), "{e}");
        assert_eq!(e.line(), 1);
        assert!(parse_json("{} x").is_err(), "trailing text");
    }

    #[test]
    fn same_file_sees_through_links_and_spellings() {
        let dir = scratch("same");
        let a = dir.join("a");
        std::fs::write(&a, "x").unwrap();
        std::os::unix::fs::symlink(&a, dir.join("link")).unwrap();
        std::fs::hard_link(&a, dir.join("hard")).unwrap();
        assert!(same_file(&a, &dir.join("link")));
        assert!(same_file(&a, &dir.join("hard")));
        assert!(same_file(&a, &dir.join(".").join("a")));
        assert!(!same_file(&a, &dir.join("missing")));
    }
}
