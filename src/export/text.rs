//! The file the text formats (CSV, JSON Lines) write to: buffered, and
//! published atomically on [`finish`](TextFile::finish) so that a reader
//! never sees half an export, and an error leaves the old file in place.

use crate::store::atomic::AtomicFile;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub(super) struct TextFile {
    /// 1 MiB buffer: rows are short, so unbuffered writes would be one
    /// system call per field. Declared first so that, dropped on an error,
    /// it is gone before `file` removes the temporary.
    pub out: BufWriter<File>,
    file: AtomicFile,
}

impl TextFile {
    pub fn create(target: &Path) -> io::Result<TextFile> {
        let mut file = AtomicFile::create(target)?;
        let out = BufWriter::with_capacity(1 << 20, file.file().try_clone()?);
        Ok(TextFile { out, file })
    }

    /// Flushes the buffer and publishes the file at its target.
    pub fn finish(self) -> io::Result<()> {
        let TextFile { mut out, file } = self;
        out.flush()?;
        drop(out);
        file.commit()
    }
}
