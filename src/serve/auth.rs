//! Bearer tokens from a file, compared in constant time.

use std::path::{Path, PathBuf};

/// A tokens file that cannot serve.
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
    /// No token in it.
    #[error("{}: no tokens in the file", .0.display())]
    Empty(PathBuf),
    /// A token too short to resist guessing.
    #[error("{}: a token of {chars} characters; use at least 16 (e.g. `openssl rand -hex 32`)", path.display())]
    Short {
        /// The file.
        path: PathBuf,
        /// The short token's length.
        chars: usize,
    },
}

/// Accepted bearer tokens.
pub struct Tokens(Vec<Vec<u8>>);

impl Tokens {
    /// Reads one token per line (blank lines and `#` comments skipped).
    pub fn read(path: &Path) -> Result<Tokens, TokensError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokensError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let tokens: Vec<Vec<u8>> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.as_bytes().to_vec())
            .collect();
        if tokens.is_empty() {
            return Err(TokensError::Empty(path.to_path_buf()));
        }
        if let Some(short) = tokens.iter().find(|t| t.len() < 16) {
            return Err(TokensError::Short {
                path: path.to_path_buf(),
                chars: short.len(),
            });
        }
        Ok(Tokens(tokens))
    }

    /// Tokens given directly (tests, embedding).
    pub fn from_list(tokens: &[&str]) -> Tokens {
        Tokens(tokens.iter().map(|t| t.as_bytes().to_vec()).collect())
    }

    /// True when the `Authorization` header value is `Bearer <a token>`.
    /// Every token is compared over its whole length, whatever matched, so
    /// the time taken says nothing about how close a guess was.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        let given = match header.and_then(|h| h.strip_prefix(b"Bearer ")) {
            Some(g) => g,
            None => return false,
        };
        let mut ok = false;
        for t in &self.0 {
            ok |= constant_time_eq(t, given);
        }
        ok
    }
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
        assert!(!t.accepts(None));
    }
}
