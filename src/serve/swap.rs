//! Loading the served snapshot, and swapping a new one in when the path
//! names new contents (polled, or at once on SIGHUP).
//!
//! # Why a private copy (issue 19)
//!
//! The service reads every snapshot into memory of its own
//! ([`Snapshot::read_private_lookups`]) and verifies that copy fully before a
//! request sees it. It used to map the file: then `cp new.snap served.snap`
//! (which truncates and rewrites the same file) changed the bytes under the
//! running server. A shorter file killed it with SIGBUS on the next lookup;
//! a same-size corrupt one was "refused" by the reload while every answer
//! already came from the corrupt bytes. A private copy cannot change: what
//! answers is exactly what was verified. The price is memory: the lookup
//! sections' size (the file less its model: follower graph, affinity,
//! teleport, which no answer reads) in the process's own pages, where the
//! page cache behind a mapping could be dropped and reread; twice that
//! while a new snapshot loads beside the old one (measured at 10M users ×
//! 17 markets in README, "What `serve` holds": 1.62 GB instead of the
//! mapped 2.51 GB, 3.24 GB during a swap).
//!
//! # What the watcher reports
//!
//! Each state of the path is reported once, when it starts ([`SwapEvent`]):
//! swapped in, refused, missing (or a dangling symlink), back, and a file
//! written in place. A poll that finds what the last one found says
//! nothing. A file being written in place (it changes while read, or was
//! rewritten less than [`SETTLE`] ago and does not verify yet) is not
//! judged until the writing stops: a `cp` over the path is one "written in
//! place" line and then one "swapped in", not a refusal per poll.

use super::{AppState, IdIndex};
use crate::query::rank_index::RankIndex;
use crate::query::standing::{user_view, user_view_indexed, UserView};
use crate::snapshot::{Snapshot, SnapshotError};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How long after its last change a file rewritten in place is taken to be
/// still in writing: a failed verification within it is retried at the
/// next poll instead of reported. `cp` of gigabytes writes continuously, so
/// its mtime stays within this until it is done.
pub const SETTLE: Duration = Duration::from_secs(2);

/// A snapshot being served, with what identifies it.
pub struct Served {
    /// The snapshot, in private memory (see the module docs).
    pub snap: Snapshot,
    /// Id → user lookups in one or two reads (4 bytes a slot, ~6 a user).
    pub index: IdIndex,
    /// Ranks and percentiles in one or two reads (4 bytes per user and
    /// market); `None` with `--no-rank-index` (each lookup searches).
    pub ranks: Option<RankIndex>,
    /// Identity shown to clients: [`Snapshot::content_id`], the same for
    /// every copy of the file.
    pub id: String,
    /// When the run that wrote it finished (seconds since the epoch).
    pub created_unix: u64,
    /// The file at the path when it was loaded.
    file: Option<FileStamp>,
}

impl Served {
    /// User `u`'s view in market `m`, from the rank index when there is one.
    pub fn view(&self, u: u32, m: usize) -> UserView {
        match &self.ranks {
            Some(r) => user_view_indexed(&self.snap, r, u, m),
            None => user_view(&self.snap, u, m),
        }
    }
}

/// Enough of a file's metadata to notice that the path now names another
/// file (device and inode) or that the file was rewritten (length, mtime).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: Option<SystemTime>,
}

impl FileStamp {
    /// The same file (device and inode), whatever its contents.
    fn same_file(&self, other: &FileStamp) -> bool {
        (self.dev, self.ino) == (other.dev, other.ino)
    }

    /// Changed less than [`SETTLE`] ago (or has a time in the future: a
    /// skewed clock, where waiting would not end, is not waited for).
    fn recently_changed(&self) -> bool {
        let Some(t) = self.mtime else { return false };
        match SystemTime::now().duration_since(t) {
            Ok(age) => age < SETTLE,
            Err(ahead) => ahead.duration() < SETTLE,
        }
    }
}

/// The file `path` names (following symlinks: a dangling one is missing).
fn stamp(path: &Path) -> std::io::Result<FileStamp> {
    let m = std::fs::metadata(path)?;
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Ok(FileStamp {
        dev,
        ino,
        len: m.len(),
        mtime: m.modified().ok(),
    })
}

