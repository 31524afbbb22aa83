//! A small random forest classifier for the two-class potability problem.
//!
//! Written by hand because smartcore's random forest gives neither class probabilities nor
//! class weights, and both are required here: the soft-voting ensemble averages
//! probabilities, ROC AUC / log loss / Brier need them, and the original system trained with
//! `class_weight: balanced`. The algorithm follows scikit-learn's `RandomForestClassifier`:
//! bootstrap samples (drawn as per-row counts), a fresh random feature subset at every split,
//! Gini impurity, midpoint thresholds, `min_samples_split` / `min_samples_leaf` counted in
//! distinct rows, leaf probabilities = weighted class frequencies averaged over trees, and
//! impurity-based feature importances. Every tree gets its own ChaCha seed drawn from the
//! forest seed, so the result does not depend on how many threads build it.

use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::params::{ClassWeight, MaxFeatures, RandomForestParams};
use crate::schema::{FeatureVector, N_FEATURES};

/// Errors of [`RandomForest::fit`].
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ForestError {
    /// No training rows, or rows and labels differ in length.
    #[error("random forest: {0}")]
    BadInput(String),
    /// A feature value is NaN or infinite (impute before fitting).
    #[error("random forest: row {row} has a non-finite value in feature {feature}")]
    NonFinite {
        /// Row index.
        row: usize,
        /// Feature index.
        feature: usize,
    },
    /// A hyper-parameter is out of range.
    #[error("random forest: {0}")]
    BadParam(String),
}

/// Hyper-parameters of [`RandomForest`]: `train.random_forest` plus bootstrap and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    /// Number of trees.
    pub n_estimators: usize,
    /// Maximum tree depth (`None` = grow until pure or limited by the sample counts).
    pub max_depth: Option<usize>,
    /// A node with fewer distinct rows than this is a leaf (>= 2).
    pub min_samples_split: usize,
    /// Each child keeps at least this many distinct rows (>= 1).
    pub min_samples_leaf: usize,
    /// Features tried per split.
    pub max_features: MaxFeatures,
    /// Class weighting.
    pub class_weight: ClassWeight,
    /// Draw a bootstrap sample per tree (otherwise every tree sees all rows once).
    pub bootstrap: bool,
    /// Seed of all randomness.
    pub seed: u64,
}

impl ForestParams {
    /// The params.yaml settings with bootstrap on and the given seed.
    pub fn new(p: &RandomForestParams, seed: u64) -> Self {
        ForestParams {
            n_estimators: p.n_estimators,
            max_depth: p.max_depth,
            min_samples_split: p.min_samples_split,
            min_samples_leaf: p.min_samples_leaf,
            max_features: p.max_features,
            class_weight: p.class_weight,
            bootstrap: true,
            seed,
        }
    }
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_estimators: 100,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: MaxFeatures::Sqrt,
            class_weight: ClassWeight::None,
            bootstrap: true,
            seed: 0,
        }
    }
}

/// One tree node in 16 bytes (prediction walks ~500 trees per request, so it is bound by
/// memory traffic; small nodes with adjacent siblings keep it fast).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Node {
    /// A split's threshold, or a leaf's weighted share of class 1.
    value: f64,
    /// A split's left child in [`Tree::nodes`]; the right child follows it.
    left: u32,
    /// A split's feature index, or [`LEAF`].
    feature: u32,
}

/// [`Node::feature`] of a leaf.
const LEAF: u32 = u32::MAX;

impl Node {
    fn leaf(probability: f64) -> Self {
        Node {
            value: probability,
            left: 0,
            feature: LEAF,
        }
    }
}

/// One fitted decision tree. Every split's children come after it (so a walk always ends),
/// which decoding checks: a damaged artifact cannot make prediction loop or index out of
/// bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Node>", into = "Vec<Node>")]
struct Tree {
    nodes: Vec<Node>,
}

impl TryFrom<Vec<Node>> for Tree {
    type Error = String;

    fn try_from(nodes: Vec<Node>) -> Result<Self, Self::Error> {
        if nodes.is_empty() {
            return Err("a tree without nodes".into());
        }
        for (i, node) in nodes.iter().enumerate() {
            let split = node.feature != LEAF;
            if split && (node.feature as usize >= N_FEATURES || node.value.is_nan()) {
                return Err(format!(
                    "node {i} splits on an invalid feature or threshold"
                ));
            }
            if split && (node.left as usize <= i || node.left as usize + 1 >= nodes.len()) {
                return Err(format!("node {i} has children out of order or range"));
            }
        }
        Ok(Tree { nodes })
    }
}

