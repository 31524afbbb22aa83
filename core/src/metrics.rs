//! Binary classification metrics computed from true labels (0/1) and predicted P(label = 1).

use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[EPS, 1 - EPS]` in the log loss.
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Why metrics could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// Labels and scores differ in length.
    #[error("{labels} labels but {scores} scores")]
    LengthMismatch {
        /// Number of labels.
        labels: usize,
        /// Number of scores.
        scores: usize,
    },
    /// Nothing to score.
    #[error("no rows to score")]
    Empty,
    /// A label other than 0 or 1.
    #[error("label {value} at index {index} is not 0 or 1")]
    InvalidLabel {
        /// Row index.
        index: usize,
        /// The label.
        value: u8,
    },
    /// A probability outside [0, 1] or not finite.
    #[error("probability {value} at index {index} is not in [0, 1]")]
    InvalidProbability {
        /// Row index.
        index: usize,
        /// The value.
        value: f64,
    },
    /// ROC AUC needs both classes among the labels.
    #[error("ROC AUC is undefined with a single class in the labels")]
    SingleClass,
    /// The decision threshold is outside [0, 1].
    #[error("threshold {0} is not in [0, 1]")]
    Threshold(f64),
}

/// Counts of a binary confusion matrix (positive class = 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// True negatives.
    pub tn: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// True positives.
    pub tp: usize,
}

impl ConfusionMatrix {
    /// Counts pairs of (true, predicted) labels; any non-zero label counts as 1.
    pub fn from_predictions(y_true: &[u8], y_pred: &[u8]) -> Self {
        let mut m = ConfusionMatrix::default();
        for (&t, &p) in y_true.iter().zip(y_pred) {
            match (t != 0, p != 0) {
                (false, false) => m.tn += 1,
                (false, true) => m.fp += 1,
                (true, false) => m.fn_ += 1,
                (true, true) => m.tp += 1,
            }
        }
        m
    }

    /// Number of rows counted.
    pub fn total(&self) -> usize {
        self.tn + self.fp + self.fn_ + self.tp
    }

    /// Share of correct predictions (0 when empty).
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// tp / (tp + fp); 0 when nothing is predicted positive.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn) (recall of class 1); 0 without positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// tn / (tn + fp) (recall of class 0); 0 without negatives.
    pub fn specificity(&self) -> f64 {
        ratio(self.tn, self.tn + self.fp)
    }

    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// One point of the ROC curve: rows with score `>= threshold` are predicted positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Decision threshold (the first point uses max score + 1, so nothing is positive).
    pub threshold: f64,
    /// False-positive rate.
    pub fpr: f64,
    /// True-positive rate.
    pub tpr: f64,
}

/// All metrics of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// Rows scored.
    pub n: usize,
    /// Decision threshold on P(label = 1) used for the label metrics.
    pub threshold: f64,
    /// Share of correct labels.
    pub accuracy: f64,
    /// Precision of class 1.
    pub precision: f64,
    /// Recall of class 1.
    pub recall: f64,
    /// F1 of class 1.
    pub f1: f64,
    /// Area under the ROC curve (ties count one half).
    pub roc_auc: f64,
    /// Mean negative log-likelihood (probabilities clipped by [`LOG_LOSS_EPS`]).
    pub log_loss: f64,
    /// Mean squared error of the probabilities.
    pub brier: f64,
    /// Confusion matrix at `threshold`.
    pub confusion_matrix: ConfusionMatrix,
    /// Recall of class 0 and class 1, indexed by label.
    pub per_class_recall: [f64; 2],
    /// ROC curve, one point per distinct score plus the origin.
    pub roc_curve: Vec<RocPoint>,
}

impl ClassificationMetrics {
    /// Computes every metric; labels predicted as `proba >= threshold`.
    /// Needs both classes among `y_true` (for ROC AUC).
    pub fn compute(y_true: &[u8], proba: &[f64], threshold: f64) -> Result<Self, MetricsError> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(MetricsError::Threshold(threshold));
        }
        let roc_auc = roc_auc(y_true, proba)?;
        let y_pred = predict_labels(proba, threshold);
        let cm = ConfusionMatrix::from_predictions(y_true, &y_pred);
        Ok(ClassificationMetrics {
            n: y_true.len(),
            threshold,
            accuracy: cm.accuracy(),
            precision: cm.precision(),
            recall: cm.recall(),
            f1: cm.f1(),
            roc_auc,
            log_loss: log_loss(y_true, proba)?,
            brier: brier_score(y_true, proba)?,
            confusion_matrix: cm,
            per_class_recall: [cm.specificity(), cm.recall()],
            roc_curve: roc_curve(y_true, proba)?,
        })
    }
}

/// Labels from probabilities: 1 when `p >= threshold`.
pub fn predict_labels(proba: &[f64], threshold: f64) -> Vec<u8> {
    proba.iter().map(|&p| u8::from(p >= threshold)).collect()
}

fn check(y_true: &[u8], proba: &[f64]) -> Result<(), MetricsError> {
    if y_true.len() != proba.len() {
        return Err(MetricsError::LengthMismatch {
            labels: y_true.len(),
            scores: proba.len(),
        });
    }
    if y_true.is_empty() {
        return Err(MetricsError::Empty);
    }
    if let Some((index, &value)) = y_true.iter().enumerate().find(|(_, &y)| y > 1) {
        return Err(MetricsError::InvalidLabel { index, value });
    }
    if let Some((index, &value)) = proba
        .iter()
        .enumerate()
        .find(|(_, p)| !(0.0..=1.0).contains(*p))
    {
        return Err(MetricsError::InvalidProbability { index, value });
    }
    Ok(())
}

/// Mean negative log-likelihood of the true labels.
pub fn log_loss(y_true: &[u8], proba: &[f64]) -> Result<f64, MetricsError> {
    check(y_true, proba)?;
    let sum: f64 = y_true
        .iter()
        .zip(proba)
        .map(|(&y, &p)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if y == 1 {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    Ok(sum / y_true.len() as f64)
}

/// Brier score: mean of `(p - y)^2`.
pub fn brier_score(y_true: &[u8], proba: &[f64]) -> Result<f64, MetricsError> {
    check(y_true, proba)?;
    let sum: f64 = y_true
        .iter()
        .zip(proba)
        .map(|(&y, &p)| (p - f64::from(y)).powi(2))
        .sum();
    Ok(sum / y_true.len() as f64)
}

/// Counts of (negatives, positives).
fn class_counts(y_true: &[u8]) -> (usize, usize) {
    let pos = y_true.iter().filter(|&&y| y == 1).count();
    (y_true.len() - pos, pos)
}

/// ROC AUC by the rank statistic (Mann-Whitney U), average ranks for tied scores.
pub fn roc_auc(y_true: &[u8], proba: &[f64]) -> Result<f64, MetricsError> {
    check(y_true, proba)?;
    let (neg, pos) = class_counts(y_true);
    if neg == 0 || pos == 0 {
        return Err(MetricsError::SingleClass);
    }
    let mut order: Vec<usize> = (0..proba.len()).collect();
    order.sort_by(|&a, &b| proba[a].total_cmp(&proba[b]));
    let mut rank_sum_pos = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && proba[order[end]] == proba[order[start]] {
            end += 1;
        }
        // 1-based ranks start+1..=end share their average.
        let avg_rank = (start + 1 + end) as f64 / 2.0;
        let pos_in_group = order[start..end]
            .iter()
            .filter(|&&i| y_true[i] == 1)
            .count();
        rank_sum_pos += avg_rank * pos_in_group as f64;
        start = end;
    }
    let (neg, pos) = (neg as f64, pos as f64);
    Ok((rank_sum_pos - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// ROC curve from the highest threshold down; rates are 0 when a class is absent.
pub fn roc_curve(y_true: &[u8], proba: &[f64]) -> Result<Vec<RocPoint>, MetricsError> {
    check(y_true, proba)?;
    let (neg, pos) = class_counts(y_true);
    let mut order: Vec<usize> = (0..proba.len()).collect();
    order.sort_by(|&a, &b| proba[b].total_cmp(&proba[a]));
    let max = proba[order[0]];
    let mut points = vec![RocPoint {
        threshold: max + 1.0,
        fpr: 0.0,
        tpr: 0.0,
    }];
    let (mut tp, mut fp) = (0usize, 0usize);
    for (k, &i) in order.iter().enumerate() {
        if y_true[i] == 1 {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_group = order.get(k + 1).is_none_or(|&j| proba[j] != proba[i]);
        if last_of_group {
            points.push(RocPoint {
                threshold: proba[i],
                fpr: ratio(fp, neg),
                tpr: ratio(tp, pos),
            });
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn confusion_matrix_and_label_metrics() {
        let y = [1, 1, 1, 0, 0, 0, 0, 1];
        let p = [1, 0, 1, 0, 1, 0, 0, 1];
        let cm = ConfusionMatrix::from_predictions(&y, &p);
        assert_eq!(
            cm,
            ConfusionMatrix {
                tn: 3,
                fp: 1,
                fn_: 1,
                tp: 3
            }
        );
        assert_eq!(cm.accuracy(), 0.75);
        assert_eq!(cm.precision(), 0.75);
        assert_eq!(cm.recall(), 0.75);
        assert_eq!(cm.specificity(), 0.75);
        assert_eq!(cm.f1(), 0.75);
        let cm = ConfusionMatrix::from_predictions(&[1, 1, 0], &[0, 0, 0]);
        assert_eq!((cm.precision(), cm.recall(), cm.f1()), (0.0, 0.0, 0.0));
        assert!(close(cm.accuracy(), 1.0 / 3.0));
        assert_eq!(
            serde_json::to_string(&cm).unwrap(),
            r#"{"tn":1,"fp":0,"fn":2,"tp":0}"#
        );
    }

    #[test]
    fn roc_auc_hand_computed() {
        // Pairs (pos, neg): 0.35>0.1 yes, 0.35>0.4 no, 0.8>both yes -> 3/4.
        assert_eq!(
            roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
            0.75
        );
        // A tie counts one half: (0.5 vs 0.5)=.5, others 1 -> 3.5/4.
        assert_eq!(
            roc_auc(&[0, 1, 0, 1], &[0.5, 0.5, 0.2, 0.9]).unwrap(),
            0.875
        );
        assert_eq!(roc_auc(&[1, 0], &[0.2, 0.9]).unwrap(), 0.0);
        assert_eq!(roc_auc(&[1, 0, 1, 0], &[0.5; 4]).unwrap(), 0.5);
        assert_eq!(
            roc_auc(&[1, 1], &[0.2, 0.9]),
            Err(MetricsError::SingleClass)
        );
    }

    #[test]
    fn roc_curve_hand_computed_and_consistent_with_auc() {
        let y = [0, 0, 1, 1];
        let s = [0.1, 0.4, 0.35, 0.8];
        let c = roc_curve(&y, &s).unwrap();
        let got: Vec<(f64, f64, f64)> = c.iter().map(|p| (p.threshold, p.fpr, p.tpr)).collect();
        assert_eq!(
            got,
            [
                (1.8, 0.0, 0.0),
                (0.8, 0.0, 0.5),
                (0.4, 0.5, 0.5),
                (0.35, 0.5, 1.0),
                (0.1, 1.0, 1.0)
            ]
        );
        // Trapezoid area under the curve equals the rank AUC (with ties too).
        for (y, s) in [
            (vec![0, 0, 1, 1], vec![0.1, 0.4, 0.35, 0.8]),
            (vec![0, 1, 0, 1, 1, 0], vec![0.5, 0.5, 0.2, 0.9, 0.2, 0.7]),
        ] {
            let c = roc_curve(&y, &s).unwrap();
            let area: f64 = c
                .windows(2)
                .map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0)
                .sum();
            assert!(close(area, roc_auc(&y, &s).unwrap()), "{area}");
        }
    }

    #[test]
    fn log_loss_and_brier_hand_computed() {
        // -(ln 0.9 + ln 0.8) / 2
        let ll = log_loss(&[1, 0], &[0.9, 0.2]).unwrap();
        assert!(close(ll, 0.164_252_033_486_018_1), "{ll}");
        assert!(close(brier_score(&[1, 0], &[0.9, 0.2]).unwrap(), 0.025));
        // Clipping keeps a confident mistake finite: -ln(1e-15).
        let ll = log_loss(&[1], &[0.0]).unwrap();
        assert!(close(ll, 34.538_776_394_910_684), "{ll}");
        assert_eq!(brier_score(&[1], &[0.0]).unwrap(), 1.0);
    }

    #[test]
    fn compute_collects_everything() {
        let y = [0, 0, 1, 1];
        let s = [0.1, 0.6, 0.35, 0.8];
        let m = ClassificationMetrics::compute(&y, &s, 0.5).unwrap();
        assert_eq!(m.n, 4);
        assert_eq!(
            m.confusion_matrix,
            ConfusionMatrix {
                tn: 1,
                fp: 1,
                fn_: 1,
                tp: 1
            }
        );
        assert_eq!(
            (m.accuracy, m.precision, m.recall, m.f1),
            (0.5, 0.5, 0.5, 0.5)
        );
        assert_eq!(m.per_class_recall, [0.5, 0.5]);
        assert_eq!(m.roc_auc, 0.75);
        assert_eq!(m.roc_curve.len(), 5);
        let brier = (0.01 + 0.36 + 0.4225 + 0.04) / 4.0;
        assert!(close(m.brier, brier));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<ClassificationMetrics>(&json).unwrap(),
            m
        );
    }

    #[test]
    fn input_refusals() {
        assert_eq!(
            log_loss(&[1, 0], &[0.5]),
            Err(MetricsError::LengthMismatch {
                labels: 2,
                scores: 1
            })
        );
        assert_eq!(brier_score(&[], &[]), Err(MetricsError::Empty));
        assert_eq!(
            roc_auc(&[0, 2], &[0.1, 0.2]),
            Err(MetricsError::InvalidLabel { index: 1, value: 2 })
        );
        assert!(matches!(
            roc_curve(&[0, 1], &[0.1, f64::NAN]),
            Err(MetricsError::InvalidProbability { index: 1, .. })
        ));
        assert_eq!(
            ClassificationMetrics::compute(&[0, 1], &[0.1, 0.9], 1.5),
            Err(MetricsError::Threshold(1.5))
        );
    }
}
