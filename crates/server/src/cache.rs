//! The registry's read-through cache: what merchants configured (merchants,
//! records, secrets, affiliations) changes a few times a day and is read by
//! every request, so each hub keeps what it read in memory, under the
//! merchant it belongs to, until a change to that merchant (or to
//! everything) evicts it. Who evicts and when is the registry's business
//! (`registry::commit`, `registry::follow_changes`); this only keeps values
//! and makes sure none read before an eviction lands after it.

use std::{
    any::Any,
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use hashbrown::{Equivalent, HashMap};

/// The bucket of values read across all merchants (every proven origin):
/// evicted by a change to any merchant.
pub(crate) const EVERYONE: &str = "";

/// The most values kept; past it the cache starts again empty (a registry
/// that large is read from the database as before, a page at a time).
const CAPACITY: usize = 200_000;

type Value = Arc<dyn Any + Send + Sync>;

/// What a value is, under its merchant: a kind and an id of that kind.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    kind: &'static str,
    id: Box<str>,
}

/// A [`Key`] borrowed from the caller, to look one up without allocating.
/// Hashes as the key it stands for (the same fields, in the same order).
#[derive(Hash)]
struct Probe<'a> {
    kind: &'static str,
    id: &'a str,
}

impl Equivalent<Key> for Probe<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.kind == key.kind && self.id == &*key.id
    }
}

/// Values by merchant, then by what they are.
#[derive(Default)]
pub(crate) struct Cache {
    entries: RwLock<HashMap<Box<str>, HashMap<Key, Value>>>,
    /// Bumped by every eviction: a value read from the database while it
    /// moved may be older than the eviction and is not kept.
    epoch: AtomicU64,
    len: AtomicU64,
}

