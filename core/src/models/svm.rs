//! RBF support-vector machine: trained by libsvm-rs (a Rust port of LIBSVM, the solver behind
//! scikit-learn's `SVC`), with Platt-scaled probabilities.
//!
//! LIBSVM's own probability training draws its internal folds from a process-wide `rand()`
//! state, so two fits of the same data in one process would differ. Potable therefore fits the
//! Platt sigmoid itself, on out-of-fold decision values of a seeded stratified 5-fold split
//! (LIBSVM's recipe with Potable's seeded splitter), which keeps training reproducible.
//!
//! The fitted decision function `f(x) = sum_i coef_i * exp(-gamma * |x - sv_i|^2) - rho` is kept
//! in a small dense form of our own rather than as libsvm-rs's `SvmModel`: that model stores
//! support vectors as sparse nodes and allocates on every prediction (a dense 9-feature sum is
//! several times faster on the serving path), and a dense form can be checked for consistency
//! when an artifact is decoded, so a damaged file is refused instead of panicking later.

use libsvm_rs::probability::{sigmoid_predict, sigmoid_train};
use libsvm_rs::{KernelType, SvmModel, SvmNode, SvmParameter, SvmProblem, SvmType};
use serde::{Deserialize, Serialize};

use crate::params::{Gamma, SvmParams};
use crate::schema::{FeatureVector, N_FEATURES};
use crate::split::{select, stratified_kfold};

/// Folds of the out-of-fold decision values the Platt sigmoid is fitted on (LIBSVM's count).
const PLATT_FOLDS: usize = 5;
/// Rows used to measure feature importances (a deterministic prefix of the training rows).
const IMPORTANCE_ROWS: usize = 500;
/// Kernel cache of the solver, in MB (LIBSVM's default is 100; the data here needs far less).
const CACHE_MB: f64 = 40.0;

/// Why the SVM could not be fitted, or a stored one was refused.
#[derive(Debug, thiserror::Error)]
pub enum SvmError {
    /// No rows, or rows and labels of different lengths.
    #[error("the SVM needs a non-empty training set with one label per row")]
    BadShape,
    /// Both classes must be present.
    #[error("the SVM needs training rows of both classes")]
    OneClass,
    /// A feature value is NaN or infinite (impute before fitting).
    #[error("the SVM cannot use a non-finite feature value (row {row}, feature {feature})")]
    NonFinite {
        /// Row index.
        row: usize,
        /// Feature index.
        feature: usize,
    },
    /// The parameters were refused by the solver.
    #[error("SVM parameters: {0}")]
    Params(String),
    /// A decoded SVM is inconsistent (damaged artifact).
    #[error("stored SVM is inconsistent: {0}")]
    Damaged(&'static str),
}

/// A fitted RBF decision function, oriented so that a positive value means label 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Decision {
    gamma: f64,
    support: Vec<FeatureVector>,
    coef: Vec<f64>,
    rho: f64,
}

impl Decision {
    /// Takes the binary C-SVC decision function out of a libsvm-rs model.
    fn from_model(model: &SvmModel, gamma: f64) -> Self {
        // LIBSVM's decision is positive for the first label it met in training.
        let sign = if model.label.first() == Some(&1) {
            1.0
        } else {
            -1.0
        };
        let support = model
            .sv
            .iter()
            .map(|nodes| {
                let mut row = [0.0; N_FEATURES];
                for n in nodes {
                    if let Some(slot) = usize::try_from(n.index - 1)
                        .ok()
                        .and_then(|i| row.get_mut(i))
                    {
                        *slot = n.value;
                    }
                }
                row
            })
            .collect();
        Decision {
            gamma,
            support,
            coef: model.sv_coef[0].iter().map(|c| sign * c).collect(),
            rho: sign * model.rho[0],
        }
    }

