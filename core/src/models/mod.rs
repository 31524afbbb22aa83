//! The classifiers: a hand-written random forest, two forust-ml boosters, a libsvm-rs RBF SVM
//! and a soft-voting ensemble of them, behind one [`Classifier`] enum. All are deterministic
//! given their seeds.

pub mod boosting;
pub mod ensemble;
pub mod forest;
pub mod svm;

use serde::{Deserialize, Serialize};

use crate::params::{ModelType, TrainParams};
use crate::schema::FeatureVector;
use boosting::{BoostingError, GradientBoosting, XgBoost};
use ensemble::{Ensemble, Member};
use forest::{ForestError, ForestParams, RandomForest};
use svm::{Svm, SvmError};

/// Errors of [`Classifier::fit`].
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The random forest refused the data or its parameters.
    #[error(transparent)]
    Forest(#[from] ForestError),
    /// A booster refused the data or its parameters.
    #[error(transparent)]
    Boosting(#[from] BoostingError),
    /// The SVM refused the data or its parameters.
    #[error(transparent)]
    Svm(#[from] SvmError),
    /// Every ensemble voting weight is zero.
    #[error("the ensemble needs at least one member with a positive voting weight")]
    NoMembers,
}

/// A fitted classifier. `predict_proba` returns P(label = 1).
#[derive(Debug, Serialize, Deserialize)]
pub enum Classifier {
    /// Hand-written random forest.
    RandomForest(RandomForest),
    /// forust-ml XGBoost-style booster.
    XGBoost(XgBoost),
    /// forust-ml booster with scikit-learn gradient-boosting settings.
    GradientBoosting(GradientBoosting),
    /// Soft-voting ensemble.
    Ensemble(Ensemble),
    /// libsvm-rs RBF support-vector machine with Platt probabilities (last, so the bincode
    /// variant numbers of the others stay as they were).
    Svm(Svm),
}

impl Classifier {
    /// Fits `train.model_type` on rows `x` and labels `y` (0/1). The forest uses `seed`, the
    /// XGBoost-style member `seed + 1`, the gradient-boosting member `seed + 2` and the SVM's
    /// Platt folds `seed + 3`; members
    /// of an ensemble with voting weight 0 are not fitted.
    pub fn fit(
        x: &[FeatureVector],
        y: &[u8],
        train: &TrainParams,
        seed: u64,
    ) -> Result<Self, ModelError> {
        Self::fit_type(train.model_type, x, y, train, seed)
    }

    fn fit_type(
        model_type: ModelType,
        x: &[FeatureVector],
        y: &[u8],
        train: &TrainParams,
        seed: u64,
    ) -> Result<Self, ModelError> {
        Ok(match model_type {
            ModelType::RandomForest => Classifier::RandomForest(RandomForest::fit(
                x,
                y,
                &ForestParams::new(&train.random_forest, seed),
            )?),
            ModelType::XGBoost => {
                Classifier::XGBoost(XgBoost::fit(x, y, &train.xgboost, seed.wrapping_add(1))?)
            }
            ModelType::GradientBoosting => Classifier::GradientBoosting(GradientBoosting::fit(
                x,
                y,
                &train.gradient_boosting,
                seed.wrapping_add(2),
            )?),
            ModelType::Svm => Classifier::Svm(Svm::fit(x, y, &train.svm, seed.wrapping_add(3))?),
            ModelType::Ensemble => {
                let w = &train.voting_weights;
                let mut members = Vec::new();
                for (weight, member) in [
                    (w.random_forest, ModelType::RandomForest),
                    (w.xgboost, ModelType::XGBoost),
                    (w.gradient_boosting, ModelType::GradientBoosting),
                    (w.svm, ModelType::Svm),
                ] {
                    if weight > 0.0 {
                        let model = Self::fit_type(member, x, y, train, seed)?;
                        members.push(Member { weight, model });
                    }
                }
                Classifier::Ensemble(Ensemble::new(members).ok_or(ModelError::NoMembers)?)
            }
        })
    }

    /// P(label = 1) for each row.
    pub fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        match self {
            Classifier::RandomForest(m) => m.predict_proba(x),
            Classifier::XGBoost(m) => m.predict_proba(x),
            Classifier::GradientBoosting(m) => m.predict_proba(x),
            Classifier::Svm(m) => m.predict_proba(x),
            Classifier::Ensemble(m) => m.predict_proba(x),
        }
    }

    /// Per-feature importances in canonical feature order, summing to 1 (impurity decrease
    /// for the forest, total gain for the boosters, weighted mean for the ensemble).
    pub fn feature_importances(&self) -> Vec<f64> {
        match self {
            Classifier::RandomForest(m) => m.feature_importances().to_vec(),
            Classifier::XGBoost(m) => m.feature_importances(),
            Classifier::GradientBoosting(m) => m.feature_importances(),
            Classifier::Svm(m) => m.feature_importances(),
            Classifier::Ensemble(m) => m.feature_importances(),
        }
    }

    /// The model type.
    pub fn model_type(&self) -> ModelType {
        match self {
            Classifier::RandomForest(_) => ModelType::RandomForest,
            Classifier::XGBoost(_) => ModelType::XGBoost,
            Classifier::GradientBoosting(_) => ModelType::GradientBoosting,
            Classifier::Svm(_) => ModelType::Svm,
            Classifier::Ensemble(_) => ModelType::Ensemble,
        }
    }
}

/// The name of a model type as written in params.yaml.
pub fn model_name(model_type: ModelType) -> &'static str {
    match model_type {
        ModelType::Ensemble => "Ensemble",
        ModelType::RandomForest => "RandomForest",
        ModelType::XGBoost => "XGBoost",
        ModelType::GradientBoosting => "GradientBoosting",
        ModelType::Svm => "SVM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use rand::{Rng, SeedableRng};

    fn toy() -> (Vec<FeatureVector>, Vec<u8>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        (0..300)
            .map(|_| {
                let row: FeatureVector = std::array::from_fn(|_| rng.gen_range(0.0..1.0));
                (row, u8::from(row[3] > 0.5))
            })
            .unzip()
    }

    fn train_params(model_type: ModelType) -> TrainParams {
        let mut t = Params::default().train;
        t.model_type = model_type;
        t.random_forest.n_estimators = 20;
        t.xgboost.n_estimators_xgb = 30;
        t.gradient_boosting.n_estimators = 30;
        t
    }

    #[test]
    fn every_model_type_fits_and_reports() {
        let (x, y) = toy();
        for t in [
            ModelType::RandomForest,
            ModelType::XGBoost,
            ModelType::GradientBoosting,
            ModelType::Svm,
            ModelType::Ensemble,
        ] {
            let model = Classifier::fit(&x, &y, &train_params(t), 1).unwrap();
            assert_eq!(model.model_type(), t);
            let p = model.predict_proba(&x);
            let acc = p
                .iter()
                .zip(&y)
                .filter(|(p, y)| u8::from(**p >= 0.5) == **y);
            assert!(acc.count() as f64 / 300.0 > 0.95, "{}", model_name(t));
            let imp = model.feature_importances();
            assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-6);
            assert!(imp[3] > 0.5, "{} {imp:?}", model_name(t));
        }
    }

    #[test]
    fn ensemble_of_one_member_equals_that_member() {
        let (x, y) = toy();
        let mut t = train_params(ModelType::Ensemble);
        t.voting_weights.xgboost = 0.0;
        t.voting_weights.gradient_boosting = 0.0;
        t.voting_weights.random_forest = 2.5;
        let ens = Classifier::fit(&x, &y, &t, 9).unwrap();
        let rf = Classifier::fit(&x, &y, &train_params(ModelType::RandomForest), 9).unwrap();
        match &ens {
            Classifier::Ensemble(e) => assert_eq!(e.members().len(), 1),
            other => panic!("{other:?}"),
        }
        let (a, b) = (ens.predict_proba(&x), rf.predict_proba(&x));
        assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-12));
        t.voting_weights.random_forest = 0.0;
        assert!(matches!(
            Classifier::fit(&x, &y, &t, 9),
            Err(ModelError::NoMembers)
        ));
    }
}