impl std::fmt::Debug for Cache {
    // The values include merchants' secrets: only the count is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("len", &self.len.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// The value kept under `merchant` as (`kind`, `id`), or `load`'s, which
    /// is kept unless an eviction happened while it was loading. Values are
    /// shared: a read is a reference count, never a copy.
    pub(crate) async fn get_or_load<T, E, F>(
        &self,
        merchant: &str,
        kind: &'static str,
        id: &str,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
    {
        let probe = Probe { kind, id };
        if let Some(value) = self.kept::<T>(merchant, &probe) {
            return Ok(value);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let value = Arc::new(load.await?);
        self.keep(merchant, &probe, epoch, value.clone());
        Ok(value)
    }

    /// [`Cache::get_or_load`] for a lookup that may find nothing: only what
    /// is found is kept, so lookups of ids that do not exist (a forged
    /// ticket's) cost a read each and never crowd out what is real.
    pub(crate) async fn get_or_load_found<T, E, F>(
        &self,
        merchant: &str,
        kind: &'static str,
        id: &str,
        load: F,
    ) -> Result<Option<Arc<T>>, E>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<Option<T>, E>>,
    {
        let probe = Probe { kind, id };
        if let Some(value) = self.kept::<T>(merchant, &probe) {
            return Ok(Some(value));
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let Some(found) = load.await?.map(Arc::new) else {
            return Ok(None);
        };
        self.keep(merchant, &probe, epoch, found.clone());
        Ok(Some(found))
    }

    fn kept<T: Send + Sync + 'static>(&self, merchant: &str, probe: &Probe<'_>) -> Option<Arc<T>> {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(merchant)
            .and_then(|m| m.get(probe))
            .and_then(|v| v.clone().downcast::<T>().ok())
    }

    /// Keeps `value` unless an eviction happened since `epoch`.
    fn keep<T: Send + Sync + 'static>(
        &self,
        merchant: &str,
        probe: &Probe<'_>,
        epoch: u64,
        value: Arc<T>,
    ) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if self.len.load(Ordering::Relaxed) as usize >= CAPACITY {
            entries.clear();
            self.len.store(0, Ordering::Relaxed);
        }
        let key = Key {
            kind: probe.kind,
            id: probe.id.into(),
        };
        let previous = entries.entry_ref(merchant).or_default().insert(key, value);
        if previous.is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets what is kept for `merchant` (and what was read across all
    /// merchants), or everything.
    pub(crate) fn evict(&self, merchant: Option<&str>) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        match merchant {
            Some(merchant) => {
                for bucket in [merchant, EVERYONE] {
                    if let Some(gone) = entries.remove(bucket) {
                        self.len.fetch_sub(gone.len() as u64, Ordering::Relaxed);
                    }
                }
            }
            None => {
                entries.clear();
                self.len.store(0, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_loaded_once_and_kept_until_evicted() {
        let cache = Cache::default();
        let loads = AtomicU64::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::Relaxed);
            Ok::<_, ()>(7_u32)
        };
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load())
                .await
                .map(|v| *v),
            Ok(7)
        );
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load())
                .await
                .map(|v| *v),
            Ok(7)
        );
        assert_eq!(loads.load(Ordering::Relaxed), 1);
        cache.evict(Some("other"));
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load())
                .await
                .map(|v| *v),
            Ok(7)
        );
        assert_eq!(
            loads.load(Ordering::Relaxed),
            1,
            "another merchant's change"
        );
        cache.evict(Some("shop"));
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load())
                .await
                .map(|v| *v),
            Ok(7)
        );
        assert_eq!(loads.load(Ordering::Relaxed), 2);
        cache.evict(None);
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load())
                .await
                .map(|v| *v),
            Ok(7)
        );
        assert_eq!(loads.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn what_was_read_across_merchants_goes_with_any_merchants_change() {
        let cache = Cache::default();
        let load = |v: u8| async move { Ok::<_, ()>(v) };
        assert_eq!(
            cache
                .get_or_load(EVERYONE, "all", "1", load(1))
                .await
                .map(|v| *v),
            Ok(1)
        );
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load(2))
                .await
                .map(|v| *v),
            Ok(2)
        );
        cache.evict(Some("other"));
        assert_eq!(
            cache
                .get_or_load(EVERYONE, "all", "1", load(3))
                .await
                .map(|v| *v),
            Ok(3)
        );
        assert_eq!(
            cache
                .get_or_load("shop", "x", "1", load(4))
                .await
                .map(|v| *v),
            Ok(2),
            "kept"
        );
        assert_eq!(cache.len.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_value_read_across_an_eviction_is_not_kept() {
        let cache = Cache::default();
        // The load sees the old value, and the change's eviction lands
        // while it is in flight: the old value is answered, not kept.
        let stale = cache
            .get_or_load("shop", "x", "1", async {
                cache.evict(Some("shop"));
                Ok::<_, ()>("old")
            })
            .await;
        assert_eq!(stale.map(|v| *v), Ok("old"));
        let fresh = cache
            .get_or_load("shop", "x", "1", async { Ok::<_, ()>("new") })
            .await;
        assert_eq!(fresh.map(|v| *v), Ok("new"));
    }

    #[tokio::test]
    async fn a_lookup_that_finds_nothing_is_not_kept() {
        let cache = Cache::default();
        let none = cache
            .get_or_load_found::<u8, (), _>("m", "ghost", "1", async { Ok(None) })
            .await;
        assert_eq!(none, Ok(None));
        assert_eq!(cache.len.load(Ordering::Relaxed), 0);
        let found = cache
            .get_or_load_found::<u8, (), _>("m", "x", "1", async { Ok(Some(5)) })
            .await;
        assert_eq!(found.map(|v| v.map(|v| *v)), Ok(Some(5)));
        let again = cache
            .get_or_load_found::<u8, (), _>("m", "x", "1", async { Err(()) })
            .await;
        assert_eq!(again.map(|v| v.map(|v| *v)), Ok(Some(5)), "kept");
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let cache = Cache::default();
        assert_eq!(
            cache
                .get_or_load::<u8, _, _>("m", "x", "1", async { Err("down") })
                .await
                .map(|v| *v),
            Err("down")
        );
        assert_eq!(
            cache
                .get_or_load("m", "x", "1", async { Ok::<u8, &str>(1) })
                .await
                .map(|v| *v),
            Ok(1)
        );
    }

    #[tokio::test]
    async fn kinds_and_ids_keep_their_values_apart() {
        let cache = Cache::default();
        let put = |kind, id, v: u8| cache.get_or_load("m", kind, id, async move { Ok::<_, ()>(v) });
        assert_eq!(put("ab", "c", 1).await.map(|v| *v), Ok(1));
        assert_eq!(put("a", "bc", 2).await.map(|v| *v), Ok(2));
        assert_eq!(put("ab", "", 3).await.map(|v| *v), Ok(3));
        assert_eq!(put("ab", "c", 9).await.map(|v| *v), Ok(1), "kept");
        assert_eq!(put("a", "bc", 9).await.map(|v| *v), Ok(2), "kept");
        assert_eq!(cache.len.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_kept_value_is_shared_not_copied() {
        let cache = Cache::default();
        let first = cache
            .get_or_load("m", "list", "1", async { Ok::<_, ()>(vec![1_u8; 64]) })
            .await;
        let again = cache
            .get_or_load("m", "list", "1", async { Ok::<_, ()>(Vec::new()) })
            .await;
        assert!(matches!((first, again), (Ok(a), Ok(b)) if Arc::ptr_eq(&a, &b)));
    }
}
