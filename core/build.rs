//! Records the source revision Potable is built from, so every trained version can name the
//! code that trained it: `POTABLE_CODE_REVISION` from the build environment (the container
//! build passes it, having no `.git`), else `git rev-parse` of this checkout. Nothing is set
//! when neither is known.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=POTABLE_CODE_REVISION");
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        // Rebuild when HEAD moves (a commit, a checkout).
        for file in ["HEAD", "packed-refs"] {
            println!(
                "cargo:rerun-if-changed={}",
                Path::new(&dir).join(file).display()
            );
        }
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!(
                "cargo:rerun-if-changed={}",
                Path::new(&dir).join(branch).display()
            );
        }
    }
    let revision = std::env::var("POTABLE_CODE_REVISION")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    if let Some(revision) = revision {
        println!("cargo:rustc-env=POTABLE_CODE_REVISION={}", revision.trim());
    }
}
