//! Pipeline parameters read from `params.yaml`, refused before any work when invalid.
//!
//! Parsing uses `deny_unknown_fields` everywhere and requires every key (nullable keys must be
//! written as `null`). [`Params::validate`] then checks each value; every violation names the
//! key path (e.g. `train.random_forest.n_estimators`) and the rule.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::schema::N_FEATURES;

/// One broken rule: the key path and what it must satisfy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamViolation {
    /// Dotted key path, e.g. `preprocess.test_size`.
    pub key: String,
    /// The rule, e.g. `must be in (0, 1)`.
    pub rule: String,
}

impl fmt::Display for ParamViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.rule)
    }
}

/// Why parameters could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// The file could not be read.
    #[error("cannot read params file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// YAML syntax, a missing/unknown key or a wrongly typed value (message names the key).
    #[error("invalid params: {0}")]
    Parse(String),
    /// Well-formed values that break a rule (all listed).
    #[error("invalid params: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ParamViolation>),
}

/// All pipeline parameters (the three sections of `params.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Missing values, outliers, scaling and the held-out split.
    pub preprocess: PreprocessParams,
    /// Model choice and hyper-parameters.
    pub train: TrainParams,
    /// Cross-validation and output.
    pub evaluate: EvaluateParams,
}

/// `preprocess` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreprocessParams {
    /// Drop incomplete training rows or impute them.
    pub missing_values: MissingValues,
    /// Imputation statistic (used when `missing_values: impute`).
    pub imputation: Imputation,
    /// Outlier handling for training rows.
    pub outliers: Outliers,
    /// IQR multiplier `f`: bounds are `[Q1 - f*IQR, Q3 + f*IQR]`; must be > 0.
    pub iqr_factor: f64,
    /// Standard scaling on/off.
    pub scale: bool,
    /// Held-out share, in (0, 1).
    pub test_size: f64,
    /// Seed for splits and models.
    pub random_state: u64,
}

/// Missing-value strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingValues {
    /// Drop training rows with any missing value.
    Drop,
    /// Fill missing values with a statistic fitted on the training rows.
    Impute,
}

/// Imputation statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Imputation {
    /// Column mean of the observed training values.
    Mean,
    /// Column median of the observed training values.
    Median,
}

/// Outlier handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outliers {
    /// Keep every row.
    None,
    /// Drop training rows outside the IQR bounds of any feature.
    Iqr,
}

/// `train` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainParams {
    /// Which model to train.
    pub model_type: ModelType,
    /// Random forest member.
    pub random_forest: RandomForestParams,
    /// XGBoost-style member.
    pub xgboost: XGBoostParams,
    /// Gradient-boosting member.
    pub gradient_boosting: GradientBoostingParams,
    /// RBF SVM member (absent in older params files: scikit-learn's `SVC` defaults).
    #[serde(default)]
    pub svm: SvmParams,
    /// Soft-voting weights of the ensemble members.
    pub voting_weights: VotingWeights,
}

/// Model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelType {
    /// Soft-voting ensemble of the members with a positive voting weight.
    Ensemble,
    /// Random forest alone.
    RandomForest,
    /// XGBoost-style boosting alone.
    XGBoost,
    /// Gradient boosting alone.
    GradientBoosting,
    /// RBF support-vector machine alone.
    #[serde(rename = "SVM")]
    Svm,
}

/// `train.random_forest` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomForestParams {
    /// Number of trees, >= 1.
    pub n_estimators: usize,
    /// Maximum depth (>= 1), `null` = unlimited.
    #[serde(deserialize_with = "required_option")]
    pub max_depth: Option<usize>,
    /// Minimum rows to split a node, >= 2.
    pub min_samples_split: usize,
    /// Minimum rows in a leaf, >= 1.
    pub min_samples_leaf: usize,
    /// Features sampled per split.
    pub max_features: MaxFeatures,
    /// Class weighting.
    pub class_weight: ClassWeight,
}

