//! Gradient-boosted trees on forust-ml 0.8: an XGBoost-style member and a
//! scikit-learn-`GradientBoostingClassifier`-style member, both with the log-loss objective.
//!
//! forust has no `scale_pos_weight`, so it is applied as a sample weight on the positive rows
//! (which is what XGBoost does internally). Early stopping uses a seeded, stratified internal
//! validation part of the training rows (10%, at least one row of each class); the model then
//! predicts with the best iteration. The boosters run single-threaded: the data is small and
//! this keeps results independent of the machine.

use forust_ml::gradientbooster::{GrowPolicy, ImportanceMethod, MissingNodeTreatment};
use forust_ml::metric::Metric;
use forust_ml::objective::ObjectiveType;
use forust_ml::sampler::SampleMethod;
use forust_ml::{GradientBooster, Matrix};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;

use crate::params::{GradientBoostingParams, XGBoostParams};
use crate::schema::{FeatureVector, N_FEATURES};

/// Share of the training rows held back for early stopping.
const EARLY_STOPPING_SHARE: f64 = 0.1;

/// Errors of the boosting members.
#[derive(Debug, thiserror::Error)]
pub enum BoostingError {
    /// No training rows, or rows and labels differ in length, or a label is not 0/1.
    #[error("gradient boosting: {0}")]
    BadInput(String),
    /// forust refused the parameters or the data.
    #[error("gradient boosting: {0}")]
    Forust(String),
}

/// A fitted forust booster, serialised as forust's own JSON (it does not survive bincode:
/// its `missing` field is written as `f64` but read back as `Option<f64>`).
struct Booster(GradientBooster);

impl std::fmt::Debug for Booster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Booster")
            .field("trees", &self.0.trees.len())
            .field("prediction_iteration", &self.0.prediction_iteration)
            .finish()
    }
}

impl Serialize for Booster {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let json = self.0.json_dump().map_err(serde::ser::Error::custom)?;
        s.serialize_str(&json)
    }
}

impl<'de> Deserialize<'de> for Booster {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = String::deserialize(d)?;
        GradientBooster::from_json(&json)
            .map(Booster)
            .map_err(serde::de::Error::custom)
    }
}

impl Booster {
    fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        if x.is_empty() {
            return Vec::new();
        }
        let data = column_major(x);
        let matrix = Matrix::new(&data, x.len(), N_FEATURES);
        self.0
            .predict(&matrix, false)
            .into_iter()
            .map(|z| 1.0 / (1.0 + (-z).exp()))
            .collect()
    }

    /// Total split gain per feature, normalised to sum to 1.
    fn feature_importances(&self) -> Vec<f64> {
        let map = self
            .0
            .calculate_feature_importance(ImportanceMethod::TotalGain, false);
        let mut out: Vec<f64> = (0..N_FEATURES)
            .map(|f| map.get(&f).copied().unwrap_or(0.0) as f64)
            .collect();
        let total: f64 = out.iter().sum();
        if total > 0.0 {
            out.iter_mut().for_each(|v| *v /= total);
        }
        out
    }

    /// Number of trees used for prediction.
    fn n_trees_used(&self) -> usize {
        self.0.prediction_iteration.unwrap_or(self.0.trees.len())
    }
}

/// The XGBoost-style member.
#[derive(Debug, Serialize, Deserialize)]
pub struct XgBoost {
    booster: Booster,
}

impl XgBoost {
    /// Fits on `x` and labels `y` (0/1) with `train.xgboost` settings. NaN features are
    /// allowed (forust learns where missing values go).
    pub fn fit(
        x: &[FeatureVector],
        y: &[u8],
        params: &XGBoostParams,
        seed: u64,
    ) -> Result<Self, BoostingError> {
        check_input(x, y)?;
        let mut booster = base_booster(
            params.n_estimators_xgb,
            params.learning_rate,
            params.max_depth_xgb,
            params.subsample,
            seed,
        )?
        .set_l1(params.reg_alpha as f32)
        .set_l2(params.reg_lambda as f32)
        .set_gamma(params.gamma as f32)
        .set_min_leaf_weight(params.min_child_weight as f32)
        .set_colsample_bytree(params.colsample_bytree);
        let weight = |label: u8| {
            if label == 1 {
                params.scale_pos_weight
            } else {
                1.0
            }
        };
        match params.early_stopping_rounds {
            Some(rounds) if rounds > 0 => {
                let (fit_rows, val_rows) = validation_split(y, seed);
                booster = booster
                    .set_evaluation_metric(Some(Metric::LogLoss))
                    .set_early_stopping_rounds(Some(rounds));
                let (xf, yf, wf) = gather(x, y, &fit_rows, weight);
                let (xv, yv, wv) = gather(x, y, &val_rows, weight);
                let mf = Matrix::new(&xf, fit_rows.len(), N_FEATURES);
                let mv = Matrix::new(&xv, val_rows.len(), N_FEATURES);
                booster
                    .fit(&mf, &yf, &wf, Some(vec![(mv, &yv, &wv)]))
                    .map_err(|e| BoostingError::Forust(e.to_string()))?;
            }
            _ => {
                let all: Vec<usize> = (0..y.len()).collect();
                let (xf, yf, wf) = gather(x, y, &all, weight);
                let mf = Matrix::new(&xf, y.len(), N_FEATURES);
                booster
                    .fit(&mf, &yf, &wf, None)
                    .map_err(|e| BoostingError::Forust(e.to_string()))?;
            }
        }
        Ok(XgBoost {
            booster: Booster(booster),
        })
    }

