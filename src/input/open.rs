//! Opening an input as one stream of bytes, whatever it is: a regular file,
//! a gzip or zstd file, a FIFO, `/dev/stdin`, a `<(...)` process substitution, or
//! `-` for standard input.
//!
//! Why one home: every reader used to open the path itself, some of them
//! twice (once to sniff the gzip magic, once to read), which hangs a FIFO
//! (the writer dies of SIGPIPE when the sniffing reader closes) and reads a
//! pipe as empty (its size is 0). Here the path is opened once, the magic
//! is peeked from the buffer, and only a regular file's size means
//! anything. A regular file is also stamped (size and modification time)
//! when opened and checked when the read ends, so that a file still being
//! written is refused instead of ranked with its last id cut short.

use crate::input::error::InputError;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

/// The path that means standard input.
pub const STDIN_PATH: &str = "-";

/// The first two bytes of every gzip stream.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The first four bytes of every zstd frame.
pub(crate) const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// The first (and last) four bytes of every Parquet file.
pub(crate) const PARQUET_MAGIC: [u8; 4] = *b"PAR1";

/// How an input's bytes are compressed, told by their first bytes (never
/// by the file's name: `follows.tsv` that is really gzip is read as gzip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain text.
    #[default]
    None,
    /// gzip (one or more members, as `cat a.gz b.gz` makes).
    Gzip,
    /// Zstandard (one or more frames).
    Zstd,
}

impl Compression {
    /// What the first bytes of a file say.
    pub fn of_magic(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// True when the bytes are compressed (their count is not the text's).
    pub fn is_compressed(self) -> bool {
        self != Compression::None
    }
}

/// True when `path` is `-` (standard input).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN_PATH
}

/// True when `path` is read as a stream: `-`, a FIFO, a character device,
/// a socket (anything but a regular file). Such inputs are read once, from
/// the start, and have no size to plan with.
pub fn is_stream(path: &Path) -> bool {
    is_stdin(path) || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Size and modification time of a regular file when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// Counts the bytes read from the underlying file (compressed bytes for
/// gzip), so that the end of a read can be compared with the file's size.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input: its text (decompressed when the bytes start with the
/// gzip or zstd magic) and what is needed to check, at the end, that it did not
/// change while it was read.
pub struct InputStream {
    path: PathBuf,
    /// The text, decompressed.
    pub reader: Box<dyn BufRead + Send>,
    /// How the bytes were compressed.
    pub compression: Compression,
    /// The file's size when it is a regular file; `None` for streams.
    pub size: Option<u64>,
    stamp: Option<Stamp>,
    raw_read: Arc<AtomicU64>,
}

impl InputStream {
    /// Opens `path` (`-`: standard input) once, peeking at its first bytes
    /// for the gzip and zstd magic. A Parquet file is refused here: it is
    /// read by columns from its footer ([`crate::input::parquet`]), never
    /// as text; only a stream can get here with one (a pipe cannot seek).
    pub fn open(path: &Path) -> Result<InputStream, InputError> {
        let raw_read = Arc::new(AtomicU64::new(0));
        let (raw, stamp): (Box<dyn Read + Send>, Option<Stamp>) = if is_stdin(path) {
            (Box::new(io::stdin()), None)
        } else {
            let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, &e))?;
            if meta.is_dir() {
                return Err(InputError::Io {
                    path: path.to_path_buf(),
                    reason: "is a directory, not a file".into(),
                });
            }
            let file = File::open(path).map_err(|e| InputError::io(path, &e))?;
            (Box::new(file), meta.is_file().then(|| Stamp::of(&meta)))
        };
        let mut raw = Counted {
            inner: raw,
            read: raw_read.clone(),
        };
        // Peek at the magic without a second open or a seek (neither works
        // on a pipe); a pipe may deliver one byte at a time.
        let mut head = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match raw.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(InputError::io(path, &e)),
            }
        }
        if head[..got] == PARQUET_MAGIC {
            return Err(InputError::Unusable {
                path: path.to_path_buf(),
                reason: "is a Parquet file, which cannot be read from a pipe (its index is at its end): write it to a file and give that path".into(),
            });
        }
        let compression = Compression::of_magic(&head[..got]);
        let front = io::Cursor::new(head).take(got as u64).chain(raw);
        Self::finish_open(
            path,
            BufReader::with_capacity(1 << 20, front),
            compression,
            stamp,
            raw_read,
        )
    }

    fn finish_open<R: BufRead + Send + 'static>(
        path: &Path,
        raw: R,
        compression: Compression,
        stamp: Option<Stamp>,
        raw_read: Arc<AtomicU64>,
    ) -> Result<InputStream, InputError> {
        let reader: Box<dyn BufRead + Send> = match compression {
            Compression::Gzip => Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::read::MultiGzDecoder::new(raw),
            )),
            Compression::Zstd => {
                let decoder = zstd::stream::read::Decoder::with_buffer(raw)
                    .map_err(|e| InputError::io(path, &e))?;
                Box::new(BufReader::with_capacity(1 << 20, decoder))
            }
            Compression::None => Box::new(raw),
        };
        Ok(InputStream {
            path: path.to_path_buf(),
            reader,
            compression,
            size: stamp.map(|s| s.len),
            stamp,
            raw_read,
        })
    }

    /// Bytes read from the file so far (compressed bytes for gzip and zstd).
    pub fn raw_bytes(&self) -> u64 {
        self.raw_read.load(Ordering::Relaxed)
    }

    /// Called when the whole text was read: refuses a regular file whose
    /// size or modification time changed since it was opened, or whose
    /// bytes read differ from its size (a writer appended, truncated or
    /// rewrote it meanwhile: its last line may be cut inside an id).
    pub fn check_unchanged(&self) -> Result<(), InputError> {
        let Some(before) = self.stamp else {
            return Ok(());
        };
        let after = std::fs::metadata(&self.path)
            .map(|m| Stamp::of(&m))
            .map_err(|e| InputError::io(&self.path, &e))?;
        let read = self.raw_bytes();
        if after != before || read != before.len {
            return Err(InputError::Changed {
                path: self.path.clone(),
                size_at_open: before.len,
                size_now: after.len,
                bytes_read: read,
            });
        }
        Ok(())
    }
}
