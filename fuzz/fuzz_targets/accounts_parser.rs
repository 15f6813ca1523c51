//! The account-history reader (`--accounts`) and the vetted-account list
//! (`--trusted`) on arbitrary bytes: a history of the graph's users or an
//! error naming a line (or the file), never a panic. Through a file, like
//! the other readers, so that gzip detection and line splitting are in.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use marketrank::graph::AccountHistory;
use marketrank::input::{read_accounts, read_trusted, BadLines, Rejects};
use marketrank::UserIds;

/// The graph's users: the names the seeds use, a numeric id and a header
/// word (a line for a user outside this list counts as not in the graph).
const USERS: [&str; 6] = ["alice", "bob", "carol", "mila_atelier", "42", "user"];

fuzz_target!(|data: &[u8]| {
    // First byte: bit 0 picks `.csv` (comma) over `.tsv`, bit 1 skipping
    // bad lines (into a rejects file) over stopping, bit 2 the `--trusted`
    // reader instead of the accounts reader; the rest is the file.
    let (mode, body) = data.split_first().unwrap_or((&0, &[]));
    let path = common::scratch(if mode & 1 == 0 { "a.tsv" } else { "a.csv" }, body);
    let mut ids = UserIds::new();
    for u in USERS {
        ids.intern(u).unwrap();
    }
    if mode & 4 != 0 {
        if let Ok((trusted, _missing)) = read_trusted(&path, &ids) {
            assert_eq!(trusted.len(), ids.len());
            assert!(trusted.iter().any(|&t| t), "a list of nobody is refused");
        }
        return;
    }
    let skip = mode & 2 != 0;
    let mut rejects = skip.then(|| Rejects::create(&path.with_extension("rejects")).unwrap());
    let bad = if skip { BadLines::Skip } else { BadLines::Fail };
    if let Ok((history, report)) = read_accounts(&path, &ids, bad, rejects.as_mut()) {
        assert_eq!(history.created_day.len(), ids.len());
        assert_eq!(history.status.len(), ids.len());
        let known = history
            .created_day
            .iter()
            .filter(|&&d| d != AccountHistory::UNKNOWN)
            .count() as u64;
        assert!(known >= 1, "a file that covers nobody is refused");
        // Every known user came from a line, and so did each merged repeat
        // and each account the graph lacks.
        assert!(report.lines.lines >= known + report.duplicates_merged + report.not_in_graph);
        assert_eq!(
            rejects.as_ref().map_or(0, |r| r.count()),
            report.lines.skipped_total(),
            "every skipped line is in the rejects file"
        );
        // Creation days are real dates: they round-trip through the date
        // formatter and parser (which writes days before 1970 as 1970-01-01).
        for &d in history.created_day.iter().filter(|&&d| d >= 0) {
            let text = marketrank::input::utc_date(d);
            assert_eq!(marketrank::input::parse_utc_day(&text), Ok(d), "{text}");
        }
    }
});
