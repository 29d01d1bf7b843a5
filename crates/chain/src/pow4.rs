//! A 4-lane SHA-256 nonce search: four consecutive nonces are hashed at once
//! in the four 32-bit lanes of a vector, the way CPU miners used 4-way SSE2.
//!
//! (Longer than most files here on purpose: the lanes, the precomputed
//! rounds and the portable twin the tests compare must be read together.)
//!
//! The algorithm is written once (the `search4!` macro) and instantiated
//! twice: over plain `[u32; 4]` arrays (portable, used by native tests as the
//! bridge between the scalar kernel and the SIMD one) and, on wasm32, over
//! `v128` with the `simd128` target feature, which the miner worker uses
//! where the browser supports WebAssembly SIMD. Both must find exactly the
//! nonce the scalar [`crate::pow::Midstate::search`] finds.
//!
//! What does not depend on the nonce is computed once per template: the
//! midstate of the header's first 64 bytes and the first five rounds of the
//! second block (their message words are constant). The nonce fills words 5
//! (high 32 bits) and 6 (low 32 bits); the high word changes only every 2^32
//! nonces, so once per [`Segment`] round 5, all of round 6 but the lanes'
//! own word, schedule words 16–20 and the fixed parts of words 21–35 are
//! computed too. Per four nonces that leaves 57½ rounds. A candidate
//! (first hash word at most the target's) is decided by the scalar
//! kernel's own check.

use std::ops::Range;

use crate::pow::Midstate;

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// Everything about a template that does not depend on the nonce.
#[derive(Debug, Clone)]
pub struct Prepared4 {
    /// Midstate after the first 64 bytes.
    midstate: [u32; 8],
    /// Working variables after rounds 0–4 of the second block.
    after5: [u32; 8],
    /// The second block's words (nonce words 5 and 6 are replaced per lane).
    words: [u32; 16],
    /// The target as big-endian words.
    target: [u32; 8],
}

#[inline(always)]
fn round_scalar(s: &mut [u32; 8], k: u32, w: u32) {
    let [a, b, c, d, e, f, g, h] = *s;
    let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
    let ch = (e & f) ^ (!e & g);
    let t1 = h
        .wrapping_add(s1)
        .wrapping_add(ch)
        .wrapping_add(k)
        .wrapping_add(w);
    let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
    let maj = (a & b) ^ (a & c) ^ (b & c);
    let t2 = s0.wrapping_add(maj);
    *s = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
}

