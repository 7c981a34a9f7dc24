//! The README's library example is `examples/library.rs`, which CI
//! compiles: the two must not drift apart.

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_library_example_is_the_compiled_example() {
    let readme = read("README.md");
    let start = readme
        .find("```rust\n")
        .expect("a rust block in the README")
        + "```rust\n".len();
    let shown = &readme[start..start + readme[start..].find("```").expect("the block ends")];
    let example = read("examples/library.rs");
    let code = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_eq!(
        shown, code,
        "README.md's rust block differs from examples/library.rs"
    );
}

#[test]
fn the_readme_keeps_its_set_up_commands() {
    let readme = read("README.md");
    for command in [
        "cargo run --release ",
        "cargo test --workspace ",
        "cargo install --path .",
    ] {
        assert!(readme.contains(command), "{command:?} not in README.md");
    }
}
