//! Which paths name the same file: the check that keeps an output from
//! being written over an input (`rank --out edges.tsv`, `export --out
//! scores.snap` of `scores.snap`).

use std::path::Path;

/// True when `a` and `b` are the same file: the same device and inode (a
/// hard link, `./x` and `x`, a symlink to it), or, for paths that do not
/// exist yet, the same path once the parent directory is resolved. `-`
/// (standard input or output) is the same as `-`.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a.as_os_str() == "-" || b.as_os_str() == "-" {
        return a == b;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `path` with its parent directory made canonical (the file itself may
/// not exist).
fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// The first of `inputs` that `output` would overwrite, if any.
pub fn input_named_by<'a>(output: &Path, inputs: &[&'a Path]) -> Option<&'a Path> {
    inputs.iter().copied().find(|i| same_file(output, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_links_and_spellings_are_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.tsv");
        std::fs::write(&a, "x").unwrap();
        let link = dir.path().join("b.tsv");
        std::fs::hard_link(&a, &link).unwrap();
        assert!(same_file(&a, &link));
        assert!(
            same_file(&a, &dir.path().join("./sub/../a.tsv")) || !dir.path().join("sub").exists()
        );
        assert!(same_file(&a, &dir.path().join(".").join("a.tsv")));
        let new = dir.path().join("new.snap");
        assert!(same_file(&new, &dir.path().join(".").join("new.snap")));
        assert!(!same_file(&a, &new));
    }
}