    fn value(&self, x: &FeatureVector) -> f64 {
        let mut sum = -self.rho;
        for (sv, c) in self.support.iter().zip(&self.coef) {
            let d: f64 = sv.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
            sum += c * (-self.gamma * d).exp();
        }
        sum
    }
}

/// A fitted RBF SVM with its Platt sigmoid `P(1 | f) = 1 / (1 + exp(a f + b))`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(try_from = "SvmParts")]
pub struct Svm {
    decision: Decision,
    platt_a: f64,
    platt_b: f64,
    importances: Vec<f64>,
}

/// The stored fields of [`Svm`], checked by `TryFrom` before use.
#[derive(Deserialize)]
struct SvmParts {
    decision: Decision,
    platt_a: f64,
    platt_b: f64,
    importances: Vec<f64>,
}

impl TryFrom<SvmParts> for Svm {
    type Error = SvmError;

    fn try_from(p: SvmParts) -> Result<Self, SvmError> {
        let d = &p.decision;
        if !(d.gamma.is_finite() && d.gamma > 0.0) {
            return Err(SvmError::Damaged("gamma must be finite and > 0"));
        }
        if d.support.is_empty() || d.support.len() != d.coef.len() {
            return Err(SvmError::Damaged("one coefficient per support vector"));
        }
        let finite = d
            .support
            .iter()
            .flatten()
            .chain(&d.coef)
            .chain(&p.importances);
        if !(finite.copied().all(f64::is_finite)
            && d.rho.is_finite()
            && p.platt_a.is_finite()
            && p.platt_b.is_finite())
        {
            return Err(SvmError::Damaged("every number must be finite"));
        }
        if p.importances.len() != N_FEATURES {
            return Err(SvmError::Damaged("one importance per feature"));
        }
        Ok(Svm {
            decision: p.decision,
            platt_a: p.platt_a,
            platt_b: p.platt_b,
            importances: p.importances,
        })
    }
}

impl Svm {
    /// Fits the SVM on rows `x` and labels `y` (0/1); `seed` drives the Platt folds only (the
    /// solver itself is deterministic).
    pub fn fit(
        x: &[FeatureVector],
        y: &[u8],
        params: &SvmParams,
        seed: u64,
    ) -> Result<Self, SvmError> {
        check(x, y)?;
        libsvm_rs::set_quiet(true);
        let param = SvmParameter {
            svm_type: SvmType::CSvc,
            kernel_type: KernelType::Rbf,
            gamma: resolve_gamma(params.gamma, x),
            c: params.c,
            cache_size: CACHE_MB,
            ..SvmParameter::default()
        };
        param
            .validate()
            .map_err(|e| SvmError::Params(e.to_string()))?;
        let decision = train(x, y, &param);
        let (platt_a, platt_b) = platt(x, y, &param, seed);
        let mut svm = Svm {
            decision,
            platt_a,
            platt_b,
            importances: Vec::new(),
        };
        svm.importances = svm.sensitivities(&x[..x.len().min(IMPORTANCE_ROWS)]);
        Ok(svm)
    }

    /// P(label = 1) for each row.
    pub fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        x.iter()
            .map(|row| sigmoid_predict(self.decision.value(row), self.platt_a, self.platt_b))
            .collect()
    }

    /// Per-feature sensitivity, summing to 1: the mean absolute change of P(label = 1) when
    /// the feature's column is rotated by one row (a permutation that keeps its distribution),
    /// measured at fit time. An RBF SVM has no built-in importances.
    pub fn feature_importances(&self) -> Vec<f64> {
        self.importances.clone()
    }

    fn sensitivities(&self, x: &[FeatureVector]) -> Vec<f64> {
        let base = self.predict_proba(x);
        let mut out: Vec<f64> = (0..N_FEATURES)
            .map(|f| {
                let shifted: Vec<FeatureVector> = x
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let mut r = *row;
                        r[f] = x[(i + 1) % x.len()][f];
                        r
                    })
                    .collect();
                let p = self.predict_proba(&shifted);
                base.iter().zip(&p).map(|(a, b)| (a - b).abs()).sum::<f64>()
            })
            .collect();
        let total: f64 = out.iter().sum();
        if total > 0.0 {
            out.iter_mut().for_each(|v| *v /= total);
        }
        out
    }
}

