//! Common drinking-water guideline values for the nine features, used to put a
//! "within / near / beyond" badge next to each measured value.
//!
//! These are guideline, aesthetic and regulatory values from public sources, not part of the
//! model: the model never sees them. Sources, cited per feature in [`GUIDELINES`]:
//! - WHO, *Guidelines for Drinking-water Quality*, 4th edition incorporating the 1st and 2nd
//!   addenda (2022) — "WHO GDWQ".
//! - US EPA National Secondary Drinking Water Regulations (40 CFR part 143, non-enforceable
//!   aesthetic standards) — "EPA secondary".
//! - US EPA National Primary Drinking Water Regulations (40 CFR part 141): maximum contaminant
//!   levels (MCL), maximum residual disinfectant levels (MRDL) and treatment techniques.

/// How a value compares with a guideline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum GuidelineStatus {
    /// Inside the guideline with a margin.
    Within,
    /// Close to a limit (inside, within the margin), or past a first, stricter limit but not
    /// the second one (turbidity).
    Near,
    /// Past the guideline value.
    Beyond,
    /// No WHO or US EPA guideline exists for this measurement.
    NoGuideline,
}

impl GuidelineStatus {
    /// Short badge text.
    pub fn label(self) -> &'static str {
        match self {
            GuidelineStatus::Within => "within guideline",
            GuidelineStatus::Near => "near limit",
            GuidelineStatus::Beyond => "beyond guideline",
            GuidelineStatus::NoGuideline => "no guideline",
        }
    }

    /// CSS-friendly name: `within`, `near`, `beyond` or `none`.
    pub fn key(self) -> &'static str {
        match self {
            GuidelineStatus::Within => "within",
            GuidelineStatus::Near => "near",
            GuidelineStatus::Beyond => "beyond",
            GuidelineStatus::NoGuideline => "none",
        }
    }
}

/// The shape of a guideline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// Acceptable range `[low, high]`; values within `margin` of either end are "near".
    Range {
        /// Lowest acceptable value.
        low: f64,
        /// Highest acceptable value.
        high: f64,
        /// Width of the "near" band inside each end.
        margin: f64,
    },
    /// Upper limit: "within" up to `near_from`, "near" up to `max`, "beyond" above.
    Upper {
        /// Where the "near" band starts.
        near_from: f64,
        /// The guideline value itself.
        max: f64,
    },
    /// No guideline value exists.
    None,
}

/// The guideline of one feature and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guideline {
    /// Feature name, as in [`crate::FEATURES`].
    pub feature: &'static str,
    /// The thresholds.
    pub limit: Limit,
    /// Human-readable summary of the thresholds and their source.
    pub source: &'static str,
}

impl Guideline {
    /// Classifies `value` (non-finite values are "beyond").
    pub fn status(&self, value: f64) -> GuidelineStatus {
        if !value.is_finite() {
            return GuidelineStatus::Beyond;
        }
        match self.limit {
            Limit::None => GuidelineStatus::NoGuideline,
            Limit::Range { low, high, margin } => {
                if value < low || value > high {
                    GuidelineStatus::Beyond
                } else if value < low + margin || value > high - margin {
                    GuidelineStatus::Near
                } else {
                    GuidelineStatus::Within
                }
            }
            Limit::Upper { near_from, max } => {
                if value > max {
                    GuidelineStatus::Beyond
                } else if value > near_from {
                    GuidelineStatus::Near
                } else {
                    GuidelineStatus::Within
                }
            }
        }
    }
}

