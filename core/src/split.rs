//! Reproducible stratified splits: one held-out split and stratified k-fold.
//!
//! Randomness comes from `ChaCha8Rng` seeded with the given seed, so the same labels and seed
//! give the same indices on every platform. Returned index lists are sorted ascending.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Why a split could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    /// `test_size` outside the open interval (0, 1).
    #[error("test_size must be in (0, 1), got {0}")]
    TestSize(f64),
    /// Fewer than two folds, or more folds than rows of some class.
    #[error("k-fold needs 2 <= k <= rows of the smallest class ({smallest}), got k = {k}")]
    Folds {
        /// Requested fold count.
        k: usize,
        /// Rows of the smallest class.
        smallest: usize,
    },
    /// A class has too few rows to appear on both sides of the split.
    #[error("class {class} has {count} row(s); at least 2 are needed to stratify")]
    ClassTooSmall {
        /// The label value.
        class: u8,
        /// How many rows carry it.
        count: usize,
    },
    /// No labels given.
    #[error("cannot split an empty label list")]
    Empty,
}

/// One fold of k-fold: `(train indices, test indices)`.
pub type Fold = (Vec<usize>, Vec<usize>);

/// Indices of each class, in ascending class order, each shuffled by `rng`.
fn shuffled_classes(labels: &[u8], rng: &mut ChaCha8Rng) -> Vec<(u8, Vec<usize>)> {
    let mut by_class: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    for (i, &y) in labels.iter().enumerate() {
        by_class.entry(y).or_default().push(i);
    }
    by_class
        .into_iter()
        .map(|(class, mut idx)| {
            idx.shuffle(rng);
            (class, idx)
        })
        .collect()
}

/// Splits row indices into `(train, test)` keeping each class's share in both parts.
///
/// Each class contributes `round(test_size * count)` rows to the test part (at least one and at
/// most `count - 1`), so class ratios match the whole set within one row.
pub fn stratified_split(
    labels: &[u8],
    test_size: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), SplitError> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(SplitError::TestSize(test_size));
    }
    if labels.is_empty() {
        return Err(SplitError::Empty);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut train = Vec::with_capacity(labels.len());
    let mut test = Vec::new();
    for (class, idx) in shuffled_classes(labels, &mut rng) {
        if idx.len() < 2 {
            return Err(SplitError::ClassTooSmall {
                class,
                count: idx.len(),
            });
        }
        let n_test = ((test_size * idx.len() as f64).round() as usize).clamp(1, idx.len() - 1);
        test.extend_from_slice(&idx[..n_test]);
        train.extend_from_slice(&idx[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Stratified k-fold: `k` pairs of `(train, test)` indices. The test parts are disjoint and
/// together cover every row; per fold, each class count differs by at most one across folds.
pub fn stratified_kfold(labels: &[u8], k: usize, seed: u64) -> Result<Vec<Fold>, SplitError> {
    if labels.is_empty() {
        return Err(SplitError::Empty);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let classes = shuffled_classes(labels, &mut rng);
    let smallest = classes.iter().map(|(_, idx)| idx.len()).min().unwrap_or(0);
    if k < 2 || k > smallest {
        return Err(SplitError::Folds { k, smallest });
    }
    let mut fold_of = vec![0usize; labels.len()];
    // Deal rows round-robin, continuing across classes so total fold sizes stay balanced too.
    let mut next = 0usize;
    for (_, idx) in &classes {
        for &i in idx {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    Ok((0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..labels.len()).partition(|&i| fold_of[i] == f);
            (train, test)
        })
        .collect())
}

/// The items at `indices`, in that order (e.g. the training rows of a split).
pub fn select<T: Clone>(items: &[T], indices: &[usize]) -> Vec<T> {
    indices.iter().map(|&i| items[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 rows, 32 positives scattered through.
    fn labels() -> Vec<u8> {
        (0..100)
            .map(|i| u8::from(i % 5 == 1 || i % 7 == 3))
            .collect()
    }

    fn positives(labels: &[u8], idx: &[usize]) -> usize {
        idx.iter().filter(|&&i| labels[i] == 1).count()
    }

    #[test]
    fn split_is_stratified_disjoint_and_covering() {
        let y = labels();
        let total_pos = positives(&y, &(0..y.len()).collect::<Vec<_>>());
        assert_eq!(total_pos, 32);
        let (train, test) = stratified_split(&y, 0.2, 42).unwrap();
        assert_eq!(test.len(), 20); // round(0.2*32)=6 + round(0.2*68)=14
        assert_eq!(train.len(), 80);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        // Expected positives in test: 0.2 * 32 = 6.4 -> within one row.
        let pos_test = positives(&y, &test) as f64;
        assert!(
            (pos_test - 0.2 * total_pos as f64).abs() <= 1.0,
            "{pos_test}"
        );
        let pos_train = positives(&y, &train) as f64;
        assert!(
            (pos_train - 0.8 * total_pos as f64).abs() <= 1.0,
            "{pos_train}"
        );
        assert!(train.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn split_is_reproducible_and_seed_dependent() {
        let y = labels();
        let a = stratified_split(&y, 0.25, 7).unwrap();
        let b = stratified_split(&y, 0.25, 7).unwrap();
        let c = stratified_split(&y, 0.25, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.1, c.1);
    }

    #[test]
    fn split_refusals() {
        let y = labels();
        assert_eq!(stratified_split(&y, 0.0, 1), Err(SplitError::TestSize(0.0)));
        assert_eq!(stratified_split(&y, 1.0, 1), Err(SplitError::TestSize(1.0)));
        assert!(matches!(
            stratified_split(&y, f64::NAN, 1),
            Err(SplitError::TestSize(_))
        ));
        assert_eq!(stratified_split(&[], 0.2, 1), Err(SplitError::Empty));
        assert_eq!(
            stratified_split(&[0, 0, 0, 1], 0.5, 1),
            Err(SplitError::ClassTooSmall { class: 1, count: 1 })
        );
    }

    #[test]
    fn kfold_disjoint_covering_stratified() {
        let y = labels();
        let folds = stratified_kfold(&y, 5, 3).unwrap();
        assert_eq!(folds.len(), 5);
        let mut seen = vec![0usize; y.len()];
        for (train, test) in &folds {
            assert_eq!(train.len() + test.len(), y.len());
            assert!(train.iter().all(|i| !test.contains(i)));
            for &i in test {
                seen[i] += 1;
            }
            assert_eq!(test.len(), 20);
            // 32 positives over 5 folds: 6 or 7 per fold.
            let p = positives(&y, test);
            assert!((6..=7).contains(&p), "{p}");
        }
        assert!(
            seen.iter().all(|&s| s == 1),
            "every row tested exactly once"
        );
    }

    #[test]
    fn kfold_reproducible_and_refusals() {
        let y = labels();
        assert_eq!(
            stratified_kfold(&y, 4, 11).unwrap(),
            stratified_kfold(&y, 4, 11).unwrap()
        );
        assert_ne!(
            stratified_kfold(&y, 4, 11).unwrap(),
            stratified_kfold(&y, 4, 12).unwrap()
        );
        assert_eq!(
            stratified_kfold(&y, 1, 0),
            Err(SplitError::Folds { k: 1, smallest: 32 })
        );
        assert_eq!(
            stratified_kfold(&y, 33, 0),
            Err(SplitError::Folds {
                k: 33,
                smallest: 32
            })
        );
    }

    #[test]
    fn select_picks_in_order() {
        assert_eq!(select(&["a", "b", "c", "d"], &[3, 0]), ["d", "a"]);
    }
}
