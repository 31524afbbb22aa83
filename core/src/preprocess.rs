//! Preprocessing fitted on training rows only and stored inside the model artifact:
//! missing-value imputation, IQR outlier bounds (training-row filter) and standard scaling.
//!
//! Missing values are `NaN`. Fitting order: outlier bounds from the observed training values,
//! then the imputer on the rows kept by [`Preprocessor::filter_outliers`], then the scaler on
//! those rows after imputation. At predict time only imputation and scaling apply.

use serde::{Deserialize, Serialize};

use crate::params::{Imputation, MissingValues, Outliers, PreprocessParams};
use crate::schema::{FeatureVector, FEATURES, N_FEATURES};

/// Why a preprocessor could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreprocessError {
    /// No training rows left (none given, or all dropped).
    #[error("no training rows left to fit the preprocessing on ({0})")]
    NoRows(&'static str),
    /// A feature has no observed value in the training rows.
    #[error("feature {0} has no observed value in the training rows")]
    ColumnAllMissing(&'static str),
}

/// Fill values of the imputer, one per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Imputer {
    /// Statistic used.
    pub strategy: Imputation,
    /// Value written in place of a missing one, per feature.
    pub fill: FeatureVector,
}

/// Inclusive per-feature bounds `[Q1 - f*IQR, Q3 + f*IQR]` (linear-interpolated quartiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierBounds {
    /// The IQR factor `f`.
    pub factor: f64,
    /// Lower bound per feature.
    pub low: FeatureVector,
    /// Upper bound per feature.
    pub high: FeatureVector,
}

/// Standard scaler: `(x - mean) / std` (population std; a constant feature uses std 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Mean per feature.
    pub mean: FeatureVector,
    /// Standard deviation per feature (never 0).
    pub std: FeatureVector,
}

/// Fitted preprocessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    missing_values: MissingValues,
    imputer: Option<Imputer>,
    outlier_bounds: Option<OutlierBounds>,
    scaler: Option<Scaler>,
}

impl Preprocessor {
    /// Fits on the training rows only (never pass held-out rows here).
    pub fn fit(params: &PreprocessParams, rows: &[FeatureVector]) -> Result<Self, PreprocessError> {
        if rows.is_empty() {
            return Err(PreprocessError::NoRows("no rows given"));
        }
        let mut pre = Preprocessor {
            missing_values: params.missing_values,
            imputer: None,
            outlier_bounds: None,
            scaler: None,
        };
        if params.outliers == Outliers::Iqr {
            pre.outlier_bounds = Some(fit_bounds(rows, params.iqr_factor)?);
        }
        let kept: Vec<FeatureVector> = pre.filter_outliers(rows).iter().map(|&i| rows[i]).collect();
        if kept.is_empty() {
            return Err(PreprocessError::NoRows(
                "every row was dropped as incomplete or outlying",
            ));
        }
        if params.missing_values == MissingValues::Impute {
            let mut fill = [0.0; N_FEATURES];
            for (j, slot) in fill.iter_mut().enumerate() {
                let mut col = observed(&kept, j);
                if col.is_empty() {
                    return Err(PreprocessError::ColumnAllMissing(FEATURES[j].name));
                }
                *slot = match params.imputation {
                    Imputation::Mean => mean(&col),
                    Imputation::Median => {
                        col.sort_by(f64::total_cmp);
                        quantile_sorted(&col, 0.5)
                    }
                };
            }
            pre.imputer = Some(Imputer {
                strategy: params.imputation,
                fill,
            });
        }
        if params.scale {
            let imputed: Vec<FeatureVector> = kept.iter().map(|r| pre.impute(r)).collect();
            let mut scaler = Scaler {
                mean: [0.0; N_FEATURES],
                std: [1.0; N_FEATURES],
            };
            for j in 0..N_FEATURES {
                let col = observed(&imputed, j);
                let m = mean(&col);
                let var = col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / col.len() as f64;
                scaler.mean[j] = m;
                scaler.std[j] = if var > 0.0 { var.sqrt() } else { 1.0 };
            }
            pre.scaler = Some(scaler);
        }
        Ok(pre)
    }