impl From<Tree> for Vec<Node> {
    fn from(tree: Tree) -> Self {
        tree.nodes
    }
}

/// Trees walked side by side by [`walk`].
const LANES: usize = 8;

/// The leaf values `x` reaches in each of `trees` (at most [`LANES`]), in tree order.
///
/// Prediction is bound by memory latency: each step down a tree is a load that often misses
/// the cache. Walking several trees in lockstep makes those loads independent, so the CPU
/// overlaps their misses. Rows with `x[feature] <= threshold` go left, the others (and NaN)
/// right; the child is picked without a branch, since these comparisons are unpredictable.
fn walk(trees: &[Tree], x: &FeatureVector) -> [f64; LANES] {
    let mut at: [Node; LANES] =
        std::array::from_fn(|k| trees.get(k).map_or(Node::leaf(0.0), |t| t.nodes[0]));
    loop {
        let mut moved = false;
        for (node, tree) in at.iter_mut().zip(trees) {
            if node.feature != LEAF {
                let goes_left = x[node.feature as usize] <= node.value;
                *node = tree.nodes[node.left as usize + usize::from(!goes_left)];
                moved = true;
            }
        }
        if !moved {
            return at.map(|n| n.value);
        }
    }
}

/// A fitted random forest: P(label = 1) is the mean of the trees' leaf frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    params: ForestParams,
    trees: Vec<Tree>,
    importances: Vec<f64>,
}

/// Weighted class totals.
#[derive(Debug, Clone, Copy, Default)]
struct ClassSums {
    w0: f64,
    w1: f64,
}

impl ClassSums {
    fn total(self) -> f64 {
        self.w0 + self.w1
    }
    fn gini(self) -> f64 {
        let t = self.total();
        if t <= 0.0 {
            return 0.0;
        }
        1.0 - (self.w0 * self.w0 + self.w1 * self.w1) / (t * t)
    }
    /// `sum w_c^2 / W`: maximising the children's sum of this minimises weighted Gini.
    fn proxy(self) -> f64 {
        let t = self.total();
        if t <= 0.0 {
            0.0
        } else {
            (self.w0 * self.w0 + self.w1 * self.w1) / t
        }
    }
    fn add(&mut self, y: u8, w: f64) {
        if y == 1 {
            self.w1 += w;
        } else {
            self.w0 += w;
        }
    }
}

/// Best split of a node.
struct Split {
    feature: usize,
    threshold: f64,
    /// Weighted impurity decrease (for feature importances).
    improvement: f64,
}

/// Everything a tree builder reads.
struct TreeInput<'a> {
    x: &'a [FeatureVector],
    y: &'a [u8],
    class_weight: [f64; 2],
    params: &'a ForestParams,
    n_try: usize,
    /// Per feature, the rank of each row's value (equal values share a rank).
    rank: Vec<Vec<u32>>,
    /// Per feature, all rows sorted by (value, row).
    order: Vec<Vec<u32>>,
}

impl<'a> TreeInput<'a> {
    fn new(
        x: &'a [FeatureVector],
        y: &'a [u8],
        class_weight: [f64; 2],
        params: &'a ForestParams,
    ) -> Self {
        let mut rank = Vec::with_capacity(N_FEATURES);
        let mut order = Vec::with_capacity(N_FEATURES);
        for f in 0..N_FEATURES {
            let mut rows: Vec<u32> = (0..x.len() as u32).collect();
            rows.sort_by(|&a, &b| x[a as usize][f].total_cmp(&x[b as usize][f]));
            let mut r = vec![0u32; x.len()];
            let mut current = 0u32;
            for k in 1..rows.len() {
                if x[rows[k] as usize][f] != x[rows[k - 1] as usize][f] {
                    current += 1;
                }
                r[rows[k] as usize] = current;
            }
            rank.push(r);
            order.push(rows);
        }
        TreeInput {
            x,
            y,
            class_weight,
            params,
            n_try: params.max_features.resolve(N_FEATURES),
            rank,
            order,
        }
    }
}

