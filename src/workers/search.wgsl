// tabcoin's nonce search on the GPU, the same midstate scheme as the CPU
// kernels (`tabcoin_chain::pow`): the first 64 header bytes are hashed
// once; per nonce, one SHA-256 compression of the padded second block
// (height, timestamp, bits, nonce) and a comparison of the state words
// with the target's, as big-endian 256-bit numbers.
//
// `job` (u32 words): 0..8 the midstate, 8..13 the second block's first
// five words, 13..21 the target, 21 and 22 the batch's first nonce (high,
// low word), 23 nonces per invocation, 24 nonces in the batch, 25
// invocations per row of the dispatch. Each invocation tries its nonces in
// order; the smallest offset (from the batch's first nonce) whose hash
// meets the target is kept in `found` (u32::MAX: none).

@group(0) @binding(0) var<storage, read> job: array<u32, 26>;
@group(0) @binding(1) var<storage, read_write> found: atomic<u32>;

var<private> K: array<u32, 64> = array<u32, 64>(
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
);

fn rotr(x: u32, n: u32) -> u32 {
    return (x >> n) | (x << (32u - n));
}

// Whether the header with nonce (hi, lo) hashes to at most the target.
fn meets(hi: u32, lo: u32) -> bool {
    var w: array<u32, 16>;
    w[0] = job[8];
    w[1] = job[9];
    w[2] = job[10];
    w[3] = job[11];
    w[4] = job[12];
    w[5] = hi;
    w[6] = lo;
    w[7] = 0x80000000u;
    // Words 8..14 are zero; word 15 is the message length in bits (92 × 8).
    w[15] = 736u;
    var a = job[0];
    var b = job[1];
    var c = job[2];
    var d = job[3];
    var e = job[4];
    var f = job[5];
    var g = job[6];
    var h = job[7];
    for (var i = 0u; i < 64u; i++) {
        var wi: u32;
        if (i < 16u) {
            wi = w[i];
        } else {
            // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in a ring of 16.
            let w15 = w[(i + 1u) & 15u];
            let w2 = w[(i + 14u) & 15u];
            let s0 = rotr(w15, 7u) ^ rotr(w15, 18u) ^ (w15 >> 3u);
            let s1 = rotr(w2, 17u) ^ rotr(w2, 19u) ^ (w2 >> 10u);
            wi = w[i & 15u] + s0 + w[(i + 9u) & 15u] + s1;
            w[i & 15u] = wi;
        }
        let t1 = h + (rotr(e, 6u) ^ rotr(e, 11u) ^ rotr(e, 25u)) + ((e & f) ^ (~e & g)) + K[i] + wi;
        let t2 = (rotr(a, 2u) ^ rotr(a, 13u) ^ rotr(a, 22u)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    let out = array<u32, 8>(
        job[0] + a, job[1] + b, job[2] + c, job[3] + d,
        job[4] + e, job[5] + f, job[6] + g, job[7] + h,
    );
    for (var i = 0u; i < 8u; i++) {
        let t = job[13u + i];
        if (out[i] != t) {
            return out[i] < t;
        }
    }
    return true;
}

@compute @workgroup_size(64)
fn search(@builtin(global_invocation_id) id: vec3<u32>) {
    let per = job[23];
    let count = job[24];
    let first = (id.y * job[25] + id.x) * per;
    for (var k = 0u; k < per; k++) {
        let offset = first + k;
        // Past the batch, or after a nonce already found: nothing to win.
        if (offset >= count || offset > atomicLoad(&found)) {
            return;
        }
        let lo = job[22] + offset;
        let hi = job[21] + select(0u, 1u, lo < offset);
        if (meets(hi, lo)) {
            atomicMin(&found, offset);
            return;
        }
    }
}