    /// Indices of the rows to train on: drops rows outside the outlier bounds (when
    /// `outliers: iqr`) and rows with a missing value (when `missing_values: drop`).
    /// A missing value is never an outlier. Use only on training rows.
    pub fn filter_outliers(&self, rows: &[FeatureVector]) -> Vec<usize> {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| {
                let complete =
                    self.missing_values == MissingValues::Impute || r.iter().all(|v| !v.is_nan());
                let inside = self.outlier_bounds.as_ref().is_none_or(|b| {
                    r.iter()
                        .enumerate()
                        .all(|(j, &v)| v.is_nan() || (v >= b.low[j] && v <= b.high[j]))
                });
                complete && inside
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Imputes (when fitted) then scales (when fitted) one row. With `missing_values: drop`
    /// a missing value stays `NaN`: callers must drop incomplete rows (see [`Self::is_complete`]).
    pub fn transform(&self, row: &FeatureVector) -> FeatureVector {
        let mut out = self.impute(row);
        if let Some(s) = &self.scaler {
            for (j, v) in out.iter_mut().enumerate() {
                *v = (*v - s.mean[j]) / s.std[j];
            }
        }
        out
    }

    /// [`Self::transform`] on every row.
    pub fn transform_all(&self, rows: &[FeatureVector]) -> Vec<FeatureVector> {
        rows.iter().map(|r| self.transform(r)).collect()
    }

    /// Whether `row` has no missing value.
    pub fn is_complete(row: &FeatureVector) -> bool {
        row.iter().all(|v| !v.is_nan())
    }

    /// The missing-value strategy this was fitted with.
    pub fn missing_values(&self) -> MissingValues {
        self.missing_values
    }

    /// The fitted imputer (absent with `missing_values: drop`).
    pub fn imputer(&self) -> Option<&Imputer> {
        self.imputer.as_ref()
    }

    /// The fitted outlier bounds (absent with `outliers: none`).
    pub fn outlier_bounds(&self) -> Option<&OutlierBounds> {
        self.outlier_bounds.as_ref()
    }

    /// The fitted scaler (absent with `scale: false`).
    pub fn scaler(&self) -> Option<&Scaler> {
        self.scaler.as_ref()
    }

    fn impute(&self, row: &FeatureVector) -> FeatureVector {
        let mut out = *row;
        if let Some(imp) = &self.imputer {
            for (v, &fill) in out.iter_mut().zip(&imp.fill) {
                if v.is_nan() {
                    *v = fill;
                }
            }
        }
        out
    }
}

fn fit_bounds(rows: &[FeatureVector], factor: f64) -> Result<OutlierBounds, PreprocessError> {
    let mut b = OutlierBounds {
        factor,
        low: [0.0; N_FEATURES],
        high: [0.0; N_FEATURES],
    };
    for (j, spec) in FEATURES.iter().enumerate() {
        let mut col = observed(rows, j);
        if col.is_empty() {
            return Err(PreprocessError::ColumnAllMissing(spec.name));
        }
        col.sort_by(f64::total_cmp);
        let q1 = quantile_sorted(&col, 0.25);
        let q3 = quantile_sorted(&col, 0.75);
        let iqr = q3 - q1;
        b.low[j] = q1 - factor * iqr;
        b.high[j] = q3 + factor * iqr;
    }
    Ok(b)
}

/// Non-missing values of column `j`.
fn observed(rows: &[FeatureVector], j: usize) -> Vec<f64> {
    rows.iter().map(|r| r[j]).filter(|v| !v.is_nan()).collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Quantile `q` of non-empty sorted values with linear interpolation (numpy's default).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::split::{select, stratified_split};

    const NAN: f64 = f64::NAN;

    fn params(f: impl FnOnce(&mut PreprocessParams)) -> PreprocessParams {
        let mut p = Params::default().preprocess;
        p.scale = false;
        f(&mut p);
        p
    }

    /// Row with `v` in every feature.
    fn row(v: f64) -> FeatureVector {
        [v; N_FEATURES]
    }

    #[test]
    fn quantiles_match_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.25), 1.75);
        assert_eq!(quantile_sorted(&v, 0.75), 3.25);
        assert_eq!(quantile_sorted(&[5.0], 0.25), 5.0);
    }

    #[test]
    fn median_imputer_uses_training_rows_only() {
        let labels: Vec<u8> = (0..10).map(|i| (i % 2) as u8).collect();
        let (train_idx, test_idx) = stratified_split(&labels, 0.4, 5).unwrap();
        assert_eq!((train_idx.len(), test_idx.len()), (6, 4));
        // Held-out rows carry very different values, so any leak would move the medians.
        let rows: Vec<FeatureVector> = (0..10)
            .map(|i| {
                let mut r = if test_idx.contains(&i) {
                    row(900.0 + i as f64)
                } else {
                    row(i as f64 * 10.0)
                };
                if i == train_idx[0] {
                    r[0] = NAN;
                }
                r
            })
            .collect();
        let train = select(&rows, &train_idx);
        let pre = Preprocessor::fit(&params(|_| {}), &train).unwrap();

        let median = |mut v: Vec<f64>| {
            v.retain(|x| !x.is_nan());
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n.is_multiple_of(2) {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            } else {
                v[n / 2]
            }
        };
        let fill = pre.imputer().unwrap().fill;
        for j in [0, 1, 8] {
            let train_median = median(train.iter().map(|r| r[j]).collect());
            let all_median = median(rows.iter().map(|r| r[j]).collect());
            assert_eq!(fill[j], train_median, "feature {j}");
            assert_ne!(fill[j], all_median, "feature {j}");
        }
        // Column 0 of the train rows has 5 observed values: their middle one.
        let mut obs0: Vec<f64> = train_idx[1..].iter().map(|&i| i as f64 * 10.0).collect();
        obs0.sort_by(f64::total_cmp);
        assert_eq!(fill[0], obs0[2]);
        // Imputation replaces only the missing value.
        let mut probe = row(1.0);
        probe[0] = NAN;
        let out = pre.transform(&probe);
        assert_eq!(out[0], fill[0]);
        assert_eq!(out[1], 1.0);
    }