impl RandomForest {
    /// Fits a forest on `x` (finite values) and binary labels `y` (0/1).
    pub fn fit(x: &[FeatureVector], y: &[u8], params: &ForestParams) -> Result<Self, ForestError> {
        validate(x, y, params)?;
        let n = y.len();
        let n1 = y.iter().filter(|&&v| v == 1).count();
        let class_weight = match params.class_weight {
            ClassWeight::None => [1.0, 1.0],
            ClassWeight::Balanced => {
                let w = |count: usize| {
                    if count == 0 {
                        1.0
                    } else {
                        n as f64 / (2.0 * count as f64)
                    }
                };
                [w(n - n1), w(n1)]
            }
        };
        let input = TreeInput::new(x, y, class_weight, params);
        let mut master = ChaCha8Rng::seed_from_u64(params.seed);
        let seeds: Vec<u64> = (0..params.n_estimators)
            .map(|_| master.next_u64())
            .collect();
        let threads = worker_threads().min(seeds.len());
        let chunk = seeds.len().div_ceil(threads);
        let built: Vec<(Tree, [f64; N_FEATURES])> = std::thread::scope(|scope| {
            let handles: Vec<_> = seeds
                .chunks(chunk)
                .map(|part| {
                    let input = &input;
                    scope.spawn(move || {
                        part.iter()
                            .map(|&s| build_tree(input, s))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("tree builder thread panicked"))
                .collect()
        });
        let mut importances = vec![0.0; N_FEATURES];
        let mut trees = Vec::with_capacity(built.len());
        for (tree, imp) in built {
            let total: f64 = imp.iter().sum();
            if total > 0.0 {
                for (acc, v) in importances.iter_mut().zip(imp) {
                    *acc += v / total;
                }
            }
            trees.push(tree);
        }
        let total: f64 = importances.iter().sum();
        if total > 0.0 {
            importances.iter_mut().for_each(|v| *v /= total);
        }
        Ok(RandomForest {
            params: params.clone(),
            trees,
            importances,
        })
    }

    /// P(label = 1) for each row.
    /// Large batches are split over threads by rows; each row's sum runs in tree order, so
    /// the result does not depend on the split.
    pub fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        let threads = if x.len() * self.trees.len() >= 200_000 {
            worker_threads().min(x.len())
        } else {
            1
        };
        if threads <= 1 {
            return self.predict_chunk(x);
        }
        let chunk = x.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = x
                .chunks(chunk)
                .map(|part| scope.spawn(move || self.predict_chunk(part)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("forest prediction thread panicked"))
                .collect()
        })
    }

    /// Sums each row's leaf values in tree order, a group of [`LANES`] trees at a time (the
    /// group stays in cache across the rows of a batch).
    fn predict_chunk(&self, x: &[FeatureVector]) -> Vec<f64> {
        let mut sums = vec![0.0; x.len()];
        for group in self.trees.chunks(LANES) {
            for (acc, row) in sums.iter_mut().zip(x) {
                for value in &walk(group, row)[..group.len()] {
                    *acc += value;
                }
            }
        }
        let k = self.trees.len() as f64;
        sums.iter_mut().for_each(|v| *v /= k);
        sums
    }

    /// Mean decrease in (weighted) Gini impurity per feature, summing to 1 (all zeros if no
    /// tree split at all).
    pub fn feature_importances(&self) -> &[f64] {
        &self.importances
    }

    /// The hyper-parameters the forest was fitted with.
    pub fn params(&self) -> &ForestParams {
        &self.params
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Total number of nodes over all trees.
    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }
}

/// Threads used to build trees and predict large batches (the machine's cores, at most 8).
fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

fn validate(x: &[FeatureVector], y: &[u8], params: &ForestParams) -> Result<(), ForestError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(ForestError::BadInput(format!(
            "need the same non-zero number of rows and labels, got {} rows and {} labels",
            x.len(),
            y.len()
        )));
    }
    if let Some(bad) = y.iter().find(|&&v| v > 1) {
        return Err(ForestError::BadInput(format!("label {bad} is not 0 or 1")));
    }
    for (row, values) in x.iter().enumerate() {
        if let Some(feature) = values.iter().position(|v| !v.is_finite()) {
            return Err(ForestError::NonFinite { row, feature });
        }
    }
    if params.n_estimators == 0 {
        return Err(ForestError::BadParam("n_estimators must be >= 1".into()));
    }
    if params.min_samples_split < 2 {
        return Err(ForestError::BadParam(
            "min_samples_split must be >= 2".into(),
        ));
    }
    if params.min_samples_leaf < 1 {
        return Err(ForestError::BadParam(
            "min_samples_leaf must be >= 1".into(),
        ));
    }
    if params.max_depth == Some(0) {
        return Err(ForestError::BadParam("max_depth must be >= 1".into()));
    }
    Ok(())
}

