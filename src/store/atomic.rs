//! Files that appear whole or not at all.
//!
//! Output goes to a temporary file beside the target (same directory, hence
//! same filesystem), which is fsynced and then renamed over the target; the
//! directory is fsynced too, so that after a crash the target is either the
//! old file or the complete new one. A temporary left by a killed run is
//! named `.<target>.tmp.<pid>` and removed by the next run that writes the
//! same target.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A file being written; becomes visible at `target` on [`commit`](Self::commit).
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
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
    let dir = parent_dir(target);
    let prefix = tmp_prefix(target);
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

impl AtomicFile {
    /// Starts writing `target` (which is untouched until commit).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
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
            tmp,
            file: Some(file),
        })
    }

    /// The temporary file to write into.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("not yet committed")
    }

    /// Flushes, fsyncs and renames over the target.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file.take().expect("commit once");
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target)?;
        if let Ok(d) = File::open(parent_dir(&self.target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `target` atomically through a buffered writer handed to `write`.
pub fn write_with<T>(
    target: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<T>,
) -> io::Result<T> {
    let mut file = AtomicFile::create(target)?;
    let mut w = io::BufWriter::with_capacity(1 << 20, file.file().try_clone()?);
    let out = write(&mut w)?;
    io::Write::flush(&mut w)?;
    drop(w);
    file.commit()?;
    Ok(out)
}