/// Reads the snapshot at `path` into private memory and verifies it fully
/// ([`Snapshot::read_private_lookups`]: without the model sections, which
/// no answer reads), then indexes its ids and its ranks.
pub fn load(path: &Path) -> Result<Served, SnapshotError> {
    load_with(path, true)
}

/// [`load`], building the [`RankIndex`] only when `rank_index` is set.
pub fn load_with(path: &Path, rank_index: bool) -> Result<Served, SnapshotError> {
    let file = stamp(path).ok();
    let snap = Snapshot::read_private_lookups(path)?;
    let index = IdIndex::build(&snap);
    let ranks = if rank_index {
        RankIndex::build(&snap)
    } else {
        None
    };
    Ok(Served {
        id: snap.content_id(),
        created_unix: snap.metadata().created_unix,
        index,
        ranks,
        snap,
        file,
    })
}

/// One change the watcher reports (see the module docs); its `Display`
/// is the log line, naming the snapshot that answers.
#[derive(Debug)]
pub enum SwapEvent {
    /// A new snapshot answers now.
    Swapped {
        /// Its content id.
        id: String,
    },
    /// The file at the path did not verify; the old snapshot keeps
    /// answering. Counted once in `/metrics` as a swap failure.
    Refused {
        /// Why.
        error: SnapshotError,
        /// The id still served.
        serving: String,
    },
    /// Nothing at the path (or a dangling symlink). Not a swap failure:
    /// nothing was tried.
    Missing {
        /// The path.
        path: String,
        /// What reading its metadata said.
        cause: std::io::Error,
        /// The id still served.
        serving: String,
    },
    /// After [`Missing`](Self::Missing), the path names the served file
    /// again.
    Back {
        /// The path.
        path: String,
        /// The id served.
        serving: String,
    },
    /// The served file was rewritten in place (same file, new length or
    /// time, other contents). Reported once per snapshot served.
    ChangedInPlace {
        /// The path.
        path: String,
        /// The id still served.
        serving: String,
    },
    /// A forced reload (SIGHUP) found the snapshot already served.
    Same {
        /// Its content id.
        id: String,
    },
}

impl std::fmt::Display for SwapEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SwapEvent::Swapped { id } => write!(f, "swapped in {id}"),
            SwapEvent::Refused { error, serving } => {
                write!(f, "refused the new snapshot ({error}); still serving {serving}")
            }
            SwapEvent::Missing { path, cause, serving } => write!(
                f,
                "no snapshot at {path} ({cause}; missing, or a dangling symlink); still serving {serving} from memory"
            ),
            SwapEvent::Back { path, serving } => {
                write!(f, "{path} is back, with the snapshot served ({serving})")
            }
            SwapEvent::ChangedInPlace { path, serving } => write!(
                f,
                "{path} was written in place while serving {serving}: answers keep coming from the verified copy in memory, and the new contents are swapped in only once they verify; publish snapshots by writing them under another name in the same directory and `mv` them over {path}"
            ),
            SwapEvent::Same { id } => write!(f, "reloaded: the same snapshot ({id}); still serving it"),
        }
    }
}

/// What the last polls found, so that each state is reported once.
#[derive(Default)]
pub(super) struct SwapState(Mutex<Seen>);

#[derive(Default)]
struct Seen {
    last: Last,
    /// [`SwapEvent::ChangedInPlace`] was reported for the snapshot served.
    in_place_reported: bool,
}

#[derive(Default, PartialEq)]
enum Last {
    /// The path names the served file, or a new one not judged yet.
    #[default]
    Serving,
    /// Nothing at the path.
    Missing,
    /// This file was refused.
    Refused(FileStamp),
}