/// Guideline per feature, in the canonical order of [`crate::FEATURES`]. "Near" for a single upper
/// limit means above 90 % of it.
pub const GUIDELINES: [Guideline; 9] = [
    // ph: US EPA secondary standard 6.5–8.5 (aesthetic: taste, corrosion, scaling). WHO GDWQ
    // sets no health-based guideline value for pH (it is an operational parameter).
    Guideline {
        feature: "ph",
        limit: Limit::Range {
            low: 6.5,
            high: 8.5,
            margin: 0.2,
        },
        source: "6.5–8.5: US EPA secondary standard (WHO sets no health-based value)",
    },
    // Hardness: neither WHO GDWQ nor US EPA sets a guideline value. WHO GDWQ notes that above
    // about 200 mg/L (as CaCO3) hardness may cause scale deposition — a note, not a guideline.
    Guideline {
        feature: "Hardness",
        limit: Limit::None,
        source: "No WHO or US EPA guideline (WHO notes scale above ~200 mg/L)",
    },
    // Solids (total dissolved solids): US EPA secondary standard 500 mg/L. WHO GDWQ sets no
    // health-based value; it rates palatability as good below about 600 mg/L.
    Guideline {
        feature: "Solids",
        limit: Limit::Upper {
            near_from: 450.0,
            max: 500.0,
        },
        source: "500 mg/L total dissolved solids: US EPA secondary standard",
    },
    // Chloramines: US EPA maximum residual disinfectant level (MRDL) 4.0 mg/L as Cl2.
    // (WHO GDWQ: monochloramine guideline value 3 mg/L.)
    Guideline {
        feature: "Chloramines",
        limit: Limit::Upper {
            near_from: 3.6,
            max: 4.0,
        },
        source: "4 mg/L: US EPA MRDL (WHO: monochloramine 3 mg/L)",
    },
    // Sulfate: US EPA secondary standard 250 mg/L (taste). WHO GDWQ sets no health-based value.
    Guideline {
        feature: "Sulfate",
        limit: Limit::Upper {
            near_from: 225.0,
            max: 250.0,
        },
        source: "250 mg/L: US EPA secondary standard",
    },
    // Conductivity: no WHO GDWQ or US EPA guideline value exists. (The "400 µS/cm WHO" figure
    // quoted with the Kaggle data set is not in WHO GDWQ.)
    Guideline {
        feature: "Conductivity",
        limit: Limit::None,
        source: "No WHO or US EPA guideline",
    },
    // Organic carbon: no WHO GDWQ or US EPA maximum level; the EPA disinfection by-products
    // rules require TOC *removal* during treatment, not a limit in tap water.
    Guideline {
        feature: "Organic_carbon",
        limit: Limit::None,
        source: "No WHO or US EPA guideline (EPA requires TOC removal in treatment)",
    },
    // Trihalomethanes: US EPA MCL 80 µg/L for total trihalomethanes (Stage 1/2 Disinfectants
    // and Disinfection Byproducts Rules). WHO GDWQ sets values per compound (e.g. chloroform
    // 300 µg/L) with a sum-of-ratios rule instead.
    Guideline {
        feature: "Trihalomethanes",
        limit: Limit::Upper {
            near_from: 72.0,
            max: 80.0,
        },
        source: "80 µg/L total THMs: US EPA MCL",
    },
    // Turbidity: 1 NTU is the US EPA treatment-technique maximum for conventional/direct
    // filtration (Interim Enhanced / Long Term 1 Enhanced Surface Water Treatment Rules);
    // 5 NTU was the 1989 Surface Water Treatment Rule maximum, and WHO GDWQ notes turbidity
    // above about 4 NTU is visible. So 1–5 NTU is "near", above 5 "beyond".
    Guideline {
        feature: "Turbidity",
        limit: Limit::Upper {
            near_from: 1.0,
            max: 5.0,
        },
        source: "1 NTU: US EPA filtered-water limit; 5 NTU: 1989 EPA limit, visible (WHO)",
    },
];

/// The guideline of the feature at `index` in [`crate::FEATURES`].
pub fn guideline(index: usize) -> Option<&'static Guideline> {
    GUIDELINES.get(index)
}

/// The guideline of the feature called `name`.
pub fn guideline_for(name: &str) -> Option<&'static Guideline> {
    crate::feature_index(name).and_then(guideline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_guideline_per_feature_in_order() {
        for (g, f) in GUIDELINES.iter().zip(crate::FEATURES.iter()) {
            assert_eq!(g.feature, f.name);
        }
    }

    #[test]
    fn statuses_at_the_cited_thresholds() {
        let ph = guideline_for("ph").unwrap();
        assert_eq!(ph.status(7.0), GuidelineStatus::Within);
        assert_eq!(ph.status(6.6), GuidelineStatus::Near);
        assert_eq!(ph.status(8.5), GuidelineStatus::Near);
        assert_eq!(ph.status(8.51), GuidelineStatus::Beyond);
        assert_eq!(ph.status(6.4), GuidelineStatus::Beyond);
        let sulfate = guideline_for("Sulfate").unwrap();
        assert_eq!(sulfate.status(200.0), GuidelineStatus::Within);
        assert_eq!(sulfate.status(250.0), GuidelineStatus::Near);
        assert_eq!(sulfate.status(350.0), GuidelineStatus::Beyond);
        let turbidity = guideline_for("Turbidity").unwrap();
        assert_eq!(turbidity.status(0.5), GuidelineStatus::Within);
        assert_eq!(turbidity.status(4.0), GuidelineStatus::Near);
        assert_eq!(turbidity.status(5.5), GuidelineStatus::Beyond);
        let thm = guideline_for("Trihalomethanes").unwrap();
        assert_eq!(thm.status(80.0), GuidelineStatus::Near);
        assert_eq!(thm.status(80.1), GuidelineStatus::Beyond);
        assert_eq!(
            guideline_for("Hardness").unwrap().status(900.0),
            GuidelineStatus::NoGuideline
        );
        assert_eq!(ph.status(f64::NAN), GuidelineStatus::Beyond);
    }
}
