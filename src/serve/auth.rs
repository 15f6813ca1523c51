//! Bearer tokens from a file, compared in constant time.
//!
//! The file is read with a size bound and checked line by line (issue 19):
//! `--tokens /dev/zero` used to read forever, a pasted `Bearer 0123…` line
//! became a token no client could ever send, and a file any user could
//! read started without a word.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest tokens file read: 1 MiB is some 15,000 tokens of 64 characters,
/// far beyond any real list, and small enough to read at once. A device,
/// a pipe or a huge file is refused after that many bytes, not read on.
pub const MAX_TOKENS_FILE: u64 = 1 << 20;

/// Fewest characters in a token.
pub const MIN_TOKEN_CHARS: usize = 16;

/// A tokens file that cannot serve. Messages name the line, never the
/// token: the error goes to logs.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// Unreadable.
    #[error("{}: cannot read the tokens file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Over [`MAX_TOKENS_FILE`] bytes (or a device that never ends).
    #[error("{}: the tokens file is over {limit} bytes (is it the right file? `--tokens` wants one token per line)", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The bound.
        limit: u64,
    },
    /// No token in it.
    #[error("{}: no tokens in the file", .0.display())]
    Empty(PathBuf),
    /// A token too short to resist guessing.
    #[error("{}: line {line}: a token of {chars} characters; use at least 16 (e.g. `openssl rand -hex 32`)", path.display())]
    Short {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The short token's length.
        chars: usize,
    },
    /// A line starting with the `Bearer` scheme: the token alone belongs
    /// in the file, the client adds the scheme.
    #[error("{}: line {line} starts with `Bearer`; write the token alone on the line (clients send `Authorization: Bearer <token>`)", path.display())]
    SchemePrefix {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// A line with a space or tab inside: no header could carry it as one
    /// token, so it is a mistake (two tokens on a line, a pasted header).
    #[error("{}: line {line} has a space inside; one token per line, nothing else on it", path.display())]
    Space {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// A control character or a byte outside ASCII.
    #[error("{}: line {line} has a control character or a non-ASCII byte; tokens are printable ASCII", path.display())]
    BadByte {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
}

/// A token's name in logs: the first 8 hex digits of the CRC-32 of the
/// token. Stable across edits of the file (unlike a line number) and
/// computable by an operator (`python3 -c 'import zlib,sys;
/// print("%08x" % zlib.crc32(sys.argv[1].encode()))' TOKEN`); 32 bits of a
/// token of 16 or more characters help no one guess the rest.
pub fn token_id(token: &[u8]) -> String {
    format!("{:08x}", crc32fast::hash(token))
}

/// Accepted bearer tokens.
pub struct Tokens {
    tokens: Vec<Vec<u8>>,
    ids: Vec<String>,
    warnings: Vec<String>,
}

/// Whether `line` (trimmed) starts with the scheme `Bearer` followed by
/// whitespace, or is `Bearer` alone, in any case.
fn has_scheme_prefix(line: &[u8]) -> bool {
    line.len() >= 6
        && line[..6].eq_ignore_ascii_case(b"bearer")
        && line
            .get(6)
            .is_none_or(|b| b.is_ascii_whitespace() || *b == b':')
}

impl Tokens {
    /// Reads one token per line (blank lines and `#` comments skipped),
    /// at most [`MAX_TOKENS_FILE`] bytes. Warns (see [`Tokens::warnings`])
    /// when group or other users may read or write the file.
    pub fn read(path: &Path) -> Result<Tokens, TokensError> {
        let err = |source| TokensError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(err)?;
        let meta = file.metadata().map_err(err)?;
        let too_large = || TokensError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_TOKENS_FILE,
        };
        if meta.is_file() && meta.len() > MAX_TOKENS_FILE {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        file.take(MAX_TOKENS_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(err)?;
        if bytes.len() as u64 > MAX_TOKENS_FILE {
            return Err(too_large());
        }
        let mut tokens = Vec::new();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let (line, at) = (raw.trim_ascii(), i + 1);
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let path = path.to_path_buf();
            if has_scheme_prefix(line) {
                return Err(TokensError::SchemePrefix { path, line: at });
            }
            if line.iter().any(|b| *b == b' ' || *b == b'\t') {
                return Err(TokensError::Space { path, line: at });
            }
            if line.iter().any(|b| !b.is_ascii_graphic()) {
                return Err(TokensError::BadByte { path, line: at });
            }
            if line.len() < MIN_TOKEN_CHARS {
                return Err(TokensError::Short {
                    path,
                    line: at,
                    chars: line.len(),
                });
            }
            tokens.push(line.to_vec());
        }
        if tokens.is_empty() {
            return Err(TokensError::Empty(path.to_path_buf()));
        }
        let mut t = Tokens::from_bytes(tokens);
        t.warnings.extend(mode_warning(path, &meta));
        Ok(t)
    }

    fn from_bytes(tokens: Vec<Vec<u8>>) -> Tokens {
        let ids = tokens.iter().map(|t| token_id(t)).collect();
        Tokens {
            tokens,
            ids,
            warnings: Vec::new(),
        }
    }

    /// Tokens given directly (tests, embedding).
    pub fn from_list(tokens: &[&str]) -> Tokens {
        Tokens::from_bytes(tokens.iter().map(|t| t.as_bytes().to_vec()).collect())
    }

    /// What the operator should hear about the file at start (its mode).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// True when the `Authorization` header value is `Bearer <a token>`.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        self.check(header).is_some()
    }

    /// The [`token_id`] of the token in the `Authorization` header value,
    /// `None` when it is not `Bearer <a listed token>`. The scheme is
    /// case-insensitive and may be followed by several spaces (RFC 7235
    /// section 2.1: `credentials = auth-scheme [ 1*SP token68 ]`). Every
    /// token is compared over its whole length, whatever matched, so the
    /// time taken says nothing about how close a guess was.
    pub fn check(&self, header: Option<&[u8]>) -> Option<&str> {
        let h = header?;
        let sp = h.iter().position(|&b| b == b' ')?;
        if !h[..sp].eq_ignore_ascii_case(b"bearer") {
            return None;
        }
        let given = h[sp..].trim_ascii_start();
        let mut found = usize::MAX;
        for (i, t) in self.tokens.iter().enumerate() {
            // Branch-free select: which token matched leaks no timing.
            let eq = constant_time_eq(t, given) as usize;
            found = found * (1 - eq) + i * eq;
        }
        self.ids.get(found).map(String::as_str)
    }
}

/// A warning when group or others have any permission on the tokens file:
/// readable, they can take a token; writable, they can add one. Only
/// regular files: a pipe (`--tokens <(vault read …)`) has no such reader.
#[cfg(unix)]
fn mode_warning(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (meta.is_file() && mode & 0o077 != 0).then(|| {
        format!(
            "warning: {}: the tokens file has mode {mode:04o}, so other users can {} it; run `chmod 600 {}`",
            path.display(),
            if mode & 0o022 != 0 { "change" } else { "read" },
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn mode_warning(_: &Path, _: &std::fs::Metadata) -> Option<String> {
    None
}

/// Equality whose time depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= (x ^ y) as u64;
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_listed_bearer_token_is_accepted() {
        let t = Tokens::from_list(&["0123456789abcdef", "fedcba9876543210"]);
        assert!(t.accepts(Some(b"Bearer fedcba9876543210")));
        assert!(!t.accepts(Some(b"Bearer fedcba987654321")));
        assert!(!t.accepts(Some(b"Bearer fedcba98765432100")));
        assert!(!t.accepts(Some(b"fedcba9876543210")));
        assert!(!t.accepts(Some(b"Basic fedcba9876543210")));
        assert!(!t.accepts(Some(b"Bearerfedcba9876543210")));
        assert!(!t.accepts(None));
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_the_id_names_the_token() {
        let t = Tokens::from_list(&["0123456789abcdef", "fedcba9876543210"]);
        for h in [
            &b"bearer fedcba9876543210"[..],
            b"BEARER fedcba9876543210",
            b"BeArEr   fedcba9876543210",
        ] {
            assert_eq!(
                t.check(Some(h)),
                Some(token_id(b"fedcba9876543210").as_str()),
                "{}",
                String::from_utf8_lossy(h)
            );
        }
        assert_eq!(
            t.check(Some(b"Bearer 0123456789abcdef")),
            Some(format!("{:08x}", crc32fast::hash(b"0123456789abcdef")).as_str())
        );
        assert_ne!(token_id(b"0123456789abcdef"), token_id(b"fedcba9876543210"));
    }

    #[test]
    fn scheme_prefixes_are_recognised() {
        for l in ["Bearer x", "bearer\tx", "BEARER", "Bearer: x"] {
            assert!(has_scheme_prefix(l.as_bytes()), "{l}");
        }
        for l in ["Bearerx0123456789", "bear", "0123456789abcdef"] {
            assert!(!has_scheme_prefix(l.as_bytes()), "{l}");
        }
    }
}