impl Prepared4 {
    /// Prepares `mid` (the scalar kernel's precomputation) for 4-lane search.
    pub fn new(mid: &Midstate) -> Prepared4 {
        let (midstate, tail, target) = mid.parts();
        let mut words = [0u32; 16];
        for (w, chunk) in words.iter_mut().zip(tail.chunks_exact(4)) {
            *w = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        let mut after5 = midstate;
        for t in 0..5 {
            round_scalar(&mut after5, K[t], words[t]);
        }
        Prepared4 {
            midstate,
            after5,
            words,
            target,
        }
    }
}

/// What also does not depend on the nonce once its high 32 bits (message
/// word 5) are fixed: rounds 5 and most of 6, schedule words 16–20, and
/// the constant parts of schedule words 21–35. Recomputed when the high word changes, every
/// 2^32 nonces.
#[derive(Debug, Clone)]
struct Segment {
    /// The high word.
    hi: u32,
    /// After round 6, lanes' new `a` and `e` are these plus word 6 (the low
    /// word); the other six words are `after6[..]` as laid out below.
    a7: u32,
    e7: u32,
    /// `[b, c, d, f, g, h]` after round 6.
    rest: [u32; 6],
    /// K[t] + W[t] for t = 7..=20 (words 7–15 and schedule 16–20 are fixed).
    kw: [u32; 21],
    /// Constant parts of schedule words 21–35 (index t − 21).
    part: [u32; 15],
    /// Schedule words 16–20.
    w16_20: [u32; 5],
}

fn small_s0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

fn small_s1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

impl Segment {
    fn new(p: &Prepared4, hi: u32) -> Segment {
        let mut w = p.words;
        w[5] = hi;
        let mut st = p.after5;
        round_scalar(&mut st, K[5], hi);
        // Round 6 with word 6 = 0: the word enters only T1, which both new
        // `a` and new `e` add, so each lane adds its low word to those two.
        round_scalar(&mut st, K[6], 0);
        let [a7, b, c, d, e7, f, g, h] = st;
        // Schedule words 16–20 read words 0–5 and 7–15 only.
        let mut ws = [0u32; 21];
        ws[..16].copy_from_slice(&w);
        for t in 16..21 {
            ws[t] = small_s1(ws[t - 2])
                .wrapping_add(ws[t - 7])
                .wrapping_add(small_s0(ws[t - 15]))
                .wrapping_add(ws[t - 16]);
        }
        let kw = core::array::from_fn(|t| if t < 7 { 0 } else { K[t].wrapping_add(ws[t]) });
        // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]: the terms with
        // an index in 0..=20 other than 6 are fixed.
        let fixed = |i: usize| -> u32 { if i <= 20 && i != 6 { ws[i] } else { 0 } };
        let part = core::array::from_fn(|i| {
            let t = i + 21;
            let mut c = fixed(t - 7).wrapping_add(fixed(t - 16));
            if t - 15 <= 20 && t - 15 != 6 {
                c = c.wrapping_add(small_s0(ws[t - 15]));
            }
            if t - 2 <= 20 {
                c = c.wrapping_add(small_s1(ws[t - 2]));
            }
            c
        });
        Segment {
            hi,
            a7,
            e7,
            rest: [b, c, d, f, g, h],
            kw,
            part,
            w16_20: [ws[16], ws[17], ws[18], ws[19], ws[20]],
        }
    }
}

/// Plain-array lanes: the portable instantiation.
mod portable {
    pub type V = [u32; 4];
    #[inline(always)]
    pub fn splat(x: u32) -> V {
        [x; 4]
    }
    #[inline(always)]
    pub fn from(a: [u32; 4]) -> V {
        a
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        [
            a[0].wrapping_add(b[0]),
            a[1].wrapping_add(b[1]),
            a[2].wrapping_add(b[2]),
            a[3].wrapping_add(b[3]),
        ]
    }
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        [a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]]
    }
    #[inline(always)]
    pub fn and(a: V, b: V) -> V {
        [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]]
    }
    /// `a & !b`.
    #[inline(always)]
    pub fn andnot(a: V, b: V) -> V {
        [a[0] & !b[0], a[1] & !b[1], a[2] & !b[2], a[3] & !b[3]]
    }
    #[inline(always)]
    pub fn rotr(a: V, n: u32) -> V {
        a.map(|x| x.rotate_right(n))
    }
    #[inline(always)]
    pub fn shr(a: V, n: u32) -> V {
        a.map(|x| x >> n)
    }
    #[inline(always)]
    pub fn lanes(a: V) -> [u32; 4] {
        a
    }
}

