//! Splitting a batch's signature checks among verifier workers and
//! collecting their answers (the workers are the shell's; [`crate::hold`]
//! decides when a batch goes to them).
//!
//! Each part goes to one worker under its own tag; an answer vouches for the
//! hashes of its part whose flag is 1. Unknown tags, repeated answers and
//! answers of the wrong length vouch for nothing: whatever is not vouched
//! for is verified by the page itself when it validates the blocks.

use std::ops::Range;

use tabcoin_chain::SigCheck;

/// One batch of checks out with the workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigBatch {
    first_tag: u64,
    hashes: Vec<[u8; 32]>,
    parts: Vec<Range<usize>>,
    answered: Vec<bool>,
}

impl SigBatch {
    /// Splits `pending` into at most `workers` parts of nearly equal size,
    /// tagged `first_tag`, `first_tag + 1`, …; returns the batch and each
    /// part's (tag, encoded checks).
    pub fn split(
        first_tag: u64,
        pending: Vec<([u8; 32], SigCheck)>,
        workers: usize,
    ) -> (SigBatch, Vec<(u64, Vec<u8>)>) {
        let n = pending.len();
        let count = workers.clamp(1, n.max(1));
        let parts: Vec<Range<usize>> = (0..count)
            .map(|i| (i * n / count)..((i + 1) * n / count))
            .collect();
        let requests = parts
            .iter()
            .enumerate()
            .map(|(i, range)| {
                let mut bytes = Vec::with_capacity(range.len() * SigCheck::LEN);
                for (_, check) in &pending[range.clone()] {
                    check.encode_into(&mut bytes);
                }
                (first_tag + i as u64, bytes)
            })
            .collect();
        let batch = SigBatch {
            first_tag,
            hashes: pending.into_iter().map(|(hash, _)| hash).collect(),
            answered: vec![false; parts.len()],
            parts,
        };
        (batch, requests)
    }

    /// Tags this batch used (the next batch starts after them).
    pub fn tags_used(&self) -> u64 {
        self.parts.len() as u64
    }

    /// A worker's answer: the hashes it vouches for.
    pub fn answer(&mut self, tag: u64, flags: &[u8]) -> Vec<[u8; 32]> {
        let Some(part) = self.part(tag) else {
            return Vec::new();
        };
        let range = self.parts[part].clone();
        if self.answered[part] || flags.len() != range.len() {
            return Vec::new();
        }
        self.answered[part] = true;
        self.hashes[range]
            .iter()
            .zip(flags)
            .filter(|(_, flag)| **flag == 1)
            .map(|(hash, _)| *hash)
            .collect()
    }

    /// The tags of the parts not answered yet.
    pub fn unanswered(&self) -> Vec<u64> {
        (0..self.parts.len())
            .filter(|&i| !self.answered[i])
            .map(|i| self.first_tag + i as u64)
            .collect()
    }

    /// The part a tag names, if it is one of this batch's.
    fn part(&self, tag: u64) -> Option<usize> {
        tag.checked_sub(self.first_tag)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < self.parts.len())
    }

    /// Whether every part was answered.
    pub fn is_done(&self) -> bool {
        self.answered.iter().all(|a| *a)
    }
}

/// What a verifier worker answers for a part: one flag per check, 1 where
/// the signature verified.
pub fn verify_all(bytes: &[u8]) -> Vec<u8> {
    SigCheck::decode_all(bytes)
        .map(|check| u8::from(check.verify()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::signed_checks as pending;

    #[test]
    fn parts_cover_every_check_once_and_answers_vouch_for_them() {
        let checks = pending(7);
        let all: Vec<[u8; 32]> = checks.iter().map(|(h, _)| *h).collect();
        let (mut batch, requests) = SigBatch::split(40, checks, 3);
        assert_eq!(requests.len(), 3);
        assert_eq!(batch.tags_used(), 3);
        let sizes: Vec<usize> = requests
            .iter()
            .map(|(_, b)| b.len() / SigCheck::LEN)
            .collect();
        assert_eq!(sizes.iter().sum::<usize>(), 7);
        assert!(sizes.iter().all(|&s| s == 2 || s == 3), "{sizes:?}");
        let mut vouched = Vec::new();
        for (tag, bytes) in requests.iter().rev() {
            assert!(!batch.is_done());
            vouched.extend(batch.answer(*tag, &verify_all(bytes)));
        }
        assert!(batch.is_done());
        vouched.sort_unstable();
        let mut expected = all;
        expected.sort_unstable();
        assert_eq!(vouched, expected);
    }

    #[test]
    fn a_failed_check_is_not_vouched_for() {
        let mut checks = pending(4);
        checks[2].1.signature[5] ^= 1;
        let bad = checks[2].0;
        let (mut batch, requests) = SigBatch::split(0, checks, 1);
        let vouched = batch.answer(requests[0].0, &verify_all(&requests[0].1));
        assert_eq!(vouched.len(), 3);
        assert!(!vouched.contains(&bad));
    }

    #[test]
    fn unknown_repeated_or_short_answers_vouch_for_nothing() {
        let (mut batch, requests) = SigBatch::split(10, pending(4), 2);
        let (tag, bytes) = &requests[0];
        assert!(batch.answer(9, &[1, 1]).is_empty(), "tag before the batch");
        assert!(batch.answer(12, &[1, 1]).is_empty(), "tag after the batch");
        assert!(batch.answer(*tag, &[1]).is_empty(), "wrong length");
        assert!(!batch.is_done(), "a wrong answer answers nothing");
        assert_eq!(batch.answer(*tag, &verify_all(bytes)).len(), 2);
        assert!(batch.answer(*tag, &[1, 1]).is_empty(), "answered already");
        assert!(!batch.is_done());
        assert_eq!(batch.unanswered(), vec![requests[1].0]);
    }

    #[test]
    fn more_workers_than_checks_gives_one_check_per_part() {
        let (batch, requests) = SigBatch::split(0, pending(2), 8);
        assert_eq!(requests.len(), 2);
        assert_eq!(batch.tags_used(), 2);
    }
}