    /// P(label = 1) for each row.
    pub fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        self.booster.predict_proba(x)
    }

    /// Total-gain importances per feature, summing to 1.
    pub fn feature_importances(&self) -> Vec<f64> {
        self.booster.feature_importances()
    }

    /// Number of boosting rounds used for prediction (after early stopping).
    pub fn n_rounds(&self) -> usize {
        self.booster.n_trees_used()
    }
}

/// The scikit-learn-style gradient-boosting member: log loss, no regularisation.
#[derive(Debug, Serialize, Deserialize)]
pub struct GradientBoosting {
    booster: Booster,
}

impl GradientBoosting {
    /// Fits on `x` and labels `y` (0/1). `min_samples_leaf` becomes a minimum hessian sum of
    /// `min_samples_leaf * p * (1 - p)` with `p` the training share of class 1 (the hessian a
    /// row has at the start of boosting), since forust limits leaves by hessian, not rows.
    pub fn fit(
        x: &[FeatureVector],
        y: &[u8],
        params: &GradientBoostingParams,
        seed: u64,
    ) -> Result<Self, BoostingError> {
        check_input(x, y)?;
        let p = y.iter().filter(|&&v| v == 1).count() as f64 / y.len() as f64;
        let min_hessian = (params.min_samples_leaf as f64 * p * (1.0 - p)).max(1e-3);
        let mut booster = base_booster(
            params.n_estimators,
            params.learning_rate,
            params.max_depth,
            params.subsample,
            seed,
        )?
        .set_l2(0.0)
        .set_gamma(0.0)
        .set_min_leaf_weight(min_hessian as f32);
        let all: Vec<usize> = (0..y.len()).collect();
        let (xf, yf, wf) = gather(x, y, &all, |_| 1.0);
        let mf = Matrix::new(&xf, y.len(), N_FEATURES);
        booster
            .fit(&mf, &yf, &wf, None)
            .map_err(|e| BoostingError::Forust(e.to_string()))?;
        Ok(GradientBoosting {
            booster: Booster(booster),
        })
    }

    /// P(label = 1) for each row.
    pub fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        self.booster.predict_proba(x)
    }

    /// Total-gain importances per feature, summing to 1.
    pub fn feature_importances(&self) -> Vec<f64> {
        self.booster.feature_importances()
    }
}

fn check_input(x: &[FeatureVector], y: &[u8]) -> Result<(), BoostingError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(BoostingError::BadInput(format!(
            "need the same non-zero number of rows and labels, got {} rows and {} labels",
            x.len(),
            y.len()
        )));
    }
    if let Some(bad) = y.iter().find(|&&v| v > 1) {
        return Err(BoostingError::BadInput(format!(
            "label {bad} is not 0 or 1"
        )));
    }
    Ok(())
}

/// A log-loss booster with the settings both members share.
fn base_booster(
    rounds: usize,
    learning_rate: f64,
    max_depth: usize,
    subsample: f64,
    seed: u64,
) -> Result<GradientBooster, BoostingError> {
    let sample_method = if subsample < 1.0 {
        SampleMethod::Random
    } else {
        SampleMethod::None
    };
    GradientBooster::new(
        ObjectiveType::LogLoss,
        rounds,
        learning_rate as f32,
        max_depth,
        usize::MAX,
        0.0,
        1.0,
        0.0,
        0.0,
        1.0,
        0.5,
        256,
        false,
        true,
        None,
        subsample as f32,
        0.2,
        0.1,
        1.0,
        seed,
        f64::NAN,
        false,
        sample_method,
        GrowPolicy::DepthWise,
        None,
        None,
        true,
        HashSet::new(),
        MissingNodeTreatment::AssignToParent,
        0,
        false,
    )
    .map_err(|e| BoostingError::Forust(e.to_string()))
}

/// Column-major copy of `x`, as forust's [`Matrix`] expects.
fn column_major(x: &[FeatureVector]) -> Vec<f64> {
    (0..N_FEATURES)
        .flat_map(|f| x.iter().map(move |row| row[f]))
        .collect()
}

/// Column-major features, labels and weights of the rows `idx`.
fn gather(
    x: &[FeatureVector],
    y: &[u8],
    idx: &[usize],
    weight: impl Fn(u8) -> f64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let rows: Vec<FeatureVector> = idx.iter().map(|&i| x[i]).collect();
    let labels = idx.iter().map(|&i| f64::from(y[i])).collect();
    let weights = idx.iter().map(|&i| weight(y[i])).collect();
    (column_major(&rows), labels, weights)
}

