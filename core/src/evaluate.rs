//! Honest evaluation: held-out metrics, stratified k-fold cross-validation on the training
//! part (every fold refits the preprocessing on its own training rows), training-set accuracy
//! under its own name with the overfitting gap, and feature importances -> [`Metrics`], the
//! content of `metrics.json`.

use serde::{Deserialize, Serialize};

use crate::metrics::ClassificationMetrics;

/// Mean and (population) standard deviation of one metric over the CV folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Mean over folds.
    pub mean: f64,
    /// Standard deviation over folds (divides by the number of folds).
    pub std: f64,
}

impl MeanStd {
    /// Mean and standard deviation of `values` (zeros when empty).
    pub fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return MeanStd {
                mean: 0.0,
                std: 0.0,
            };
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        MeanStd {
            mean,
            std: var.sqrt(),
        }
    }
}

/// Scores of one CV fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScores {
    /// Fold number, from 1.
    pub fold: usize,
    /// Rows the fold's model was fitted on (after outlier / incomplete-row filtering).
    pub train_rows: usize,
    /// Rows scored.
    pub test_rows: usize,
    /// Accuracy at threshold 0.5.
    pub accuracy: f64,
    /// Precision of class 1.
    pub precision: f64,
    /// Recall of class 1.
    pub recall: f64,
    /// F1 of class 1.
    pub f1: f64,
    /// ROC AUC.
    pub roc_auc: f64,
    /// Log loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
}

impl FoldScores {
    /// The scalar scores of `m` for fold `fold`.
    pub fn new(fold: usize, train_rows: usize, m: &ClassificationMetrics) -> Self {
        FoldScores {
            fold,
            train_rows,
            test_rows: m.n,
            accuracy: m.accuracy,
            precision: m.precision,
            recall: m.recall,
            f1: m.f1,
            roc_auc: m.roc_auc,
            log_loss: m.log_loss,
            brier: m.brier,
        }
    }
}

/// Stratified k-fold cross-validation on the training part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvMetrics {
    /// Number of folds.
    pub folds: usize,
    /// Accuracy over folds.
    pub accuracy: MeanStd,
    /// Precision over folds.
    pub precision: MeanStd,
    /// Recall over folds.
    pub recall: MeanStd,
    /// F1 over folds.
    pub f1: MeanStd,
    /// ROC AUC over folds.
    pub roc_auc: MeanStd,
    /// Log loss over folds.
    pub log_loss: MeanStd,
    /// Brier score over folds.
    pub brier: MeanStd,
    /// Each fold's scores.
    pub per_fold: Vec<FoldScores>,
}

impl CvMetrics {
    /// Summarises the folds' scores (in fold order).
    pub fn from_folds(per_fold: Vec<FoldScores>) -> Self {
        let stat =
            |f: fn(&FoldScores) -> f64| MeanStd::of(&per_fold.iter().map(f).collect::<Vec<_>>());
        CvMetrics {
            folds: per_fold.len(),
            accuracy: stat(|s| s.accuracy),
            precision: stat(|s| s.precision),
            recall: stat(|s| s.recall),
            f1: stat(|s| s.f1),
            roc_auc: stat(|s| s.roc_auc),
            log_loss: stat(|s| s.log_loss),
            brier: stat(|s| s.brier),
            per_fold,
        }
    }
}

/// Importance of one feature (normalised so all features sum to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// Feature name as in the CSV.
    pub feature: String,
    /// Share of the model's total importance.
    pub importance: f64,
}

/// Row counts of a training run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    /// Labelled rows given to the pipeline.
    pub total: usize,
    /// Rows in the training part (stratified split).
    pub train: usize,
    /// Rows in the held-out test part.
    pub test: usize,
    /// Training rows the final model was fitted on (after dropping outliers / incomplete rows).
    pub fitted: usize,
}

/// Everything `metrics.json` holds. No timings, so the same data and params give the same
/// bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `train.model_type`.
    pub model_type: String,
    /// Row counts.
    pub rows: RowCounts,
    /// Metrics of the final model on the held-out test part (never seen in fitting).
    pub test: ClassificationMetrics,
    /// Stratified k-fold CV on the training part (`evaluate.cv_folds`).
    pub cv: CvMetrics,
    /// Accuracy of the final model on the rows it was fitted on. Optimistic by construction:
    /// never a quality measure, only the base of `overfit_gap`.
    pub train_accuracy: f64,
    /// `train_accuracy - test.accuracy`: how much the model memorised.
    pub overfit_gap: f64,
    /// Feature importances of the final model, in canonical feature order.
    pub feature_importances: Vec<FeatureImportance>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_std_and_cv_summary() {
        let m = MeanStd::of(&[0.6, 0.7, 0.8]);
        assert!((m.mean - 0.7).abs() < 1e-12);
        assert!((m.std - (0.02f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(
            MeanStd::of(&[]),
            MeanStd {
                mean: 0.0,
                std: 0.0
            }
        );
        let fold = |i: usize, acc: f64| FoldScores {
            fold: i,
            train_rows: 9,
            test_rows: 1,
            accuracy: acc,
            precision: 0.5,
            recall: 0.5,
            f1: 0.5,
            roc_auc: 0.6,
            log_loss: 0.7,
            brier: 0.2,
        };
        let cv = CvMetrics::from_folds(vec![fold(1, 0.6), fold(2, 0.8)]);
        assert_eq!(cv.folds, 2);
        assert!((cv.accuracy.mean - 0.7).abs() < 1e-12);
        assert!((cv.accuracy.std - 0.1).abs() < 1e-12);
        assert_eq!(cv.roc_auc.std, 0.0);
    }
}
