//! Publishing a run's outputs together. Every output (the snapshot, the
//! rejects files, a scores TSV) is written and checked beside its target
//! first; only when all of them are complete are they renamed into place,
//! so a failure while writing any of them leaves every previous file as it
//! was (issue 18: `--scores-tsv` into a missing directory used to fail
//! after the snapshot had already been replaced). A rename that fails
//! after others succeeded is reported with what was published.

use super::{JobError, Level, Observer};
use crate::store::atomic::AtomicFile;
use std::path::PathBuf;

/// Outputs written but not yet at their paths.
#[derive(Default)]
pub struct PendingOutputs {
    files: Vec<(AtomicFile, Option<String>)>,
}

impl PendingOutputs {
    /// Adds a written file; `note` is logged (as a warning) once it is published.
    pub fn add(&mut self, file: AtomicFile, note: Option<String>) {
        self.files.push((file, note));
    }

    /// Renames every file into place, in the order added.
    pub fn publish(self, obs: &mut dyn Observer) -> Result<(), JobError> {
        let mut published: Vec<PathBuf> = Vec::new();
        for (file, note) in self.files {
            let target = file.target().to_path_buf();
            if let Err(source) = file.commit() {
                return Err(JobError::PartlyPublished {
                    published,
                    path: target,
                    source,
                });
            }
            if let Some(n) = note {
                obs.note(Level::Warning, &n);
            }
            published.push(target);
        }
        Ok(())
    }
}
