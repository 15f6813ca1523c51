//! The rejects file of `--skip-bad-lines`: every skipped line, with where it
//! was and why, so that nothing is dropped without a trace.

use crate::store::atomic::AtomicFile;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Longest part of a rejected line that is kept, in bytes.
const KEEP: usize = 1000;

/// Rejected lines as `file<TAB>line<TAB>reason<TAB>text`, after a `#` header
/// line. The text is escaped so that each rejected line is one line: `\t`,
/// `\r`, `\\` and bytes that are not UTF-8 (`\xNN`); lines over 1000 bytes
/// are cut, with their full length noted. Written atomically on
/// [`finish`](Self::finish); a failed run leaves no rejects file.
pub struct Rejects {
    file: AtomicFile,
    out: BufWriter<File>,
    path: PathBuf,
    count: u64,
}

impl Rejects {
    /// Starts a rejects file at `path`.
    pub fn create(path: &Path) -> io::Result<Rejects> {
        let mut file = AtomicFile::create(path)?;
        let mut out = BufWriter::new(file.file().try_clone()?);
        writeln!(out, "# file\tline\treason\ttext")?;
        Ok(Rejects {
            file,
            out,
            path: path.to_path_buf(),
            count: 0,
        })
    }

    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines recorded so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Records one rejected line.
    pub fn record(&mut self, file: &Path, line: u64, reason: &str, text: &[u8]) -> io::Result<()> {
        self.record_cut(file, line, reason, text, None)
    }

    /// Records one rejected line of which only the start, `text`, was kept
    /// (`full_len`: the line's length when it is longer than `text`).
    pub fn record_cut(
        &mut self,
        file: &Path,
        line: u64,
        reason: &str,
        text: &[u8],
        full_len: Option<u64>,
    ) -> io::Result<()> {
        let mut esc = Vec::with_capacity(text.len().min(KEEP) + 16);
        escape(&text[..text.len().min(KEEP)], &mut esc);
        let len = full_len.unwrap_or(text.len() as u64);
        if len > KEEP as u64 {
            esc.extend_from_slice(format!("…[{len} bytes]").as_bytes());
        }
        let mut name = Vec::new();
        escape(file.to_string_lossy().as_bytes(), &mut name);
        self.out.write_all(&name)?;
        write!(
            self.out,
            "\t{line}\t{}\t",
            reason.replace(['\t', '\n'], " ")
        )?;
        self.out.write_all(&esc)?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    /// Flushes and publishes the file; returns its path and line count.
    pub fn finish(self) -> io::Result<(PathBuf, u64)> {
        let (file, path, count) = self.prepare()?;
        file.commit()?;
        Ok((path, count))
    }

    /// Flushes the file without publishing it: the caller commits it
    /// together with the run's other outputs. Returns the file, its path
    /// and line count.
    pub fn prepare(mut self) -> io::Result<(AtomicFile, PathBuf, u64)> {
        self.out.flush()?;
        drop(self.out);
        Ok((self.file, self.path, self.count))
    }
}

fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => out.extend_from_slice(b"\\t"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\\' => out.extend_from_slice(b"\\\\"),
                c => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        for b in chunk.invalid() {
            out.extend_from_slice(format!("\\x{b:02X}").as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_cuts() {
        let mut out = Vec::new();
        escape(b"a\tb\\c\r\xff", &mut out);
        assert_eq!(out, b"a\\tb\\\\c\\r\\xFF");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.tsv");
        let mut r = Rejects::create(&p).unwrap();
        r.record(Path::new("e.tsv"), 7, "bad weight", b"a\tb\tx")
            .unwrap();
        r.record(Path::new("e.tsv"), 9, "id too long", &vec![b'x'; 5000])
            .unwrap();
        assert!(!p.exists(), "published only on finish");
        assert_eq!(r.finish().unwrap().1, 2);
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "e.tsv\t7\tbad weight\ta\\tb\\tx");
        assert!(lines[2].ends_with("…[5000 bytes]") && lines[2].len() < 1100);
    }
}