/// Features sampled at each split of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxFeatures {
    /// `ceil(sqrt(n))`, at least 1.
    Sqrt,
    /// `ceil(log2(n))`, at least 1.
    Log2,
    /// All features.
    All,
    /// A fixed count in `1..=9`.
    Count(usize),
}

impl MaxFeatures {
    /// The number of features to sample out of `n_features` (always in `1..=n_features`).
    pub fn resolve(self, n_features: usize) -> usize {
        let n = n_features.max(1);
        let k = match self {
            MaxFeatures::Sqrt => (n as f64).sqrt().ceil() as usize,
            MaxFeatures::Log2 => (n as f64).log2().ceil() as usize,
            MaxFeatures::All => n,
            MaxFeatures::Count(c) => c,
        };
        k.clamp(1, n)
    }
}

/// Stable form of [`MaxFeatures`] for binary (non human-readable) formats.
#[derive(Serialize, Deserialize)]
enum MaxFeaturesRepr {
    Sqrt,
    Log2,
    All,
    Count(usize),
}

impl Serialize for MaxFeatures {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            match self {
                MaxFeatures::Sqrt => s.serialize_str("sqrt"),
                MaxFeatures::Log2 => s.serialize_str("log2"),
                MaxFeatures::All => s.serialize_str("all"),
                MaxFeatures::Count(c) => s.serialize_u64(*c as u64),
            }
        } else {
            match *self {
                MaxFeatures::Sqrt => MaxFeaturesRepr::Sqrt,
                MaxFeatures::Log2 => MaxFeaturesRepr::Log2,
                MaxFeatures::All => MaxFeaturesRepr::All,
                MaxFeatures::Count(c) => MaxFeaturesRepr::Count(c),
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for MaxFeatures {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            return Ok(match MaxFeaturesRepr::deserialize(d)? {
                MaxFeaturesRepr::Sqrt => MaxFeatures::Sqrt,
                MaxFeaturesRepr::Log2 => MaxFeatures::Log2,
                MaxFeaturesRepr::All => MaxFeatures::All,
                MaxFeaturesRepr::Count(c) => MaxFeatures::Count(c),
            });
        }
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = MaxFeatures;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("sqrt, log2, all or a positive integer count")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MaxFeatures, E> {
                match v {
                    "sqrt" => Ok(MaxFeatures::Sqrt),
                    "log2" => Ok(MaxFeatures::Log2),
                    "all" => Ok(MaxFeatures::All),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<MaxFeatures, E> {
                usize::try_from(v)
                    .map(MaxFeatures::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<MaxFeatures, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
                    .and_then(|u| self.visit_u64(u))
            }
        }
        d.deserialize_any(V)
    }
}

/// Class weighting of the random forest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Weights inversely proportional to class frequencies.
    Balanced,
    /// All rows weigh 1.
    None,
}

/// `train.xgboost` section (original XGBoost names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XGBoostParams {
    /// Shrinkage, in (0, 1].
    pub learning_rate: f64,
    /// Tree depth, >= 1.
    pub max_depth_xgb: usize,
    /// Boosting rounds, >= 1.
    pub n_estimators_xgb: usize,
    /// Weight of the positive class, > 0.
    pub scale_pos_weight: f64,
    /// Row subsample per round, in (0, 1].
    pub subsample: f64,
    /// Column subsample per tree, in (0, 1].
    pub colsample_bytree: f64,
    /// Minimum loss reduction to split, >= 0.
    pub gamma: f64,
    /// Minimum hessian sum in a child, >= 0.
    pub min_child_weight: f64,
    /// L1 regularisation, >= 0.
    pub reg_alpha: f64,
    /// L2 regularisation, >= 0.
    pub reg_lambda: f64,
    /// Stop after this many rounds without improvement (>= 1); `null` = never.
    #[serde(deserialize_with = "required_option")]
    pub early_stopping_rounds: Option<usize>,
}

