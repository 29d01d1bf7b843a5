//! Lists read from the wire with a bound checked while reading: a peer's
//! oversized list is refused at the first entry past the bound, before the
//! rest is even parsed (cheap checks first; see also
//! `Transaction::structure_is_valid`, which applies each network's own,
//! smaller limits).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// Most outputs a transaction may carry on the wire (every network's
/// `max_outputs` is at most this).
pub const MAX_WIRE_OUTPUTS: usize = 64;
/// Most transactions a block may carry on the wire (every network's
/// `max_block_txs` is at most this).
pub const MAX_WIRE_TXS: usize = 1_000;

struct Bounded<T> {
    max: usize,
    what: &'static str,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<Vec<T>> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of at most {} {}", self.max, self.what)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element()? {
            if out.len() == self.max {
                return Err(serde::de::Error::custom(format!(
                    "more than {} {}",
                    self.max, self.what
                )));
            }
            out.push(item);
        }
        Ok(out)
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Bounded<BTreeMap<K, V>> {
    type Value = BTreeMap<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a map of at most {} {}", self.max, self.what)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BTreeMap<K, V>, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = map.next_entry()? {
            if out.len() == self.max {
                return Err(serde::de::Error::custom(format!(
                    "more than {} {}",
                    self.max, self.what
                )));
            }
            out.insert(k, v);
        }
        Ok(out)
    }
}

/// A transaction's outputs, at most [`MAX_WIRE_OUTPUTS`].
pub fn outputs<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    d.deserialize_map(Bounded::<BTreeMap<K, V>> {
        max: MAX_WIRE_OUTPUTS,
        what: "outputs",
        _t: PhantomData,
    })
}

/// A block's transactions, at most [`MAX_WIRE_TXS`].
pub fn transactions<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(Bounded::<Vec<T>> {
        max: MAX_WIRE_TXS,
        what: "transactions",
        _t: PhantomData,
    })
}
