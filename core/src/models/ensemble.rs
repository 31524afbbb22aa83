//! Soft voting: the weighted mean of the members' P(label = 1).

use serde::{Deserialize, Serialize};

use super::Classifier;
use crate::schema::{FeatureVector, N_FEATURES};

/// One fitted member and its voting weight (> 0).
#[derive(Debug, Serialize, Deserialize)]
pub struct Member {
    /// Voting weight.
    pub weight: f64,
    /// The fitted member.
    pub model: Classifier,
}

/// A soft-voting ensemble. Members with weight 0 are never fitted nor stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ensemble {
    members: Vec<Member>,
}

impl Ensemble {
    /// Builds an ensemble from fitted members; `None` if no member has a positive weight.
    pub fn new(members: Vec<Member>) -> Option<Self> {
        let members: Vec<Member> = members.into_iter().filter(|m| m.weight > 0.0).collect();
        (!members.is_empty()).then_some(Ensemble { members })
    }

    /// The members, in voting order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// `sum_i w_i * p_i(x) / sum_i w_i` for each row.
    pub fn predict_proba(&self, x: &[FeatureVector]) -> Vec<f64> {
        let total: f64 = self.members.iter().map(|m| m.weight).sum();
        let mut out = vec![0.0; x.len()];
        for m in &self.members {
            for (acc, p) in out.iter_mut().zip(m.model.predict_proba(x)) {
                *acc += m.weight * p;
            }
        }
        out.iter_mut().for_each(|v| *v /= total);
        out
    }

    /// Weighted mean of the members' (normalised) importances.
    pub fn feature_importances(&self) -> Vec<f64> {
        let total: f64 = self.members.iter().map(|m| m.weight).sum();
        let mut out = vec![0.0; N_FEATURES];
        for m in &self.members {
            for (acc, v) in out.iter_mut().zip(m.model.feature_importances()) {
                *acc += m.weight * v / total;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::forest::{ForestParams, RandomForest};

    /// A forest that always predicts `p` (single leaf, no bootstrap).
    fn constant(p_num: usize, n: usize) -> Classifier {
        let x = vec![[0.0; N_FEATURES]; n];
        let y: Vec<u8> = (0..n).map(|i| u8::from(i < p_num)).collect();
        let params = ForestParams {
            n_estimators: 1,
            bootstrap: false,
            ..ForestParams::default()
        };
        Classifier::RandomForest(RandomForest::fit(&x, &y, &params).unwrap())
    }

    #[test]
    fn weighted_soft_vote() {
        // Members predicting 0.25 and 0.75 with weights 3 and 1: (0.75 + 0.75) / 4 = 0.375.
        let e = Ensemble::new(vec![
            Member {
                weight: 3.0,
                model: constant(1, 4),
            },
            Member {
                weight: 1.0,
                model: constant(3, 4),
            },
            Member {
                weight: 0.0,
                model: constant(4, 4),
            },
        ])
        .unwrap();
        assert_eq!(e.members().len(), 2);
        let p = e.predict_proba(&[[1.0; N_FEATURES]; 2]);
        assert_eq!(p, vec![0.375, 0.375]);
        assert!(Ensemble::new(vec![Member {
            weight: 0.0,
            model: constant(1, 2)
        }])
        .is_none());
    }
}
