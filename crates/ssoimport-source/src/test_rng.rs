//! A seeded xorshift generator for tests that build many random inputs and must fail the same way every run.

/// Seeded xorshift64: the same seed gives the same sequence.
pub(crate) struct TestRng(u64);

impl TestRng {
    /// A generator from a nonzero seed.
    pub(crate) fn new(seed: u64) -> TestRng {
        TestRng(seed)
    }

    /// The next number below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