impl AppState {
    /// Looks at the path once and swaps in a new snapshot if it names new
    /// contents that verify; returns what to report (nothing when nothing
    /// changed since the last call). `force` (SIGHUP) rereads the file even
    /// when it looks unchanged and judges it even while it is being
    /// written. Blocking (reads and verifies the file): call from a
    /// blocking thread.
    pub fn poll(&self, force: bool) -> Vec<SwapEvent> {
        let mut seen = self.swap.0.lock().unwrap_or_else(|p| p.into_inner());
        let served = self.current.load_full();
        let path = self.path.display().to_string();
        let mut events = Vec::new();
        let now = match stamp(&self.path) {
            Ok(now) => now,
            Err(cause) => {
                if seen.last != Last::Missing {
                    seen.last = Last::Missing;
                    events.push(SwapEvent::Missing {
                        path,
                        cause,
                        serving: served.id.clone(),
                    });
                }
                return events;
            }
        };
        let unchanged = served.file.as_ref() == Some(&now);
        let was_missing = seen.last == Last::Missing;
        if was_missing {
            seen.last = Last::Serving;
        }
        let back = || SwapEvent::Back {
            path: path.clone(),
            serving: served.id.clone(),
        };
        if was_missing && unchanged && !force {
            events.push(back());
            return events;
        }
        let refused_before = matches!(&seen.last, Last::Refused(r) if *r == now);
        if (unchanged || refused_before) && !force {
            return events;
        }
        let in_place = served
            .file
            .as_ref()
            .is_some_and(|f| f.same_file(&now) && !unchanged);
        let rewritten = in_place || matches!(&seen.last, Last::Refused(r) if r.same_file(&now));
        let report_in_place = |seen: &mut Seen, events: &mut Vec<SwapEvent>| {
            if in_place && !seen.in_place_reported {
                seen.in_place_reported = true;
                events.push(SwapEvent::ChangedInPlace {
                    path: path.clone(),
                    serving: served.id.clone(),
                });
            }
        };
        match load_with(&self.path, self.rank_index) {
            Ok(new) if new.id == served.id => {
                // A copy of the served snapshot (or the same bytes written
                // again): nothing changes for clients; the new file stands
                // for it from now on, so it is not reread every poll.
                self.current.store(Arc::new(new));
                seen.last = Last::Serving;
                if force {
                    events.push(SwapEvent::Same {
                        id: served.id.clone(),
                    });
                } else if was_missing {
                    events.push(back());
                }
            }
            Ok(new) => {
                report_in_place(&mut seen, &mut events);
                let id = new.id.clone();
                self.current.store(Arc::new(new));
                self.metrics.swapped();
                seen.last = Last::Serving;
                seen.in_place_reported = false;
                events.push(SwapEvent::Swapped { id });
            }
            Err(error) => {
                report_in_place(&mut seen, &mut events);
                let writing = matches!(error, SnapshotError::ChangedWhileRead { .. })
                    || stamp(&self.path).ok().as_ref() != Some(&now)
                    || (rewritten && now.recently_changed());
                if writing && !force {
                    // Judged at a later poll, once the writing stops.
                    return events;
                }
                self.metrics.swap_failed();
                seen.last = Last::Refused(now);
                events.push(SwapEvent::Refused {
                    error,
                    serving: served.id.clone(),
                });
            }
        }
        events
    }

    /// [`poll`](Self::poll) for callers that do not log: `Ok(true)`:
    /// swapped; `Ok(false)`: nothing new (or nothing at the path, or a
    /// file still being written); `Err`: the new file was refused and the
    /// old one keeps serving.
    pub fn reload(&self, force: bool) -> Result<bool, SnapshotError> {
        let mut swapped = false;
        for e in self.poll(force) {
            match e {
                SwapEvent::Refused { error, .. } => return Err(error),
                SwapEvent::Swapped { .. } => swapped = true,
                _ => {}
            }
        }
        Ok(swapped)
    }
}

/// Polls the path every `poll`, and at once on SIGHUP; `log` gets one line
/// per [`SwapEvent`].
pub(super) async fn watch(state: Arc<AppState>, poll: Duration, log: fn(&str)) {
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let forced = match hup.as_mut() {
            Some(h) => tokio::select! {
                _ = h.recv() => true,
                _ = tokio::time::sleep(poll) => false,
            },
            None => {
                tokio::time::sleep(poll).await;
                false
            }
        };
        #[cfg(not(unix))]
        let forced = {
            tokio::time::sleep(poll).await;
            false
        };
        let st = Arc::clone(&state);
        match tokio::task::spawn_blocking(move || st.poll(forced)).await {
            Ok(events) => events.iter().for_each(|e| log(&e.to_string())),
            Err(e) => log(&format!("reload task failed: {e}")),
        }
    }
}