fn check(x: &[FeatureVector], y: &[u8]) -> Result<(), SvmError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(SvmError::BadShape);
    }
    if !(y.contains(&0) && y.contains(&1)) {
        return Err(SvmError::OneClass);
    }
    for (row, r) in x.iter().enumerate() {
        if let Some(feature) = r.iter().position(|v| !v.is_finite()) {
            return Err(SvmError::NonFinite { row, feature });
        }
    }
    Ok(())
}

/// `scale` is scikit-learn's `1 / (n_features * var(X))` over every value of `x`.
fn resolve_gamma(gamma: Gamma, x: &[FeatureVector]) -> f64 {
    match gamma {
        Gamma::Value(g) => g,
        Gamma::Scale => {
            let n = (x.len() * N_FEATURES) as f64;
            let mean = x.iter().flatten().sum::<f64>() / n;
            let var = x.iter().flatten().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            if var > 0.0 {
                1.0 / (N_FEATURES as f64 * var)
            } else {
                1.0
            }
        }
    }
}

fn train(x: &[FeatureVector], y: &[u8], param: &SvmParameter) -> Decision {
    let problem = SvmProblem {
        labels: y.iter().map(|&l| f64::from(l)).collect(),
        instances: x
            .iter()
            .map(|row| {
                row.iter()
                    .zip(1..)
                    .map(|(&value, index)| SvmNode { index, value })
                    .collect()
            })
            .collect(),
    };
    Decision::from_model(&libsvm_rs::train::svm_train(&problem, param), param.gamma)
}

