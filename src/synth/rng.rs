//! The generator's own random numbers: a seeded xoshiro256++ and an alias
//! table. Written here rather than taken from a crate so the byte stream
//! (and hence every planted graph) can never change under a dependency
//! update; the same seed must give the same bytes forever.

/// xoshiro256++ seeded through SplitMix64: small, fast, reproducible.
pub(super) struct Rng([u64; 4]);

impl Rng {
    /// Stream `stream` of `seed`: parallel chunks each take their own stream
    /// so the output does not depend on the thread count.
    pub(super) fn new(seed: u64, stream: u64) -> Self {
        let mut x = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
    }
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let r = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        r
    }
    /// Uniform in [0, 1).
    pub(super) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in 0..n (multiply-shift; bias is negligible here).
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
    /// Uniform in [lo, hi).
    pub(super) fn range(&mut self, (lo, hi): (f64, f64)) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Standard normal (Box–Muller).
    pub(super) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Walker/Vose alias table: O(1) draws proportional to weight.
pub(super) struct Alias {
    prob: Vec<f32>,
    alias: Vec<u32>,
}

impl Alias {
    pub(super) fn new(w: impl Iterator<Item = f64>) -> Self {
        let mut p: Vec<f64> = w.collect();
        let n = p.len();
        let sum: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x *= n as f64 / sum);
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| p[i] < 1.0);
        let mut prob = vec![1f32; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s] = p[s] as f32;
            alias[s] = l as u32;
            p[l] += p[s] - 1.0;
            if p[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }
    /// An index drawn proportionally to its weight (two draws from `rng`).
    pub(super) fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len());
        if rng.f64() < self.prob[i] as f64 {
            i
        } else {
            self.alias[i] as usize
        }
    }
}