/// Builds one tree from its own seed; returns the tree and its unnormalised importances.
fn build_tree(input: &TreeInput, seed: u64) -> (Tree, [f64; N_FEATURES]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = input.y.len();
    let mut counts = vec![0u32; n];
    if input.params.bootstrap {
        for _ in 0..n {
            counts[rng.gen_range(0..n)] += 1;
        }
    } else {
        counts.fill(1);
    }
    let weight: Vec<f64> = counts
        .iter()
        .zip(input.y)
        .map(|(&c, &label)| c as f64 * input.class_weight[label as usize])
        .collect();
    let mut samples: Vec<u32> = (0..n as u32).filter(|&i| counts[i as usize] > 0).collect();
    let mut importances = [0.0; N_FEATURES];
    let mut nodes = vec![Node::leaf(0.0)];
    let mut stack = vec![(0usize, 0usize, samples.len(), 0usize)];
    let mut scratch = Scratch {
        stamp: vec![0; n],
        mark: 0,
        keys: Vec::with_capacity(samples.len()),
        rows: Vec::with_capacity(samples.len()),
        features: std::array::from_fn(|i| i),
    };
    let p = input.params;
    while let Some((id, start, end, depth)) = stack.pop() {
        let mut sums = ClassSums::default();
        for &i in &samples[start..end] {
            sums.add(input.y[i as usize], weight[i as usize]);
        }
        let count = end - start;
        let is_leaf = p.max_depth.is_some_and(|d| depth >= d)
            || count < p.min_samples_split
            || count < 2 * p.min_samples_leaf
            || sums.gini() <= 1e-12;
        let split = if is_leaf {
            None
        } else {
            best_split(
                input,
                &weight,
                &samples[start..end],
                sums,
                &mut scratch,
                &mut rng,
            )
        };
        match split {
            None => nodes[id] = Node::leaf(sums.w1 / sums.total()),
            Some(s) => {
                importances[s.feature] += s.improvement;
                let part = &mut samples[start..end];
                let mut mid = 0;
                for k in 0..part.len() {
                    if input.x[part[k] as usize][s.feature] <= s.threshold {
                        part.swap(k, mid);
                        mid += 1;
                    }
                }
                let left = nodes.len();
                nodes.push(Node::leaf(0.0));
                nodes.push(Node::leaf(0.0));
                nodes[id] = Node {
                    value: s.threshold,
                    left: left as u32,
                    feature: s.feature as u32,
                };
                stack.push((left + 1, start + mid, end, depth + 1));
                stack.push((left, start, start + mid, depth + 1));
            }
        }
    }
    (Tree { nodes }, importances)
}

/// Scratch space of one tree builder.
struct Scratch {
    /// Node mark of each row (rows of the node being split carry `mark`).
    stamp: Vec<u32>,
    mark: u32,
    keys: Vec<u64>,
    rows: Vec<u32>,
    features: [usize; N_FEATURES],
}