/// `train.gradient_boosting` section (scikit-learn names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradientBoostingParams {
    /// Boosting stages, >= 1.
    pub n_estimators: usize,
    /// Shrinkage, in (0, 1].
    pub learning_rate: f64,
    /// Tree depth, >= 1.
    pub max_depth: usize,
    /// Row subsample per stage, in (0, 1].
    pub subsample: f64,
    /// Minimum rows in a leaf, >= 1.
    pub min_samples_leaf: usize,
}

/// `train.voting_weights` section: each >= 0, sum > 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VotingWeights {
    /// Weight of the random forest.
    pub random_forest: f64,
    /// Weight of the XGBoost-style member.
    pub xgboost: f64,
    /// Weight of the gradient-boosting member.
    pub gradient_boosting: f64,
    /// Weight of the SVM member (0 when absent, as in older params files).
    #[serde(default)]
    pub svm: f64,
}

/// `train.svm` section (scikit-learn's `SVC` names and defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvmParams {
    /// Regularisation `C`, > 0.
    pub c: f64,
    /// RBF kernel width: `scale` or a positive number.
    pub gamma: Gamma,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            c: 1.0,
            gamma: Gamma::Scale,
        }
    }
}

/// RBF kernel coefficient of the SVM.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gamma {
    /// `1 / (n_features * variance of all training values)`, as scikit-learn's `"scale"`.
    Scale,
    /// A fixed positive value.
    Value(f64),
}

impl Serialize for Gamma {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self, s.is_human_readable()) {
            (Gamma::Scale, true) => s.serialize_str("scale"),
            (Gamma::Value(g), true) => s.serialize_f64(*g),
            // Binary formats cannot tell a string from a number: `None` stands for `scale`.
            (Gamma::Scale, false) => s.serialize_none(),
            (Gamma::Value(g), false) => s.serialize_some(g),
        }
    }
}

