//! Files that appear whole or not at all.
//!
//! Output goes to a temporary file beside the target (same directory, hence
//! same filesystem), which is fsynced and then renamed over the target; the
//! directory is fsynced too, so that after a crash the target is either the
//! old file or the complete new one. A temporary left by a killed run is
//! named `.<target>.tmp.<pid>` and removed by the next run that writes the
//! same target.
//!
//! What is at the target decides how ([`OutputTarget`]): a symlink is
//! followed and the file it points to replaced (the link stays a link); a
//! directory is refused before anything is written; `-` (standard output),
//! a FIFO, a device or a socket is written directly, never replaced — and
//! refused by [`AtomicFile::create_regular`] for outputs that must be whole
//! files (snapshots, graph caches).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A file being written; becomes visible at `target` on [`commit`](Self::commit).
pub struct AtomicFile {
    target: PathBuf,
    /// `None`: written directly (standard output, a FIFO, a device).
    tmp: Option<PathBuf>,
    file: Option<File>,
}

fn tmp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.tmp.")
}

fn parent_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// True when a process with this id is running (Linux: /proc).
fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes temporaries of `target` left by runs that no longer exist.
pub fn clean_stale(target: &Path) {
    let target = follow_links(target);
    let dir = parent_dir(&target);
    let prefix = tmp_prefix(&target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        {
            if pid != std::process::id() && !pid_alive(pid) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The file a chain of symlinks at `path` ends at (the path itself when it
/// is not a link; a dangling link's target path).
fn follow_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(next) => p = parent_dir(&p).join(next),
            Err(_) => return p,
        }
    }
    p
}

/// What is at an output path, and so how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// `-`: standard output.
    Stdout,
    /// A FIFO, a character or block device or a socket: written directly,
    /// never replaced (renaming over `/dev/null` would turn it into a file).
    Special(PathBuf),
    /// A regular file or nothing yet: replaced atomically. A symlink is
    /// followed: the file it points to is replaced, the link stays.
    File(PathBuf),
}

impl OutputTarget {
    /// Looks at `path`; a directory is refused before anything is written.
    pub fn of(path: &Path) -> io::Result<OutputTarget> {
        if path.as_os_str() == "-" {
            return Ok(OutputTarget::Stdout);
        }
        let real = follow_links(path);
        match std::fs::metadata(&real) {
            Ok(m) if m.is_dir() => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a directory: give a file path", path.display()),
            )),
            Ok(m) if !m.is_file() => Ok(OutputTarget::Special(real)),
            _ => Ok(OutputTarget::File(real)),
        }
    }
}

impl AtomicFile {
    /// Starts writing `target` (which is untouched until commit). `-` is
    /// standard output and a FIFO or device is written directly (both
    /// with no atomicity: a reader sees the bytes as they come); a symlink's
    /// target is replaced; a directory is refused.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        match OutputTarget::of(target)? {
            OutputTarget::Stdout => {
                use std::os::fd::AsFd;
                let fd = io::stdout().as_fd().try_clone_to_owned()?;
                Ok(AtomicFile {
                    target: target.to_path_buf(),
                    tmp: None,
                    file: Some(File::from(fd)),
                })
            }
            OutputTarget::Special(real) => Ok(AtomicFile {
                target: target.to_path_buf(),
                tmp: None,
                file: Some(OpenOptions::new().write(true).open(real)?),
            }),
            OutputTarget::File(real) => Self::create_replacing(&real),
        }
    }

    /// Like [`create`](Self::create) for outputs that must be a regular
    /// file (snapshots, graph caches: written with seeks and checked by
    /// reopening before they replace the old one): `-`, FIFOs and devices
    /// are refused before anything is written.
    pub fn create_regular(target: &Path) -> io::Result<AtomicFile> {
        match OutputTarget::of(target)? {
            OutputTarget::File(real) => Self::create_replacing(&real),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a regular file (standard output, a FIFO or a device): this output is written whole and renamed into place; give a file path",
                    target.display()
                ),
            )),
        }
    }

    fn create_replacing(target: &Path) -> io::Result<AtomicFile> {
        let dir = parent_dir(target);
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "output directory {} does not exist (create it first)",
                    dir.display()
                ),
            ));
        }
        clean_stale(target);
        let tmp = dir.join(format!("{}{}", tmp_prefix(target), std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp: Some(tmp),
            file: Some(file),
        })
    }

    /// Where the bytes are until [`commit`](Self::commit): for a check that
    /// reopens the file before it replaces the target (the target itself
    /// when written directly).
    pub fn temporary_path(&self) -> &Path {
        self.tmp.as_deref().unwrap_or(&self.target)
    }

    /// The target this file will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file to write into.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("not yet committed")
    }

    /// Flushes, fsyncs and renames over the target (written directly: the
    /// bytes are already there).
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file.take().expect("commit once");
        let Some(tmp) = self.tmp.clone() else {
            return Ok(());
        };
        file.sync_all()?;
        drop(file);
        if let Err(e) = std::fs::rename(&tmp, &self.target) {
            // Nothing may be left behind: the file was taken out of `self`,
            // so `Drop` would not remove it.
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        if let Ok(d) = File::open(parent_dir(&self.target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let (Some(_), Some(tmp)) = (&self.file, &self.tmp) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes `target` atomically through a buffered writer handed to `write`.
pub fn write_with<T>(
    target: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<T>,
) -> io::Result<T> {
    let (file, out) = prepare_with(target, write)?;
    file.commit()?;
    Ok(out)
}

/// Like [`write_with`] but leaves the file uncommitted, so that a command
/// with several outputs writes them all before it publishes any
/// ([`AtomicFile::commit`] each, once every one was written).
pub fn prepare_with<T>(
    target: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<T>,
) -> io::Result<(AtomicFile, T)> {
    let mut file = AtomicFile::create(target)?;
    let mut w = io::BufWriter::with_capacity(1 << 20, file.file().try_clone()?);
    let out = write(&mut w)?;
    io::Write::flush(&mut w)?;
    drop(w);
    Ok((file, out))
}