/// Searches a random subset of features (constant ones don't count) for the split that
/// minimises the children's weighted Gini impurity. Each feature's rows are ordered by
/// (value, row): by sorting when the node is small, by filtering the presorted order of all
/// rows when it is large (both give the same order, so the choice never changes the tree).
fn best_split(
    input: &TreeInput,
    weight: &[f64],
    samples: &[u32],
    sums: ClassSums,
    scratch: &mut Scratch,
    rng: &mut ChaCha8Rng,
) -> Option<Split> {
    let msl = input.params.min_samples_leaf;
    let n = samples.len();
    let n_all = input.y.len();
    let scan = n * 8 >= n_all;
    if scan {
        scratch.mark += 1;
        for &i in samples {
            scratch.stamp[i as usize] = scratch.mark;
        }
    }
    scratch.features.shuffle(rng);
    let mut tried = 0;
    let mut best: Option<(f64, usize, f64)> = None;
    for fi in 0..N_FEATURES {
        if tried >= input.n_try {
            break;
        }
        let f = scratch.features[fi];
        let rank = &input.rank[f];
        scratch.rows.clear();
        if scan {
            let (stamp, mark) = (&scratch.stamp, scratch.mark);
            scratch.rows.extend(
                input.order[f]
                    .iter()
                    .filter(|&&i| stamp[i as usize] == mark),
            );
        } else {
            scratch.keys.clear();
            scratch.keys.extend(
                samples
                    .iter()
                    .map(|&i| (u64::from(rank[i as usize]) << 32) | u64::from(i)),
            );
            scratch.keys.sort_unstable();
            scratch.rows.extend(scratch.keys.iter().map(|&k| k as u32));
        }
        let rows = &scratch.rows;
        if rank[rows[0] as usize] == rank[rows[n - 1] as usize] {
            continue;
        }
        tried += 1;
        let mut left = ClassSums::default();
        for k in 0..n - 1 {
            let i = rows[k] as usize;
            left.add(input.y[i], weight[i]);
            let next = rows[k + 1] as usize;
            if rank[i] == rank[next] || k + 1 < msl || n - k - 1 < msl {
                continue;
            }
            let right = ClassSums {
                w0: sums.w0 - left.w0,
                w1: sums.w1 - left.w1,
            };
            let score = left.proxy() + right.proxy();
            if best.is_none_or(|(b, _, _)| score > b) {
                let (v, next) = (input.x[i][f], input.x[next][f]);
                let mut threshold = v + (next - v) / 2.0;
                if threshold >= next || !threshold.is_finite() {
                    threshold = v;
                }
                best = Some((score, f, threshold));
            }
        }
    }
    let (_, feature, threshold) = best?;
    let mut left = ClassSums::default();
    for &i in samples {
        if input.x[i as usize][feature] <= threshold {
            left.add(input.y[i as usize], weight[i as usize]);
        }
    }
    let right = ClassSums {
        w0: sums.w0 - left.w0,
        w1: sums.w1 - left.w1,
    };
    let improvement =
        (sums.total() * sums.gini() - left.total() * left.gini() - right.total() * right.gini())
            .max(0.0);
    Some(Split {
        feature,
        threshold,
        improvement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two blobs separable on feature 2 only; the other features are noise.
    fn toy(n: usize, seed: u64) -> (Vec<FeatureVector>, Vec<u8>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let label = (i % 2) as u8;
            let mut row: FeatureVector = std::array::from_fn(|_| rng.gen_range(0.0..1.0));
            row[2] = if label == 1 { 5.0 } else { 1.0 } + rng.gen_range(0.0..1.0);
            x.push(row);
            y.push(label);
        }
        (x, y)
    }

    #[test]
    fn learns_separable_toy_set_perfectly() {
        let (x, y) = toy(200, 1);
        let params = ForestParams {
            n_estimators: 50,
            seed: 7,
            ..ForestParams::default()
        };
        let forest = RandomForest::fit(&x, &y, &params).unwrap();
        let (xt, yt) = toy(100, 2);
        let proba = forest.predict_proba(&xt);
        for (p, label) in proba.iter().zip(&yt) {
            assert!((0.0..=1.0).contains(p));
            assert_eq!((*p >= 0.5) as u8, *label, "p = {p}");
        }
        // Feature 2 carries all the signal.
        let imp = forest.feature_importances();
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(imp[2] > 0.5, "importances {imp:?}");
        assert_eq!(forest.n_trees(), 50);
    }

    #[test]
    fn probabilities_are_calibrated_leaf_frequencies() {
        // Identical rows with 3 of 4 labelled 1: no split is possible, so every tree is a
        // single leaf; without bootstrap its frequency is exactly 0.75.
        let x = vec![[1.0; N_FEATURES]; 4];
        let y = vec![1, 1, 1, 0];
        let params = ForestParams {
            n_estimators: 5,
            bootstrap: false,
            ..ForestParams::default()
        };
        let forest = RandomForest::fit(&x, &y, &params).unwrap();
        assert_eq!(forest.predict_proba(&x[..1]), vec![0.75]);
        assert_eq!(forest.n_nodes(), 5);
        assert_eq!(forest.feature_importances(), &[0.0; N_FEATURES]);
    }

    #[test]
    fn balanced_class_weights_shift_predictions_towards_minority() {
        let x = vec![[1.0; N_FEATURES]; 4];
        let y = vec![1, 0, 0, 0];
        let mut params = ForestParams {
            n_estimators: 3,
            bootstrap: false,
            ..ForestParams::default()
        };
        let plain = RandomForest::fit(&x, &y, &params).unwrap();
        assert_eq!(plain.predict_proba(&x[..1]), vec![0.25]);
        params.class_weight = ClassWeight::Balanced;
        let balanced = RandomForest::fit(&x, &y, &params).unwrap();
        // Weights 4/2 = 2 for the single positive and 4/6 for each negative: 2 / (2 + 2).
        assert!((balanced.predict_proba(&x[..1])[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn same_seed_same_model_bytes_other_seed_differs() {
        let (x, y) = toy(120, 3);
        let mut noisy = y.clone();
        noisy[0] ^= 1;
        noisy[5] ^= 1;
        let params = ForestParams {
            n_estimators: 20,
            seed: 11,
            ..ForestParams::default()
        };
        let a = bincode::serialize(&RandomForest::fit(&x, &noisy, &params).unwrap()).unwrap();
        let b = bincode::serialize(&RandomForest::fit(&x, &noisy, &params).unwrap()).unwrap();
        assert_eq!(a, b);
        let other = ForestParams { seed: 12, ..params };
        let c = bincode::serialize(&RandomForest::fit(&x, &noisy, &other).unwrap()).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn depth_and_leaf_limits_are_respected() {
        let (x, y) = toy(200, 4);
        let stump = RandomForest::fit(
            &x,
            &y,
            &ForestParams {
                n_estimators: 4,
                max_depth: Some(1),
                max_features: MaxFeatures::All,
                ..ForestParams::default()
            },
        )
        .unwrap();
        // A depth-1 tree is one split and two leaves.
        assert_eq!(stump.n_nodes(), 4 * 3);
        let big_leaves = RandomForest::fit(
            &x,
            &y,
            &ForestParams {
                n_estimators: 1,
                min_samples_leaf: 150,
                bootstrap: false,
                ..ForestParams::default()
            },
        )
        .unwrap();
        // 200 rows cannot be split into two children of at least 150.
        assert_eq!(big_leaves.n_nodes(), 1);
    }

    #[test]
    fn rejects_bad_input() {
        let x = vec![[f64::NAN; N_FEATURES]];
        assert_eq!(
            RandomForest::fit(&x, &[0], &ForestParams::default()),
            Err(ForestError::NonFinite { row: 0, feature: 0 })
        );
        assert!(matches!(
            RandomForest::fit(&[], &[], &ForestParams::default()),
            Err(ForestError::BadInput(_))
        ));
    }

    #[test]
    fn decoding_refuses_trees_that_could_loop_or_index_out_of_range() {
        let split = |left: u32, feature: u32| Node {
            value: 0.5,
            left,
            feature,
        };
        let decode = |nodes: Vec<Node>| {
            Tree::try_from(nodes).map(|t| walk(std::slice::from_ref(&t), &[0.0; N_FEATURES])[0])
        };
        let (l0, l1) = (Node::leaf(0.25), Node::leaf(0.75));
        assert_eq!(decode(vec![split(1, 0), l0, l1]), Ok(0.25));
        assert!(decode(vec![]).is_err());
        assert!(
            decode(vec![split(0, 0), l0, l1]).is_err(),
            "a child before its parent"
        );
        assert!(
            decode(vec![split(2, 0), l0, l1]).is_err(),
            "right child out of range"
        );
        assert!(decode(vec![split(1, 9), l0, l1]).is_err(), "no feature 9");
        let nan = Node {
            value: f64::NAN,
            ..split(1, 0)
        };
        assert!(decode(vec![nan, l0, l1]).is_err());
        // Bytes of a damaged tree fail to decode instead of failing later.
        let bytes = bincode::serialize(&vec![split(0, 0), l0, l1]).unwrap();
        assert!(bincode::deserialize::<Tree>(&bytes).is_err());
    }
}