/// WebAssembly SIMD lanes (`v128`), compiled with `simd128`.
#[cfg(target_arch = "wasm32")]
mod simd {
    use core::arch::wasm32::*;
    pub type V = v128;
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn splat(x: u32) -> V {
        u32x4_splat(x)
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn from(a: [u32; 4]) -> V {
        u32x4(a[0], a[1], a[2], a[3])
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn add(a: V, b: V) -> V {
        i32x4_add(a, b)
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn xor(a: V, b: V) -> V {
        v128_xor(a, b)
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn and(a: V, b: V) -> V {
        v128_and(a, b)
    }
    /// `a & !b`.
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn andnot(a: V, b: V) -> V {
        v128_andnot(a, b)
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn rotr(a: V, n: u32) -> V {
        v128_or(u32x4_shr(a, n), i32x4_shl(a, 32 - n))
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn shr(a: V, n: u32) -> V {
        u32x4_shr(a, n)
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn lanes(a: V) -> [u32; 4] {
        [
            u32x4_extract_lane::<0>(a),
            u32x4_extract_lane::<1>(a),
            u32x4_extract_lane::<2>(a),
            u32x4_extract_lane::<3>(a),
        ]
    }
}

/// One SHA-256 round on 4 lanes; `$kw` is K[t] + W[t].
/// `$bc` holds b ^ c of the state and is carried to the next round, where
/// it is b ^ c again: Maj(a, b, c) = ((a ^ b) & (b ^ c)) ^ b.
macro_rules! round {
    ($o:ident, $s:ident, $bc:ident, $kw:expr) => {{
        let [a, b, c, d, e, f, g, h] = $s;
        let s1 = $o::xor($o::xor($o::rotr(e, 6), $o::rotr(e, 11)), $o::rotr(e, 25));
        let ch = $o::xor($o::and(e, f), $o::andnot(g, e));
        let t1 = $o::add($o::add(h, s1), $o::add(ch, $kw));
        let s0 = $o::xor($o::xor($o::rotr(a, 2), $o::rotr(a, 13)), $o::rotr(a, 22));
        let ab = $o::xor(a, b);
        let maj = $o::xor($o::and(ab, $bc), b);
        $bc = ab;
        $s = [
            $o::add(t1, $o::add(s0, maj)),
            a,
            b,
            c,
            $o::add(d, t1),
            e,
            f,
            g,
        ];
    }};
}

/// Rounds 21–35, one per literal `t`: schedule word `t` is its fixed part
/// (`$part[t - 21]`) plus the terms that read word 6 or a word after 20.
macro_rules! partial_rounds {
    ($o:ident, $s:ident, $bc:ident, $w:ident, $part:ident, $k:ident, $w6:ident; $($t:literal)*) => {
        $({
            let mut wt = $part[$t - 21];
            if $t - 2 > 20 {
                let y = $w[($t - 2) & 15];
                wt = $o::add(wt, $o::xor($o::xor($o::rotr(y, 17), $o::rotr(y, 19)), $o::shr(y, 10)));
            }
            if $t - 7 > 20 {
                wt = $o::add(wt, $w[($t - 7) & 15]);
            }
            if $t - 15 == 6 {
                wt = $o::add(wt, $o::xor($o::xor($o::rotr($w6, 7), $o::rotr($w6, 18)), $o::shr($w6, 3)));
            }
            if $t - 16 == 6 {
                wt = $o::add(wt, $w6);
            }
            $w[$t & 15] = wt;
            round!($o, $s, $bc, $o::add($k[$t], wt));
        })*
    };
}

/// The 4-lane search over one lane implementation `$o`.
macro_rules! search4 {
    ($(#[$attr:meta])* $name:ident, $o:ident) => {
        $(#[$attr])*
        fn $name(p: &Prepared4, mid: &Midstate, nonces: Range<u64>) -> Option<u64> {
            use $o as o;
            let k: [o::V; 64] = core::array::from_fn(|t| o::splat(K[t]));
            let midv: [o::V; 8] = core::array::from_fn(|i| o::splat(p.midstate[i]));
            let mut seg = Segment::new(p, (nonces.start >> 32) as u32);
            // The segment's words in every lane, refreshed with it.
            let lanes_of = |seg: &Segment| {
                (
                    seg.kw.map(|x| o::splat(x)),
                    seg.part.map(|x| o::splat(x)),
                    seg.rest.map(|x| o::splat(x)),
                    seg.w16_20.map(|x| o::splat(x)),
                    [o::splat(seg.a7), o::splat(seg.e7), o::splat(seg.hi)],
                )
            };
            let (mut kw, mut part, mut rest, mut w16_20, mut ae) = lanes_of(&seg);
            let words: [o::V; 16] = core::array::from_fn(|i| o::splat(p.words[i]));
            let mut n = nonces.start;
            while nonces.end.saturating_sub(n) >= 4 {
                let hi = (n >> 32) as u32;
                if ((n + 3) >> 32) as u32 != hi {
                    // Four nonces across a 2^32 boundary: one by one.
                    if let Some(found) = mid.search(n..n + 4) {
                        return Some(found);
                    }
                    n += 4;
                    continue;
                }
                if hi != seg.hi {
                    seg = Segment::new(p, hi);
                    (kw, part, rest, w16_20, ae) = lanes_of(&seg);
                }
                let w6 = o::from([n as u32, (n + 1) as u32, (n + 2) as u32, (n + 3) as u32]);
                let [b, c, d, f, g, h] = rest;
                let mut s = [o::add(ae[0], w6), b, c, d, o::add(ae[1], w6), f, g, h];
                let mut bc = o::xor(b, c);
                // Rounds 7–20 read fixed words.
                for t in 7..21 {
                    round!(o, s, bc, kw[t]);
                }
                // The schedule ring: words 5–20 as of round 21 (index t & 15).
                let mut w: [o::V; 16] = core::array::from_fn(|i| {
                    let t = if i <= 4 { i + 16 } else { i };
                    match t {
                        6 => w6,
                        5 => ae[2],
                        16..=20 => w16_20[t - 16],
                        _ => words[t],
                    }
                });
                // Words 21–35: the fixed part plus what reads word 6 or a
                // later word (unrolled: which terms those are is known at
                // compile time).
                partial_rounds!(o, s, bc, w, part, k, w6;
                    21 22 23 24 25 26 27 28 29 30 31 32 33 34 35);
                for t in 36..64 {
                    let x = w[(t + 1) & 15];
                    let y = w[(t + 14) & 15];
                    let s0 = o::xor(o::xor(o::rotr(x, 7), o::rotr(x, 18)), o::shr(x, 3));
                    let s1 = o::xor(o::xor(o::rotr(y, 17), o::rotr(y, 19)), o::shr(y, 10));
                    let wt = o::add(o::add(s1, w[(t + 9) & 15]), o::add(s0, w[t & 15]));
                    w[t & 15] = wt;
                    round!(o, s, bc, o::add(k[t], wt));
                }
                let h0 = o::lanes(o::add(midv[0], s[0]));
                // Most hashes miss on the first word; a candidate is decided
                // by the scalar kernel's own check.
                if h0.iter().any(|&x| x <= p.target[0]) {
                    for lane in 0..4u64 {
                        if h0[lane as usize] <= p.target[0] && mid.nonce_meets(n + lane) {
                            return Some(n + lane);
                        }
                    }
                }
                n += 4;
            }
            None
        }
    };
}

search4!(search4_portable, portable);
#[cfg(target_arch = "wasm32")]
search4!(
    #[target_feature(enable = "simd128")]
    search4_simd,
    simd
);

impl Prepared4 {
    /// The first nonce in `nonces` meeting the target, 4 lanes at a time in
    /// plain arrays (the leftover tail, fewer than 4 nonces, is hashed one by
    /// one). Same answer as the scalar search.
    pub fn search_portable(&self, mid: &Midstate, nonces: Range<u64>) -> Option<u64> {
        let whole = nonces.start + (nonces.end.saturating_sub(nonces.start)) / 4 * 4;
        search4_portable(self, mid, nonces.start..whole).or_else(|| mid.search(whole..nonces.end))
    }

    /// The same with WebAssembly SIMD (`v128`). Only for modules that may use
    /// SIMD: the miner worker built for browsers that support it.
    #[cfg(target_arch = "wasm32")]
    pub fn search_simd(&self, mid: &Midstate, nonces: Range<u64>) -> Option<u64> {
        let whole = nonces.start + (nonces.end.saturating_sub(nonces.start)) / 4 * 4;
        search4_simd(self, mid, nonces.start..whole).or_else(|| mid.search(whole..nonces.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::genesis;
    use crate::hash::BlockHash;
    use crate::header::Header;
    use crate::params::Params;
    use crate::target::Target;
    use crate::testutil::SplitMix;

    /// The next seeded random number (SplitMix64).
    fn next(state: &mut u64) -> u64 {
        let mut rng = SplitMix(*state);
        let x = rng.next_u64();
        *state = rng.0;
        x
    }

    fn random_header(state: &mut u64, zero_bits: u32) -> Header {
        let mut h = genesis(&Params::TEST).header;
        h.prev_hash = BlockHash(core::array::from_fn(|_| next(state) as u8));
        h.height = crate::height::Height(next(state) % 1_000_000);
        h.timestamp = crate::timestamp::Timestamp(next(state));
        h.bits = Target::from_leading_zeros(zero_bits).to_compact();
        // Searches ignore the template's nonce; a non-zero one shows that.
        h.nonce = next(state);
        h
    }

    #[test]
    fn four_lanes_find_exactly_what_the_scalar_kernel_finds() {
        let mut seed = 42;
        for case in 0..200 {
            let bits = 4 + (case % 9) as u32;
            let header = random_header(&mut seed, bits);
            let mid = Midstate::new(&header);
            let p = Prepared4::new(&mid);
            let start = next(&mut seed) % 1_000_000;
            // Ranges of every length modulo 4, across a 2^32 boundary, and
            // with any high word.
            let start = match case % 10 {
                0 => (1u64 << 32) - 2 - (case % 4) as u64,
                5 => next(&mut seed) % (u64::MAX - 10_000),
                7 => (next(&mut seed) % 0xffff_fff0 + 1) << 32 | 0xffff_fffe,
                _ => start,
            };
            let range = start..start + 3000 + (case % 4) as u64;
            assert_eq!(
                p.search_portable(&mid, range.clone()),
                mid.search(range),
                "case {case}"
            );
        }
    }

    #[test]
    fn four_lanes_report_none_when_nothing_meets() {
        let mut seed = 7;
        let header = random_header(&mut seed, 40);
        let mid = Midstate::new(&header);
        assert_eq!(Prepared4::new(&mid).search_portable(&mid, 0..4001), None);
    }
}
