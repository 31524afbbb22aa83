//! A fitted model as served: the preprocessing fitted on the training rows plus the classifier.

use serde::{Deserialize, Serialize};

use crate::models::Classifier;
use crate::preprocess::Preprocessor;
use crate::schema::FeatureVector;

/// Preprocessing and classifier, always used together so serving can never pair a classifier
/// with another scaler or imputer.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainedModel {
    /// Imputer / outlier bounds / scaler fitted on the training rows.
    pub preprocessor: Preprocessor,
    /// The fitted classifier (sees preprocessed rows).
    pub classifier: Classifier,
}

impl TrainedModel {
    /// P(label = 1) for raw (unpreprocessed) rows.
    pub fn predict_proba(&self, rows: &[FeatureVector]) -> Vec<f64> {
        let x = self.preprocessor.transform_all(rows);
        self.classifier.predict_proba(&x)
    }
}
