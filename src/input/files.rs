//! From what the user named (`--edges a --edges 'part-*.tsv.gz' --edges
//! dir/`) to the list of files read, in a fixed order.
//!
//! Why sorted: ids are numbered in the order they are first read, and the
//! same inputs must give the same bytes; a directory's listing order is the
//! file system's. Why hidden and `_` files are left out of a directory:
//! Spark, Hive and the warehouses write `_SUCCESS`, `_metadata` and `.crc`
//! files beside the shards, which are not follows.

use crate::input::error::InputError;
use crate::input::is_stdin;
use std::path::{Path, PathBuf};

/// The files `given` names, in order: each path as it is, each directory
/// as its files (sorted by name, hidden and `_` files left out), each name
/// with `*` or `?` as the files it matches (sorted). A pattern or directory
/// that matches nothing, and a file named twice, are errors.
pub fn expand_inputs(given: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out: Vec<PathBuf> = Vec::new();
    for g in given {
        let files = expand_one(g)?;
        for f in files {
            if out
                .iter()
                .any(|o| o == &f || (!is_stdin(&f) && crate::store::paths::same_file(o, &f)))
            {
                return Err(InputError::Unusable {
                    path: f,
                    reason:
                        "is named twice among the inputs (its follows or tags would be read twice)"
                            .into(),
                });
            }
            out.push(f);
        }
    }
    Ok(out)
}

fn expand_one(given: &Path) -> Result<Vec<PathBuf>, InputError> {
    if is_stdin(given) {
        return Ok(vec![given.to_path_buf()]);
    }
    let name = given
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains(['*', '?']) {
        let dir = match given.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let found = list(&dir, |n| wildcard(name.as_bytes(), n.as_bytes()))?;
        if found.is_empty() {
            return Err(InputError::Unusable {
                path: given.to_path_buf(),
                reason: format!("no file in {} matches this pattern", dir.display()),
            });
        }
        return Ok(found);
    }
    if given.is_dir() {
        let found = list(given, |n| !n.starts_with('.') && !n.starts_with('_'))?;
        if found.is_empty() {
            return Err(InputError::Unusable {
                path: given.to_path_buf(),
                reason: "is a directory without input files (hidden and `_` files are left out)"
                    .into(),
            });
        }
        return Ok(found);
    }
    Ok(vec![given.to_path_buf()])
}

/// The regular files (or FIFOs) of `dir` whose names pass `keep`, sorted.
fn list(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::io(dir, &e))?;
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|e| InputError::io(dir, &e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let path = dir.join(e.file_name());
        if keep(&name) && !path.is_dir() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// `*` (any run) and `?` (any one byte) matching, like a shell.
pub(crate) fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| wildcard(rest, &s[i..])),
        Some((&c, rest)) => s
            .split_first()
            .is_some_and(|(&d, tail)| (c == b'?' || c == d) && wildcard(rest, tail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(wildcard(b"edges-*.tsv.gz", b"edges-001.tsv.gz"));
        assert!(wildcard(b"part-?.tsv", b"part-3.tsv"));
        assert!(!wildcard(b"edges-*.tsv", b"edges-1.tsv.gz"));
        assert!(wildcard(b"*", b""));
    }

    #[test]
    fn directories_and_patterns_expand_sorted_and_twice_named_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            "part-2.tsv",
            "part-10.tsv",
            "part-1.tsv",
            "_SUCCESS",
            ".part-1.crc",
        ] {
            std::fs::write(dir.path().join(n), "1\t2\n").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        let all = expand_inputs(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(names(all), ["part-1.tsv", "part-10.tsv", "part-2.tsv"]);
        let some = expand_inputs(&[dir.path().join("part-?.tsv")]).unwrap();
        assert_eq!(names(some), ["part-1.tsv", "part-2.tsv"]);
        let none = expand_inputs(&[dir.path().join("x-*.tsv")]).unwrap_err();
        assert!(none.to_string().contains("matches"), "{none}");
        let twice = expand_inputs(&[dir.path().join("part-1.tsv"), dir.path().join("part-?.tsv")])
            .unwrap_err();
        assert!(twice.to_string().contains("named twice"), "{twice}");
    }
}