impl<'de> Deserialize<'de> for Gamma {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            return Ok(Option::<f64>::deserialize(d)?.map_or(Gamma::Scale, Gamma::Value));
        }
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Gamma;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("scale or a positive number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Gamma, E> {
                if v == "scale" {
                    Ok(Gamma::Scale)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Gamma, E> {
                Ok(Gamma::Value(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Gamma, E> {
                Ok(Gamma::Value(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Gamma, E> {
                Ok(Gamma::Value(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// `evaluate` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateParams {
    /// Stratified CV folds on the training part, in 2..=50.
    pub cv_folds: usize,
    /// Where metrics are written (non-empty).
    pub metrics_path: String,
}

/// Makes an `Option` field required (it must be present, possibly as `null`).
fn required_option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// Upper bound on tree/round counts, to refuse typos such as 25000000.
pub const MAX_ESTIMATORS: usize = 10_000;
/// Upper bound on tree depth.
pub const MAX_DEPTH: usize = 64;
/// Upper bound on CV folds.
pub const MAX_CV_FOLDS: usize = 50;

impl Params {
    /// Reads, parses and validates a params file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ParamsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ParamsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml(&text)
    }

    /// Parses and validates YAML text.
    pub fn from_yaml(text: &str) -> Result<Self, ParamsError> {
        let params: Params =
            serde_yaml::from_str(text).map_err(|e| ParamsError::Parse(e.to_string()))?;
        params.validate()?;
        Ok(params)
    }

    /// Checks every value; lists all violations with their key paths.
    pub fn validate(&self) -> Result<(), ParamsError> {
        let mut c = Checker::default();
        let p = &self.preprocess;
        c.positive("preprocess.iqr_factor", p.iqr_factor);
        c.open_unit("preprocess.test_size", p.test_size);

        let rf = &self.train.random_forest;
        c.count(
            "train.random_forest.n_estimators",
            rf.n_estimators,
            1,
            MAX_ESTIMATORS,
        );
        if let Some(d) = rf.max_depth {
            c.count("train.random_forest.max_depth", d, 1, MAX_DEPTH);
        }
        c.count(
            "train.random_forest.min_samples_split",
            rf.min_samples_split,
            2,
            usize::MAX,
        );
        c.count(
            "train.random_forest.min_samples_leaf",
            rf.min_samples_leaf,
            1,
            usize::MAX,
        );
        if let MaxFeatures::Count(n) = rf.max_features {
            c.count("train.random_forest.max_features", n, 1, N_FEATURES);
        }

        let x = &self.train.xgboost;
        c.half_open_unit("train.xgboost.learning_rate", x.learning_rate);
        c.count("train.xgboost.max_depth_xgb", x.max_depth_xgb, 1, MAX_DEPTH);
        c.count(
            "train.xgboost.n_estimators_xgb",
            x.n_estimators_xgb,
            1,
            MAX_ESTIMATORS,
        );
        c.positive("train.xgboost.scale_pos_weight", x.scale_pos_weight);
        c.half_open_unit("train.xgboost.subsample", x.subsample);
        c.half_open_unit("train.xgboost.colsample_bytree", x.colsample_bytree);
        c.non_negative("train.xgboost.gamma", x.gamma);
        c.non_negative("train.xgboost.min_child_weight", x.min_child_weight);
        c.non_negative("train.xgboost.reg_alpha", x.reg_alpha);
        c.non_negative("train.xgboost.reg_lambda", x.reg_lambda);
        if let Some(r) = x.early_stopping_rounds {
            c.count("train.xgboost.early_stopping_rounds", r, 1, MAX_ESTIMATORS);
        }

        let g = &self.train.gradient_boosting;
        c.count(
            "train.gradient_boosting.n_estimators",
            g.n_estimators,
            1,
            MAX_ESTIMATORS,
        );
        c.half_open_unit("train.gradient_boosting.learning_rate", g.learning_rate);
        c.count(
            "train.gradient_boosting.max_depth",
            g.max_depth,
            1,
            MAX_DEPTH,
        );
        c.half_open_unit("train.gradient_boosting.subsample", g.subsample);
        c.count(
            "train.gradient_boosting.min_samples_leaf",
            g.min_samples_leaf,
            1,
            usize::MAX,
        );

        let s = &self.train.svm;
        c.positive("train.svm.c", s.c);
        if let Gamma::Value(g) = s.gamma {
            c.positive("train.svm.gamma", g);
        }

        let w = &self.train.voting_weights;
        c.non_negative("train.voting_weights.random_forest", w.random_forest);
        c.non_negative("train.voting_weights.xgboost", w.xgboost);
        c.non_negative(
            "train.voting_weights.gradient_boosting",
            w.gradient_boosting,
        );
        c.non_negative("train.voting_weights.svm", w.svm);
        let sum = w.random_forest + w.xgboost + w.gradient_boosting + w.svm;
        if self.train.model_type == ModelType::Ensemble && sum.is_finite() && sum <= 0.0 {
            c.fail(
                "train.voting_weights",
                "must not all be 0 when model_type is Ensemble",
            );
        }

        let e = &self.evaluate;
        c.count("evaluate.cv_folds", e.cv_folds, 2, MAX_CV_FOLDS);
        if e.metrics_path.trim().is_empty() {
            c.fail("evaluate.metrics_path", "must not be empty");
        }
        c.finish()
    }
}

impl Default for Params {
    /// The original Python system's parameters (`bench/original-params.yaml`).
    fn default() -> Self {
        Params {
            preprocess: PreprocessParams {
                missing_values: MissingValues::Impute,
                imputation: Imputation::Median,
                outliers: Outliers::None,
                iqr_factor: 1.5,
                scale: true,
                test_size: 0.2,
                random_state: 42,
            },
            train: TrainParams {
                model_type: ModelType::Ensemble,
                random_forest: RandomForestParams {
                    n_estimators: 250,
                    max_depth: Some(15),
                    min_samples_split: 5,
                    min_samples_leaf: 2,
                    max_features: MaxFeatures::Sqrt,
                    class_weight: ClassWeight::Balanced,
                },
                xgboost: XGBoostParams {
                    learning_rate: 0.05,
                    max_depth_xgb: 6,
                    n_estimators_xgb: 300,
                    scale_pos_weight: 1.5,
                    subsample: 0.8,
                    colsample_bytree: 0.8,
                    gamma: 0.1,
                    min_child_weight: 1.0,
                    reg_alpha: 0.1,
                    reg_lambda: 1.0,
                    early_stopping_rounds: Some(20),
                },
                gradient_boosting: GradientBoostingParams {
                    n_estimators: 250,
                    learning_rate: 0.05,
                    max_depth: 5,
                    subsample: 0.8,
                    min_samples_leaf: 1,
                },
                svm: SvmParams::default(),
                voting_weights: VotingWeights {
                    random_forest: 1.0,
                    xgboost: 1.0,
                    gradient_boosting: 1.0,
                    svm: 0.0,
                },
            },
            evaluate: EvaluateParams {
                cv_folds: 10,
                metrics_path: "metrics.json".to_string(),
            },
        }
    }
}

/// Collects violations.
#[derive(Default)]
struct Checker(Vec<ParamViolation>);

impl Checker {
    fn fail(&mut self, key: &str, rule: &str) {
        self.0.push(ParamViolation {
            key: key.to_string(),
            rule: rule.to_string(),
        });
    }
    fn positive(&mut self, key: &str, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.fail(key, "must be a finite number > 0");
        }
    }
    fn non_negative(&mut self, key: &str, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.fail(key, "must be a finite number >= 0");
        }
    }
    fn open_unit(&mut self, key: &str, v: f64) {
        if !(v > 0.0 && v < 1.0) {
            self.fail(key, "must be in (0, 1)");
        }
    }
    fn half_open_unit(&mut self, key: &str, v: f64) {
        if !(v > 0.0 && v <= 1.0) {
            self.fail(key, "must be in (0, 1]");
        }
    }
    fn count(&mut self, key: &str, v: usize, min: usize, max: usize) {
        if v < min || v > max {
            let rule = if max == usize::MAX {
                format!("must be an integer >= {min}")
            } else {
                format!("must be an integer in {min}..={max}")
            };
            self.fail(key, &rule);
        }
    }
    fn finish(self) -> Result<(), ParamsError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ParamsError::Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/original-params.yaml");

    fn project_yaml() -> String {
        std::fs::read_to_string(ORIGINAL).expect("bench/original-params.yaml")
    }

    /// The project's params.yaml with the first occurrence of `from` replaced by `to`.
    fn edited(from: &str, to: &str) -> String {
        let text = project_yaml();
        assert!(text.contains(from), "params.yaml contains {from:?}");
        text.replacen(from, to, 1)
    }

    fn message(yaml: &str) -> String {
        Params::from_yaml(yaml).unwrap_err().to_string()
    }

    #[test]
    fn project_params_file_is_valid() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../params.yaml");
        let p = Params::load(path).unwrap();
        assert_eq!(p.train.model_type, ModelType::Ensemble);
        assert_eq!(p.train.random_forest.n_estimators, 500);
        assert_eq!(p.train.svm.c, 0.5);
        assert_eq!(p.train.svm.gamma, Gamma::Scale);
        assert_eq!(p.train.voting_weights.svm, 3.0);
        assert_eq!(p.train.voting_weights.xgboost, 0.0);
    }

    #[test]
    fn original_params_file_parses_to_defaults() {
        let p = Params::load(ORIGINAL).unwrap();
        assert_eq!(p, Params::default());
        assert_eq!(p.train.random_forest.n_estimators, 250);
        assert_eq!(p.train.xgboost.early_stopping_rounds, Some(20));
        assert_eq!(p.evaluate.cv_folds, 10);
    }

    #[test]
    fn value_rules_name_key_and_rule() {
        let cases = [
            (
                "n_estimators: 250",
                "n_estimators: 0",
                "train.random_forest.n_estimators: must be an integer in 1..=10000",
            ),
            (
                "test_size: 0.2",
                "test_size: 1.0",
                "preprocess.test_size: must be in (0, 1)",
            ),
            (
                "test_size: 0.2",
                "test_size: .nan",
                "preprocess.test_size: must be in (0, 1)",
            ),
            (
                "iqr_factor: 1.5",
                "iqr_factor: -1",
                "preprocess.iqr_factor: must be a finite number > 0",
            ),
            (
                "max_depth: 15",
                "max_depth: 0",
                "train.random_forest.max_depth: must be an integer in 1..=64",
            ),
            (
                "min_samples_split: 5",
                "min_samples_split: 1",
                "train.random_forest.min_samples_split: must be an integer >= 2",
            ),
            (
                "min_samples_leaf: 2",
                "min_samples_leaf: 0",
                "train.random_forest.min_samples_leaf: must be an integer >= 1",
            ),
            (
                "max_features: sqrt",
                "max_features: 12",
                "train.random_forest.max_features: must be an integer in 1..=9",
            ),
            (
                "learning_rate: 0.05",
                "learning_rate: 1.5",
                "train.xgboost.learning_rate: must be in (0, 1]",
            ),
            (
                "subsample: 0.8",
                "subsample: 0",
                "train.xgboost.subsample: must be in (0, 1]",
            ),
            (
                "colsample_bytree: 0.8",
                "colsample_bytree: 2",
                "train.xgboost.colsample_bytree: must be in (0, 1]",
            ),
            (
                "scale_pos_weight: 1.5",
                "scale_pos_weight: 0",
                "train.xgboost.scale_pos_weight: must be a finite number > 0",
            ),
            (
                "gamma: 0.1",
                "gamma: -0.1",
                "train.xgboost.gamma: must be a finite number >= 0",
            ),
            (
                "reg_lambda: 1.0",
                "reg_lambda: .inf",
                "train.xgboost.reg_lambda: must be a finite number >= 0",
            ),
            (
                "early_stopping_rounds: 20",
                "early_stopping_rounds: 0",
                "train.xgboost.early_stopping_rounds: must be an integer in 1..=10000",
            ),
            (
                "max_depth: 5",
                "max_depth: 0",
                "train.gradient_boosting.max_depth: must be an integer in 1..=64",
            ),
            (
                "cv_folds: 10",
                "cv_folds: 1",
                "evaluate.cv_folds: must be an integer in 2..=50",
            ),
            (
                "metrics_path: metrics.json",
                "metrics_path: ''",
                "evaluate.metrics_path: must not be empty",
            ),
        ];
        for (from, to, expected) in cases {
            let msg = message(&edited(from, to));
            assert!(msg.contains(expected), "{to}: {msg}");
        }
    }

    #[test]
    fn all_violations_listed_and_weights_sum() {
        let yaml = edited("random_forest: 1.0", "random_forest: 0")
            .replacen("xgboost: 1.0", "xgboost: 0", 1)
            .replacen("gradient_boosting: 1.0", "gradient_boosting: 0", 1)
            .replacen("cv_folds: 10", "cv_folds: 0", 1);
        match Params::from_yaml(&yaml) {
            Err(ParamsError::Invalid(v)) => {
                let keys: Vec<&str> = v.iter().map(|x| x.key.as_str()).collect();
                assert_eq!(keys, ["train.voting_weights", "evaluate.cv_folds"]);
            }
            other => panic!("{other:?}"),
        }
        // The same weights are fine for a single model.
        let single = edited("model_type: Ensemble", "model_type: RandomForest")
            .replacen("random_forest: 1.0", "random_forest: 0", 1)
            .replacen("xgboost: 1.0", "xgboost: 0", 1)
            .replacen("gradient_boosting: 1.0", "gradient_boosting: 0", 1);
        assert!(Params::from_yaml(&single).is_ok());
    }

    #[test]
    fn parse_errors_name_the_key() {
        let unknown = edited(
            "    n_estimators: 250",
            "    n_estimators: 250\n    n_trees: 10",
        );
        let msg = message(&unknown);
        assert!(
            msg.contains("train.random_forest") && msg.contains("n_trees"),
            "{msg}"
        );

        let missing = edited("    n_estimators: 250\n", "");
        let msg = message(&missing);
        assert!(
            msg.contains("train.random_forest") && msg.contains("n_estimators"),
            "{msg}"
        );

        let bad_enum = edited("imputation: median", "imputation: mode");
        let msg = message(&bad_enum);
        assert!(
            msg.contains("preprocess.imputation") && msg.contains("mode"),
            "{msg}"
        );

        let bad_type = edited("n_estimators: 250", "n_estimators: many");
        let msg = message(&bad_type);
        assert!(msg.contains("train.random_forest.n_estimators"), "{msg}");

        let negative_seed = edited("random_state: 42", "random_state: -1");
        let msg = message(&negative_seed);
        assert!(msg.contains("preprocess.random_state"), "{msg}");

        let bad_features = edited("max_features: sqrt", "max_features: half");
        let msg = message(&bad_features);
        assert!(
            msg.contains("train.random_forest.max_features") && msg.contains("half"),
            "{msg}"
        );

        // A nullable key must still be present.
        let no_depth = edited("    max_depth: 15             # null = unlimited\n", "");
        let msg = message(&no_depth);
        assert!(msg.contains("max_depth"), "{msg}");
    }

    #[test]
    fn svm_section_rules_name_key_and_rule() {
        let project =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../params.yaml"))
                .expect("params.yaml");
        let with = |from: &str, to: &str| {
            assert!(project.contains(from), "params.yaml contains {from:?}");
            message(&project.replacen(from, to, 1))
        };
        let msg = with("c: 0.5", "c: 0");
        assert!(
            msg.contains("train.svm.c: must be a finite number > 0"),
            "{msg}"
        );
        let msg = with("gamma: scale", "gamma: -2");
        assert!(
            msg.contains("train.svm.gamma: must be a finite number > 0"),
            "{msg}"
        );
        let msg = with("gamma: scale", "gamma: auto");
        assert!(msg.contains("train.svm") && msg.contains("auto"), "{msg}");
        let msg = with("svm: 3.0", "svm: -1");
        assert!(
            msg.contains("train.voting_weights.svm: must be a finite number >= 0"),
            "{msg}"
        );
        let fixed = Params::from_yaml(&project.replacen("gamma: scale", "gamma: 0.25", 1)).unwrap();
        assert_eq!(fixed.train.svm.gamma, Gamma::Value(0.25));
        let bin = bincode::serialize(&fixed).unwrap();
        assert_eq!(bincode::deserialize::<Params>(&bin).unwrap(), fixed);
    }

    #[test]
    fn null_and_numeric_variants() {
        let p = Params::from_yaml(
            &edited("max_depth: 15", "max_depth: null")
                .replacen("max_features: sqrt", "max_features: 4", 1)
                .replacen(
                    "early_stopping_rounds: 20",
                    "early_stopping_rounds: null",
                    1,
                ),
        )
        .unwrap();
        assert_eq!(p.train.random_forest.max_depth, None);
        assert_eq!(p.train.random_forest.max_features, MaxFeatures::Count(4));
        assert_eq!(p.train.xgboost.early_stopping_rounds, None);
    }

    #[test]
    fn max_features_resolution_and_round_trips() {
        assert_eq!(MaxFeatures::Sqrt.resolve(9), 3);
        assert_eq!(MaxFeatures::Log2.resolve(9), 4);
        assert_eq!(MaxFeatures::All.resolve(9), 9);
        assert_eq!(MaxFeatures::Count(20).resolve(9), 9);
        let p = Params::default();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""max_features":"sqrt""#), "{json}");
        assert_eq!(serde_json::from_str::<Params>(&json).unwrap(), p);
        let bin = bincode::serialize(&p).unwrap();
        assert_eq!(bincode::deserialize::<Params>(&bin).unwrap(), p);
        let yaml = serde_yaml::to_string(&p).unwrap();
        assert_eq!(Params::from_yaml(&yaml).unwrap(), p);
    }

    #[test]
    fn missing_file_is_io_error() {
        let err = Params::load("/nonexistent/params.yaml").unwrap_err();
        assert!(matches!(err, ParamsError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/params.yaml"));
    }
}
