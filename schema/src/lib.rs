//! The nine input features of a water sample: canonical order, units and physically valid ranges.
//!
//! A crate of its own because the WASM front end needs it and cannot link `potable-core`.

pub mod guidelines;

/// Largest accepted batch-prediction body (JSON or CSV), in bytes: 2 MiB (about 15,000 JSON
/// samples). Here rather than in the server so the browser can check a file before uploading.
pub const MAX_BATCH_BYTES: usize = 2 * 1024 * 1024;

/// Largest accepted number of rows in one batch prediction.
pub const MAX_BATCH_ROWS: usize = 10_000;

/// Name of the label column (1 = potable, 0 = not potable).
pub const LABEL: &str = "Potability";

/// Number of input features.
pub const N_FEATURES: usize = 9;

/// One sample's features, in the canonical order of [`FEATURES`].
pub type FeatureVector = [f64; N_FEATURES];

/// Description of one input feature and its physically valid range (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FeatureSpec {
    /// Column / JSON field name, exactly as in the data set.
    pub name: &'static str,
    /// Unit of measurement (empty for ph).
    pub unit: &'static str,
    /// Smallest valid value (inclusive).
    pub min: f64,
    /// Largest valid value (inclusive).
    pub max: f64,
    /// Short human description.
    pub description: &'static str,
}

impl FeatureSpec {
    /// Whether `value` is finite and within `[min, max]`.
    pub fn accepts(&self, value: f64) -> bool {
        value.is_finite() && value >= self.min && value <= self.max
    }
}

/// The nine features in canonical order: ph, Hardness, Solids, Chloramines, Sulfate,
/// Conductivity, Organic_carbon, Trihalomethanes, Turbidity.
pub const FEATURES: [FeatureSpec; N_FEATURES] = [
    FeatureSpec {
        name: "ph",
        unit: "",
        min: 0.0,
        max: 14.0,
        description: "Acid-base balance of the water",
    },
    FeatureSpec {
        name: "Hardness",
        unit: "mg/L",
        min: 0.0,
        max: 1000.0,
        description: "Dissolved calcium and magnesium salts",
    },
    FeatureSpec {
        name: "Solids",
        unit: "ppm",
        min: 0.0,
        max: 100_000.0,
        description: "Total dissolved solids",
    },
    FeatureSpec {
        name: "Chloramines",
        unit: "ppm",
        min: 0.0,
        max: 20.0,
        description: "Chloramine disinfectant concentration",
    },
    FeatureSpec {
        name: "Sulfate",
        unit: "mg/L",
        min: 0.0,
        max: 2000.0,
        description: "Dissolved sulfate",
    },
    FeatureSpec {
        name: "Conductivity",
        unit: "uS/cm",
        min: 0.0,
        max: 5000.0,
        description: "Electrical conductivity",
    },
    FeatureSpec {
        name: "Organic_carbon",
        unit: "ppm",
        min: 0.0,
        max: 100.0,
        description: "Total organic carbon",
    },
    FeatureSpec {
        name: "Trihalomethanes",
        unit: "ug/L",
        min: 0.0,
        max: 1000.0,
        description: "Trihalomethanes (chlorination by-products)",
    },
    FeatureSpec {
        name: "Turbidity",
        unit: "NTU",
        min: 0.0,
        max: 100.0,
        description: "Cloudiness caused by suspended particles",
    },
];

/// Position of the feature called `name` in [`FEATURES`] (exact, case-sensitive match).
pub fn feature_index(name: &str) -> Option<usize> {
    FEATURES.iter().position(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_and_lookup() {
        let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "ph",
                "Hardness",
                "Solids",
                "Chloramines",
                "Sulfate",
                "Conductivity",
                "Organic_carbon",
                "Trihalomethanes",
                "Turbidity"
            ]
        );
        assert_eq!(feature_index("Sulfate"), Some(4));
        assert_eq!(feature_index("Turbidity"), Some(8));
        assert_eq!(feature_index("PH"), None);
        assert_eq!(feature_index(LABEL), None);
    }

    #[test]
    fn ranges_are_inclusive_and_finite_only() {
        let ph = &FEATURES[0];
        assert!(ph.accepts(0.0));
        assert!(ph.accepts(14.0));
        assert!(!ph.accepts(14.000_001));
        assert!(!ph.accepts(-0.1));
        assert!(!ph.accepts(f64::NAN));
        assert!(!ph.accepts(f64::INFINITY));
        assert_eq!(FEATURES[2].max, 100_000.0);
    }
}