    #[test]
    fn median_ignores_missing_and_held_out_values() {
        let train = vec![row(1.0), row(2.0), row(NAN), row(10.0)];
        let pre = Preprocessor::fit(&params(|_| {}), &train).unwrap();
        // Observed training values 1, 2, 10 -> median 2 (a held-out 1000 would not matter).
        assert_eq!(pre.imputer().unwrap().fill, row(2.0));
        let pre = Preprocessor::fit(&params(|p| p.imputation = Imputation::Mean), &train).unwrap();
        assert_eq!(pre.imputer().unwrap().fill, row(13.0 / 3.0));
    }

    #[test]
    fn scaler_standardises_training_rows() {
        let train = vec![row(1.0), row(3.0), row(NAN)];
        let pre = Preprocessor::fit(&params(|p| p.scale = true), &train).unwrap();
        // Imputed column: 1, 3, 2 -> mean 2, population std sqrt(2/3).
        let s = pre.scaler().unwrap();
        assert_eq!(s.mean, row(2.0));
        assert!((s.std[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let t = pre.transform(&row(3.0));
        assert!((t[0] - 1.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(pre.transform(&row(NAN))[5], 0.0);
        // A constant column gets std 1 instead of dividing by zero.
        let pre = Preprocessor::fit(&params(|p| p.scale = true), &[row(4.0), row(4.0)]).unwrap();
        assert_eq!(pre.scaler().unwrap().std, row(1.0));
        assert_eq!(pre.transform(&row(5.0)), row(1.0));
    }

    #[test]
    fn iqr_outliers_dropped_from_training_only() {
        let mut train: Vec<FeatureVector> = [1.0, 2.0, 3.0, 4.0, 5.0].map(row).to_vec();
        train.push(row(100.0));
        let mut with_missing = row(3.0);
        with_missing[2] = NAN;
        train.push(with_missing);
        let pre = Preprocessor::fit(&params(|p| p.outliers = Outliers::Iqr), &train).unwrap();
        // Column 0 observed: 1,2,3,3,4,5,100 -> Q1 2.5, Q3 4.5, IQR 2 -> [-0.5, 7.5].
        let b = pre.outlier_bounds().unwrap();
        assert_eq!((b.low[0], b.high[0]), (-0.5, 7.5));
        assert_eq!(pre.filter_outliers(&train), [0, 1, 2, 3, 4, 6]);
        // Imputer fitted on kept rows only: column 2 observed 1,2,3,4,5 -> median 3.
        assert_eq!(pre.imputer().unwrap().fill[2], 3.0);
        // Predict time: no clipping, values pass through.
        assert_eq!(pre.transform(&row(100.0)), row(100.0));
    }

    #[test]
    fn drop_strategy_filters_incomplete_rows_and_never_imputes() {
        let mut incomplete = row(2.0);
        incomplete[4] = NAN;
        let train = vec![row(1.0), incomplete, row(3.0)];
        let pre = Preprocessor::fit(
            &params(|p| {
                p.missing_values = MissingValues::Drop;
                p.scale = true;
            }),
            &train,
        )
        .unwrap();
        assert!(pre.imputer().is_none());
        assert_eq!(pre.filter_outliers(&train), [0, 2]);
        assert_eq!(pre.scaler().unwrap().mean, row(2.0));
        assert!(pre.transform(&incomplete)[4].is_nan());
        assert!(!Preprocessor::is_complete(&incomplete));
    }

    #[test]
    fn fit_refusals() {
        assert_eq!(
            Preprocessor::fit(&params(|_| {}), &[]),
            Err(PreprocessError::NoRows("no rows given"))
        );
        let mut r = row(1.0);
        r[4] = NAN;
        assert_eq!(
            Preprocessor::fit(&params(|_| {}), &[r, r]),
            Err(PreprocessError::ColumnAllMissing("Sulfate"))
        );
    }

    #[test]
    fn serde_round_trip() {
        let pre = Preprocessor::fit(&params(|p| p.scale = true), &[row(1.0), row(2.0)]).unwrap();
        let json = serde_json::to_string(&pre).unwrap();
        assert_eq!(serde_json::from_str::<Preprocessor>(&json).unwrap(), pre);
        let bin = bincode::serialize(&pre).unwrap();
        assert_eq!(bincode::deserialize::<Preprocessor>(&bin).unwrap(), pre);
    }
}
