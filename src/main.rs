//! The `chipmix` command: everything happens in [`chipmix::cli::run`].

fn main() {
    std::process::exit(chipmix::cli::run());
}
