//! Scratch directories for tests that write files (browser profiles and logs, hostile
//! inputs): one per test, under the system temp dir, named after the calling module, the
//! tag and this process, emptied when made; removed when the test passes and kept when it
//! fails, to look at.

use std::path::{Path, PathBuf};

/// A fresh directory for one test.
pub struct Scratch(PathBuf);

impl Scratch {
    /// `chipmix-MODULE-TAG-PID` under the temp dir, MODULE being the calling file's stem.
    #[track_caller]
    pub fn new(tag: &str) -> Scratch {
        let caller = Path::new(std::panic::Location::caller().file());
        let module = caller.file_stem().expect("a source file name");
        let dir = std::env::temp_dir().join(format!(
            "chipmix-{}-{tag}-{}",
            module.to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        Scratch(dir)
    }

    /// The directory itself.
    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// The path of `name` in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `bytes` to `name` in the directory; its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write a scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
