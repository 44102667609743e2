//! Helpers shared by the integration tests: run the built binary, write temp scenarios.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Output of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `chipmix` with `args`.
pub fn chipmix(args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_chipmix")).args(args))
}

/// Runs `chipmix` with `args` in the directory `cwd`.
pub fn chipmix_in(cwd: &Path, args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_chipmix"))
        .args(args)
        .current_dir(cwd))
}

fn run(command: &mut Command) -> Run {
    let out = command.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to a temp file named after `tag` and returns its path.
///
/// Every test module runs in this one process, so the file goes to a directory of the
/// process and of the calling module's source file (`chipmix-tests-PID/cli/TAG.yaml`): the
/// same tag in two modules names two files. Within a module, tags must differ between
/// tests that write different text.
#[track_caller]
pub fn scenario_file(tag: &str, text: &str) -> PathBuf {
    let caller = Path::new(std::panic::Location::caller().file());
    let module = caller.file_stem().expect("a source file name");
    let dir = std::env::temp_dir()
        .join(format!("chipmix-tests-{}", std::process::id()))
        .join(module);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Path of a sample scenario.
pub fn sample(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Relative closeness.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}
