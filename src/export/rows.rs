//! Which rows an export holds, whatever the format: the filter's markets,
//! each market's rows in rank order, and the wide layout's user × market
//! table. Every writer spells the same rows, so the choice is made once.

use super::ExportFilter;
use crate::query::ranks::{market_ranks, market_scores};
use crate::snapshot::Snapshot;

/// One exported (user, market) row.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// User index.
    pub user: u32,
    /// Score in the market.
    pub score: f64,
    /// Competition rank in the market.
    pub rank: u64,
    /// Share of users with a strictly lower score, in percent.
    pub percentile: f64,
    /// The 0–100 scale ([`crate::query::standing::influence_scale`]).
    pub influence: f64,
    /// Score over the `_global` score (0 without one).
    pub lift: f64,
}

/// The snapshot with its `_global` market looked up once: every row's lift
/// divides by the global score and every row carries the global rank.
pub struct RowSource<'a> {
    /// The snapshot the rows come from.
    pub snap: &'a Snapshot,
    columns: Option<GlobalColumns>,
}

/// The `_global` market's ranks and scores in user order, computed once
/// per snapshot ([`RowSource::with_global`]).
pub struct GlobalColumns {
    ranks: Vec<u64>,
    scores: Vec<f64>,
}

/// The wide layout: users selected by any market's filter, in user order,
/// and their cells (`users × markets`, `None` where a market's filter left
/// the user out).
pub struct WideRows {
    /// The users selected, ascending.
    pub users: Vec<u32>,
    /// Their cells, `users × markets`.
    pub cells: Vec<Option<Row>>,
    /// Cells per user: the number of selected markets.
    pub markets: usize,
}

impl WideRows {
    /// The cells of the `i`-th user, one per selected market.
    pub fn cells_of(&self, i: usize) -> &[Option<Row>] {
        &self.cells[i * self.markets..(i + 1) * self.markets]
    }
}

impl<'a> RowSource<'a> {
    /// The rows of `snap` (its `_global` columns computed here).
    pub fn new(snap: &'a Snapshot) -> RowSource<'a> {
        RowSource::with_global(snap, None)
    }

    /// [`new`](Self::new) with the `_global` columns of an earlier source
    /// of the same snapshot ([`into_global`](Self::into_global)), so a
    /// caller making rows a market at a time ranks `_global` once.
    pub fn with_global(snap: &'a Snapshot, columns: Option<GlobalColumns>) -> RowSource<'a> {
        let global = snap.market_index(crate::GLOBAL_MARKET);
        RowSource {
            snap,
            columns: global.map(|g| {
                columns.unwrap_or_else(|| GlobalColumns {
                    ranks: market_ranks(snap, g),
                    scores: market_scores(snap, g),
                })
            }),
        }
    }

    /// The `_global` columns, for [`with_global`](Self::with_global).
    pub fn into_global(self) -> Option<GlobalColumns> {
        self.columns
    }

    /// The user's rank in `_global`; 0 when the snapshot has no `_global`.
    pub fn global_rank(&self, u: u32) -> u64 {
        self.columns.as_ref().map_or(0, |c| c.ranks[u as usize])
    }

    /// The rows of market `m` in rank order, filtered.
    pub fn market_rows(&self, m: usize, filter: &ExportFilter) -> Vec<Row> {
        let mut out = Vec::new();
        self.each_market_row(m, filter, |r| out.push(r));
        out
    }

    /// Calls `f` with each row of [`market_rows`](Self::market_rows), in
    /// rank order, without collecting them (a caller building its own
    /// columns saves a `Row` per user of memory).
    pub fn each_market_row(&self, m: usize, filter: &ExportFilter, mut f: impl FnMut(Row)) {
        let snap = self.snap;
        let order = snap.order(m);
        let n = order.len();
        let take = filter.top.unwrap_or(n).min(n);
        // The walk reads the scores in rank order: from a copy in user
        // order, not all over the node-major block (see `market_scores`).
        let scores = market_scores(snap, m);
        let score = |i: usize| scores[order[i] as usize];
        let mut i = 0;
        while i < take {
            let s = score(i);
            let mut j = i + 1;
            while j < n && score(j) == s {
                j += 1;
            }
            let percentile = 100.0 * (n - j) as f64 / n as f64;
            if filter.min_percentile.is_some_and(|p| percentile < p) {
                break;
            }
            let influence = crate::query::standing::influence_scale(s, n);
            for &u in &order[i..j.min(take)] {
                f(Row {
                    user: u,
                    score: s,
                    rank: i as u64 + 1,
                    percentile,
                    influence,
                    lift: self.lift(u, s),
                });
            }
            i = j;
        }
    }

    /// `score` over the user's `_global` score; 0 without a `_global`
    /// market or where the global score is 0 (no ratio to speak of).
    fn lift(&self, u: u32, score: f64) -> f64 {
        self.columns.as_ref().map_or(0.0, |c| {
            let gs = c.scores[u as usize];
            if gs > 0.0 {
                score / gs
            } else {
                0.0
            }
        })
    }

    /// The wide layout of `markets` under `filter`.
    pub fn wide_rows(&self, markets: &[usize], filter: &ExportFilter) -> WideRows {
        let snap = self.snap;
        let per_market: Vec<Vec<Row>> = markets
            .iter()
            .map(|&m| self.market_rows(m, filter))
            .collect();
        let k = markets.len();
        let mut selected = vec![false; snap.users()];
        let mut users: Vec<u32> = Vec::new();
        for rs in &per_market {
            for r in rs {
                if !selected[r.user as usize] {
                    selected[r.user as usize] = true;
                    users.push(r.user);
                }
            }
        }
        drop(selected);
        users.sort_unstable();
        let mut slot = vec![u32::MAX; snap.users()];
        for (i, &u) in users.iter().enumerate() {
            slot[u as usize] = i as u32;
        }
        let mut cells: Vec<Option<Row>> = Vec::new();
        cells.resize_with(users.len() * k, || None);
        for (mi, rs) in per_market.into_iter().enumerate() {
            for r in rs {
                cells[slot[r.user as usize] as usize * k + mi] = Some(r);
            }
        }
        WideRows {
            users,
            cells,
            markets: k,
        }
    }
}

/// The snapshot columns of the filter's markets (all when none are named),
/// each once, in the order the filter first names them.
pub fn selected_markets(snap: &Snapshot, filter: &ExportFilter) -> std::io::Result<Vec<usize>> {
    if filter.markets.is_empty() {
        return Ok((0..snap.markets().len()).collect());
    }
    let mut columns: Vec<usize> = Vec::with_capacity(filter.markets.len());
    for m in &filter.markets {
        let c = snap.market_index(m).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "no market `{m}` in the snapshot (markets: {})",
                    snap.markets().join(", ")
                ),
            )
        })?;
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    Ok(columns)
}