/// Platt's sigmoid fitted on out-of-fold decision values (LIBSVM's `svm_binary_svc_probability`
/// with seeded stratified folds). Falls back to the in-sample decision values when a class is
/// too small to be split into folds.
fn platt(x: &[FeatureVector], y: &[u8], param: &SvmParameter, seed: u64) -> (f64, f64) {
    let mut dec = vec![0.0; x.len()];
    match stratified_kfold(y, PLATT_FOLDS, seed) {
        Ok(folds) => {
            for (train_idx, test_idx) in folds {
                let fold = train(&select(x, &train_idx), &select(y, &train_idx), param);
                for i in test_idx {
                    dec[i] = fold.value(&x[i]);
                }
            }
        }
        Err(_) => {
            let all = train(x, y, param);
            for (d, row) in dec.iter_mut().zip(x) {
                *d = all.value(row);
            }
        }
    }
    let signs: Vec<f64> = y.iter().map(|&l| if l == 1 { 1.0 } else { -1.0 }).collect();
    sigmoid_train(&dec, &signs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Label 1 inside a ball around the origin: not linearly separable, easy for an RBF SVM.
    fn ball(n: usize, seed: u64) -> (Vec<FeatureVector>, Vec<u8>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let row: FeatureVector = std::array::from_fn(|_| rng.gen_range(-1.0..1.0));
                (row, u8::from(row[0] * row[0] + row[4] * row[4] < 0.4))
            })
            .unzip()
    }

    fn params() -> SvmParams {
        SvmParams {
            c: 10.0,
            gamma: Gamma::Scale,
        }
    }

    #[test]
    fn learns_a_nonlinear_boundary_with_calibrated_probabilities() {
        let (x, y) = ball(800, 1);
        let svm = Svm::fit(&x, &y, &params(), 3).unwrap();
        let (tx, ty) = ball(400, 2);
        let p = svm.predict_proba(&tx);
        let correct = p
            .iter()
            .zip(&ty)
            .filter(|(p, y)| u8::from(**p >= 0.5) == **y);
        let correct = correct.count();
        assert!(
            correct > 360,
            "held-out accuracy {correct} of 400 below 90%"
        );
        assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
        // Deep inside the ball is label 1, far corners are label 0.
        let centre = svm.predict_proba(&[[0.0; N_FEATURES]])[0];
        let corner = svm.predict_proba(&[[0.95; N_FEATURES]])[0];
        assert!(centre > 0.8 && corner < 0.2, "{centre} {corner}");
        // Only features 0 and 4 decide the label.
        let imp = svm.feature_importances();
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(imp[0] + imp[4] > 0.6, "{imp:?}");
        assert!(svm.decision.support.len() < 800);
    }

    #[test]
    fn same_data_and_seed_give_identical_models_in_one_process() {
        let (x, y) = ball(200, 5);
        let a = bincode::serialize(&Svm::fit(&x, &y, &params(), 7).unwrap()).unwrap();
        let b = bincode::serialize(&Svm::fit(&x, &y, &params(), 7).unwrap()).unwrap();
        assert_eq!(a, b);
        let back: Svm = bincode::deserialize(&a).unwrap();
        assert_eq!(bincode::serialize(&back).unwrap(), a);
    }

    #[test]
    fn label_order_of_the_data_does_not_flip_the_probabilities() {
        let (mut x, mut y) = ball(300, 9);
        let first_one = y.iter().position(|&l| l == 1).unwrap();
        x.swap(0, first_one);
        y.swap(0, first_one);
        let ones_first = Svm::fit(&x, &y, &params(), 1).unwrap();
        let first_zero = y.iter().position(|&l| l == 0).unwrap();
        x.swap(0, first_zero);
        y.swap(0, first_zero);
        let zeros_first = Svm::fit(&x, &y, &params(), 1).unwrap();
        let probe = [[0.0; N_FEATURES]];
        assert!(ones_first.predict_proba(&probe)[0] > 0.8);
        assert!(zeros_first.predict_proba(&probe)[0] > 0.8);
    }

    #[test]
    fn damaged_stored_svm_is_refused_on_decode() {
        let (x, y) = ball(200, 4);
        let svm = Svm::fit(&x, &y, &params(), 2).unwrap();
        let decode = |s: &Svm| bincode::deserialize::<Svm>(&bincode::serialize(s).unwrap());
        assert!(decode(&svm).is_ok());
        let mut bad = Svm::fit(&x, &y, &params(), 2).unwrap();
        bad.decision.coef.pop();
        assert!(decode(&bad)
            .unwrap_err()
            .to_string()
            .contains("one coefficient"));
        let mut bad = Svm::fit(&x, &y, &params(), 2).unwrap();
        bad.decision.gamma = f64::NAN;
        assert!(decode(&bad).unwrap_err().to_string().contains("gamma"));
        let mut bad = Svm::fit(&x, &y, &params(), 2).unwrap();
        bad.decision.support[3][5] = f64::INFINITY;
        assert!(decode(&bad).unwrap_err().to_string().contains("finite"));
        let mut bad = svm;
        bad.importances.push(0.0);
        assert!(decode(&bad).unwrap_err().to_string().contains("importance"));
    }

    #[test]
    fn refuses_bad_input() {
        let (x, y) = ball(50, 3);
        assert!(matches!(
            Svm::fit(&x, &y[..10], &params(), 1),
            Err(SvmError::BadShape)
        ));
        assert!(matches!(
            Svm::fit(&x, &[1; 50], &params(), 1),
            Err(SvmError::OneClass)
        ));
        let mut bad = x.clone();
        bad[7][2] = f64::NAN;
        assert!(matches!(
            Svm::fit(&bad, &y, &params(), 1),
            Err(SvmError::NonFinite { row: 7, feature: 2 })
        ));
        let zero_c = SvmParams {
            c: 0.0,
            gamma: Gamma::Scale,
        };
        assert!(matches!(
            Svm::fit(&x, &y, &zero_c, 1),
            Err(SvmError::Params(_))
        ));
    }
}
