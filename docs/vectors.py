#!/usr/bin/env python3
"""An independent computation of tabcoin's golden vectors (rules 4).

Written from the layouts docs/CONSENSUS.md documents, with Python's own
hashlib and integers and the `ecdsa` package (pip install ecdsa), sharing
no code with the Rust crates. Each value printed here is asserted by a test
in crates/chain; run `python3 docs/vectors.py` and compare.
"""
import hashlib
import json

def sha256(b):
    return hashlib.sha256(b).digest()

GENESIS_TIME = 1_795_219_200_000  # 2026-11-21T00:00:00Z, the built-in networks'

# ---- targets ---------------------------------------------------------------
def compact(v):
    size = (v.bit_length() + 7) // 8
    m = v << (8 * (3 - size)) if size <= 3 else v >> (8 * (size - 3))
    return (size << 24) | (m & 0xFFFFFF)

def from_compact(b):
    size, m = b >> 24, b & 0xFFFFFF
    return m >> (8 * (3 - size)) if size <= 3 else m << (8 * (size - 3))

def zero_bits(n):
    return from_compact(compact((2**256 - 1) >> n))

def next_bits(lateness_ms, initial_bits, block_time_ms, half_life_blocks):
    """ASERT: initial · 2^(lateness/τ), 16.16 fixed point, at most 16× easier."""
    init, limit = zero_bits(initial_bits), zero_bits(initial_bits - 4)
    e = (lateness_ms * 65536) // (block_time_ms * half_life_blocks)
    shifts, frac = e >> 16, e & 0xFFFF
    f = 65536 + ((195766423245049 * frac + 971821376 * frac**2 + 5127 * frac**3 + (1 << 47)) >> 48)
    v = (init >> 16) * f
    v = v << shifts if shifts >= 0 else v >> -shifts
    return compact(min(max(v, 1), limit))

# ---- specs and genesis -----------------------------------------------------
def canonical(name, created, zero_bits_, block_time, half_life, reward, start):
    spec = {"name": name, "created": created,
            "consensus": {"kind": "proof_of_work", "initial_zero_bits": zero_bits_,
                          "block_time_ms": block_time, "half_life_blocks": half_life},
            "mining_reward": reward, "starting_balance": start, "allocations": {}}
    return json.dumps(spec, separators=(",", ":"))

def header(prev, root, height, ts, bits, nonce):
    return prev + root + height.to_bytes(8, "big") + ts.to_bytes(8, "big") \
        + bits.to_bytes(4, "big") + nonce.to_bytes(8, "big")

def genesis(name, zero_bits_, block_time, reward, start):
    text = canonical(name, GENESIS_TIME, zero_bits_, block_time, 16, reward, start)
    root = sha256(("tabcoin genesis, rules 4: " + text).encode())
    return sha256(header(bytes(32), root, 0, GENESIS_TIME, compact(zero_bits(zero_bits_)), 0))

DEMO = genesis("demo", 28, 5000, 50, 0)
TEST = genesis("test", 8, 1000, 50, 1000)

# ---- keys, ids, transactions ------------------------------------------------
from ecdsa import SECP256k1, SigningKey
from ecdsa.util import sigencode_string

def key(seed):
    sk = SigningKey.from_string(bytes([seed]) * 32, curve=SECP256k1)
    return sk, sk.get_verifying_key().to_string("compressed")

def uuid4(b16):
    b = bytearray(b16)
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return bytes(b)

def outputs(outs):
    out = len(outs).to_bytes(4, "big")
    for addr in sorted(outs):
        out += addr + outs[addr].to_bytes(8, "big")
    return out

def signed_tx(seed, balance, to_seed, amount, salt, ts, network):
    sk, sender = key(seed)
    _, to = key(to_seed)
    txid = uuid4(sha256(b"tabcoin/txid/v2" + sender + salt)[:16])
    content = txid + salt + ts.to_bytes(8, "big") + sender + balance.to_bytes(8, "big") \
        + outputs({to: amount, sender: balance - amount})
    digest = sha256(b"tabcoin/tx/v2" + network + content)
    sig = sk.sign_digest_deterministic(digest, hashfunc=hashlib.sha256, sigencode=sigencode_string)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    n = SECP256k1.order
    if s > n // 2:
        s = n - s
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return txid, sig, sha256(b"\x01" + b"tabcoin/tx/v2" + content + sig)

def uuid_text(b):
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

def mined_block(seed, network, ts, zero_bits_, reward):
    _, miner = key(seed)
    rid = uuid4(sha256(network + (1).to_bytes(8, "big") + miner)[:16])
    reward_hash = sha256(b"\x00" + b"tabcoin/reward/v1" + rid + (1).to_bytes(8, "big")
                         + outputs({miner: reward}))
    root = sha256((1).to_bytes(4, "big") + reward_hash)
    bits = compact(zero_bits(zero_bits_))
    target = from_compact(bits)
    nonce = 0
    while True:
        h = sha256(header(network, root, 1, ts, bits, nonce))
        if int.from_bytes(h, "big") <= target:
            return nonce, h
        nonce += 1

if __name__ == "__main__":
    print("demo genesis", DEMO.hex())
    print("test genesis", TEST.hex())
    golden = canonical("golden", 1_796_083_200_000, 20, 5000, 16, 50, 0)
    print("golden spec id", sha256(golden.encode()).hex())
    txid, sig, txhash = signed_tx(1, 1000, 2, 25, bytes([7]) * 16, GENESIS_TIME, TEST)
    print("tx id", uuid_text(txid))
    print("tx signature", sig.hex())
    print("tx hash", txhash.hex())
    nonce, h = mined_block(1, TEST, GENESIS_TIME + 60_000, 8, 50)
    print("mined block nonce", nonce, "hash", h.hex())
    for height, late in [(1, 0), (2, 0), (100, 0), (100, 80000), (100, -80000),
                         (100, 12345), (5000, -1000000), (5000, 400000)]:
        # lateness of a parent at `height`; block 1 is the anchor, so height 1 is on time
        print(f"retarget demo height {height} late {late}: {next_bits(late, 28, 5000, 16):08x}")
