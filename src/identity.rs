//! Identities of nodes and couplings: unique within a process and, with a
//! salt drawn once per process, across processes (saved or pickled graphs
//! come back as the same nodes).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh node identity: this process's counter, mixed with a salt drawn
/// once per process, so identities from different processes do not collide
/// (the chance that two of a million nodes share one is about 3e-8).
pub(crate) fn fresh_id() -> u64 {
    static SALT: OnceLock<u64> = OnceLock::new();
    let salt = *SALT.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.finish()
    });
    crate::stream::key_mix(salt ^ NEXT_ID.fetch_add(1, Ordering::Relaxed))
}
