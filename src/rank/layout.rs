//! How a users × markets block is laid out for the gather.
//!
//! Rows are split in two regions of the same allocation. Region A holds the
//! first `ka` markets in rows of `m` whole cache lines (or one power-of-two
//! width below a line); region B holds the remaining few markets in rows of
//! a small power of two. So 16 topics + `_global` (17 f32 columns) gather
//! one 64-byte line plus 4 bytes per follow instead of two full lines.

/// Geometry of a score block: `n` users, `k` markets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub n: usize,
    pub k: usize,
    /// Lanes per line in region A.
    pub l: usize,
    /// Lines per row in region A.
    pub m: usize,
    /// Markets in region A (the rest are in B).
    pub ka: usize,
    /// Row width of region B (0 = no region B).
    pub sb: usize,
}

impl Layout {
    /// The layout for `k` markets of `elem`-byte scores.
    pub fn new(n: usize, k: usize, elem: usize) -> Layout {
        let per_line = 64 / elem;
        let k1 = k.max(1);
        if k1 <= per_line {
            return Layout {
                n,
                k,
                l: k1.next_power_of_two(),
                m: 1,
                ka: k,
                sb: 0,
            };
        }
        let (q, r) = (k / per_line, k % per_line);
        if r == 0 {
            Layout {
                n,
                k,
                l: per_line,
                m: q,
                ka: k,
                sb: 0,
            }
        } else if r <= per_line / 2 {
            Layout {
                n,
                k,
                l: per_line,
                m: q,
                ka: q * per_line,
                sb: r.next_power_of_two(),
            }
        } else {
            Layout {
                n,
                k,
                l: per_line,
                m: q + 1,
                ka: k,
                sb: 0,
            }
        }
    }

    /// Row width of region A.
    pub fn sa(&self) -> usize {
        self.m * self.l
    }

    /// Lanes of a whole row (both regions).
    pub fn lanes(&self) -> usize {
        self.sa() + self.sb
    }

    /// Values in the block.
    pub fn len(&self) -> usize {
        self.n * self.lanes()
    }

    /// Lane of market `c` within a row (A lanes first, then B lanes).
    pub fn lane(&self, c: usize) -> usize {
        if c < self.ka {
            c
        } else {
            self.sa() + (c - self.ka)
        }
    }

    /// Market of a lane, `None` for padding.
    pub fn market(&self, lane: usize) -> Option<usize> {
        let c = if lane < self.sa() {
            lane
        } else {
            self.ka + (lane - self.sa())
        };
        (c < self.k && (lane < self.sa()) == (c < self.ka)).then_some(c)
    }

    /// Position of (user, lane) in the block.
    pub fn at(&self, u: usize, lane: usize) -> usize {
        if lane < self.sa() {
            u * self.sa() + lane
        } else {
            self.n * self.sa() + u * self.sb + (lane - self.sa())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    #[test]
    fn regions_for_common_market_counts() {
        let l = Layout::new(10, 17, 4);
        assert_eq!((l.l, l.m, l.ka, l.sb), (16, 1, 16, 1));
        assert_eq!(l.lane(16), 16);
        assert_eq!(l.at(3, 16), 10 * 16 + 3);
        let l = Layout::new(10, 16, 4);
        assert_eq!((l.l, l.m, l.ka, l.sb), (16, 1, 16, 0));
        let l = Layout::new(10, 27, 4);
        assert_eq!((l.l, l.m, l.ka, l.sb), (16, 2, 27, 0));
        let l = Layout::new(10, 3, 4);
        assert_eq!((l.l, l.m, l.ka, l.sb), (4, 1, 3, 0));
        assert_eq!(l.market(3), None);
        let l = Layout::new(10, 10, 8);
        assert_eq!((l.l, l.m, l.ka, l.sb), (8, 1, 8, 2));
        assert_eq!(l.market(9), Some(9));
        assert_eq!(l.market(10), None);
    }
}