/// Seeded stratified split of the rows into (fit, validation), sorted by row index.
fn validation_split(y: &[u8], seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0fe5);
    let mut fit = Vec::new();
    let mut val = Vec::new();
    for class in [0u8, 1] {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rows.shuffle(&mut rng);
        let n_val = if rows.len() >= 2 {
            ((rows.len() as f64 * EARLY_STOPPING_SHARE).round() as usize).clamp(1, rows.len() - 1)
        } else {
            0
        };
        val.extend_from_slice(&rows[..n_val]);
        fit.extend_from_slice(&rows[n_val..]);
    }
    fit.sort_unstable();
    val.sort_unstable();
    (fit, val)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Label = 1 when feature 0 + feature 1 > 1, plus 10% label noise.
    fn toy(n: usize, seed: u64) -> (Vec<FeatureVector>, Vec<u8>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let row: FeatureVector = std::array::from_fn(|_| rng.gen_range(0.0..1.0));
            let mut label = u8::from(row[0] + row[1] > 1.0);
            if rng.gen_bool(0.1) {
                label ^= 1;
            }
            x.push(row);
            y.push(label);
        }
        (x, y)
    }

    fn xgb_params() -> XGBoostParams {
        XGBoostParams {
            learning_rate: 0.1,
            max_depth_xgb: 3,
            n_estimators_xgb: 100,
            scale_pos_weight: 1.0,
            subsample: 0.8,
            colsample_bytree: 0.8,
            gamma: 0.0,
            min_child_weight: 1.0,
            reg_alpha: 0.0,
            reg_lambda: 1.0,
            early_stopping_rounds: None,
        }
    }

    fn accuracy(p: &[f64], y: &[u8]) -> f64 {
        let hits = p.iter().zip(y).filter(|(p, y)| u8::from(**p >= 0.5) == **y);
        hits.count() as f64 / y.len() as f64
    }

    #[test]
    fn xgboost_learns_and_round_trips_through_json_and_bincode() {
        let (x, y) = toy(600, 1);
        let (xt, yt) = toy(400, 2);
        let model = XgBoost::fit(&x, &y, &xgb_params(), 3).unwrap();
        let p = model.predict_proba(&xt);
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        let acc = accuracy(&p, &yt);
        assert!(acc > 0.8, "accuracy {acc}");
        let imp = model.feature_importances();
        assert!(imp[0] + imp[1] > 0.6, "importances {imp:?}");
        let bytes = bincode::serialize(&model).unwrap();
        let back: XgBoost = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back.predict_proba(&xt), p);
        assert_eq!(bincode::serialize(&back).unwrap(), bytes);
        let again = bincode::serialize(&XgBoost::fit(&x, &y, &xgb_params(), 3).unwrap()).unwrap();
        assert_eq!(again, bytes);
    }

    #[test]
    fn early_stopping_cuts_rounds() {
        let (x, y) = toy(600, 4);
        let params = XGBoostParams {
            n_estimators_xgb: 2000,
            learning_rate: 0.3,
            early_stopping_rounds: Some(10),
            ..xgb_params()
        };
        let model = XgBoost::fit(&x, &y, &params, 3).unwrap();
        assert!(model.n_rounds() < 2000, "rounds {}", model.n_rounds());
        assert!(model.n_rounds() >= 1);
    }

    #[test]
    fn scale_pos_weight_raises_positive_probabilities() {
        let (x, y) = toy(600, 5);
        let plain = XgBoost::fit(&x, &y, &xgb_params(), 3).unwrap();
        let heavy = XgBoost::fit(
            &x,
            &y,
            &XGBoostParams {
                scale_pos_weight: 4.0,
                ..xgb_params()
            },
            3,
        )
        .unwrap();
        let mean = |p: Vec<f64>| p.iter().sum::<f64>() / p.len() as f64;
        let (a, b) = (mean(plain.predict_proba(&x)), mean(heavy.predict_proba(&x)));
        assert!(b > a + 0.1, "plain {a}, weighted {b}");
    }

    #[test]
    fn gradient_boosting_learns() {
        let (x, y) = toy(600, 6);
        let (xt, yt) = toy(400, 7);
        let params = GradientBoostingParams {
            n_estimators: 100,
            learning_rate: 0.1,
            max_depth: 3,
            subsample: 0.8,
            min_samples_leaf: 1,
        };
        let model = GradientBoosting::fit(&x, &y, &params, 1).unwrap();
        let acc = accuracy(&model.predict_proba(&xt), &yt);
        assert!(acc > 0.8, "accuracy {acc}");
        assert!(matches!(
            GradientBoosting::fit(&x[..2], &y[..1], &params, 1),
            Err(BoostingError::BadInput(_))
        ));
    }

    #[test]
    fn validation_split_is_stratified_and_disjoint() {
        let y: Vec<u8> = (0..100).map(|i| u8::from(i % 5 == 0)).collect();
        let (fit, val) = validation_split(&y, 9);
        assert_eq!(fit.len() + val.len(), 100);
        assert_eq!(val.len(), 10);
        assert_eq!(val.iter().filter(|&&i| y[i] == 1).count(), 2);
        assert!(val.iter().all(|i| !fit.contains(i)));
    }
}
