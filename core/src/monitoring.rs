//! Monitoring of the served model: a log of every prediction (SQLite, WAL) and the drift of
//! recent inputs against the training data.
//!
//! Logging never slows a prediction down: [`record`] hands the rows to a writer thread over a
//! bounded channel and returns; when the channel is full the rows are dropped and counted
//! rather than waited for. The server installs one [`Monitor`] per process with [`install`];
//! without one (CLI, unit tests) [`record`] does nothing.

use crate::dataset::{read_csv_path, DataError};
use crate::schema::{FeatureVector, FEATURES, N_FEATURES};
use crate::service::{Prediction, Service};
use crate::split::{select, stratified_split, SplitError};
use rusqlite::{params_from_iter, Connection};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// File name of the prediction log inside the models folder.
pub const LOG_FILE: &str = "predictions.db";
/// Most predictions kept; older ones are deleted as new ones arrive.
pub const MAX_RETAINED: i64 = 100_000;
/// Number of batches the writer thread may lag behind before new ones are dropped.
const CHANNEL_CAPACITY: usize = 1024;
/// How many of the latest logged inputs are compared with the training data.
pub const RECENT_WINDOW: usize = 1000;
/// PSI at or above this means the feature has drifted (0.1–0.2 is commonly read as a moderate
/// shift, above 0.2 as significant).
pub const PSI_THRESHOLD: f64 = 0.2;
/// Significance level of the two-sample Kolmogorov–Smirnov test.
pub const KS_ALPHA: f64 = 0.05;
/// Number of quantile bins of the reference distribution used by the PSI.
pub const PSI_BINS: usize = 10;

/// Why monitoring could not be set up or read.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// SQLite refused an operation.
    #[error("prediction log {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The writer thread could not be started.
    #[error("cannot start the prediction log writer: {0}")]
    Thread(std::io::Error),
    /// The reference data could not be read.
    #[error("reference data: {0}")]
    Data(#[from] DataError),
    /// The reference data could not be split like the training run.
    #[error("reference data: {0}")]
    Split(#[from] SplitError),
}

/// One logged prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedPrediction {
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The version that answered.
    pub version: String,
    /// The predicted class (1 = potable).
    pub class: u8,
    /// Probability that the sample is potable.
    pub probability: f64,
    /// The inputs, canonical order.
    pub features: FeatureVector,
}

enum Message {
    Rows(Vec<LoggedPrediction>),
    Flush(SyncSender<()>),
}

/// Append-only SQLite log of served predictions, written by a background thread.
pub struct PredictionLog {
    path: PathBuf,
    sender: SyncSender<Message>,
    dropped: AtomicU64,
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> MonitorError + '_ {
    move |source| MonitorError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn feature_columns() -> String {
    FEATURES
        .iter()
        .map(|f| format!("\"{}\"", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

impl PredictionLog {
    /// Opens (or creates) the log at `path` in WAL mode and starts its writer thread.
    pub fn open(path: &Path) -> Result<Self, MonitorError> {
        let conn = Connection::open(path).map_err(sql_err(path))?;
        conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
            .map_err(sql_err(path))?;
        let columns: String = FEATURES
            .iter()
            .map(|f| format!(", \"{}\" REAL NOT NULL", f.name))
            .collect();
        conn.execute_batch(&format!(
            "PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS predictions (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 time_ms INTEGER NOT NULL,
                 version TEXT NOT NULL,
                 class INTEGER NOT NULL,
                 probability REAL NOT NULL{columns});
             CREATE INDEX IF NOT EXISTS predictions_time ON predictions(time_ms);"
        ))
        .map_err(sql_err(path))?;
        let (sender, receiver) = sync_channel(CHANNEL_CAPACITY);
        let writer_path = path.to_path_buf();
        std::thread::Builder::new()
            .name("prediction-log".into())
            .spawn(move || {
                crate::os::lower_thread_priority();
                write_loop(conn, &writer_path, receiver)
            })
            .map_err(MonitorError::Thread)?;
        Ok(PredictionLog {
            path: path.to_path_buf(),
            sender,
            dropped: AtomicU64::new(0),
        })
    }

    /// Queues predictions for writing; never blocks (drops and counts when the writer lags).
    pub fn append(&self, rows: Vec<LoggedPrediction>) {
        match self.sender.try_send(Message::Rows(rows)) {
            Ok(()) => {}
            Err(
                TrySendError::Full(Message::Rows(rows))
                | TrySendError::Disconnected(Message::Rows(rows)),
            ) => {
                self.dropped.fetch_add(rows.len() as u64, Ordering::Relaxed);
            }
            Err(_) => {}
        }
    }

    /// Waits until everything queued so far is written.
    pub fn flush(&self) {
        let (ack, done) = sync_channel(1);
        if self.sender.send(Message::Flush(ack)).is_ok() {
            let _ = done.recv();
        }
    }

    /// Predictions dropped because the writer lagged behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn reader(&self) -> Result<Connection, MonitorError> {
        Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sql_err(&self.path))
    }

    /// Number of predictions in the log.
    pub fn count(&self) -> Result<i64, MonitorError> {
        self.reader()?
            .query_row("SELECT COUNT(*) FROM predictions", [], |r| r.get(0))
            .map_err(sql_err(&self.path))
    }

    /// The latest `limit` logged predictions, oldest first.
    pub fn latest(&self, limit: usize) -> Result<Vec<LoggedPrediction>, MonitorError> {
        let conn = self.reader()?;
        let sql = format!(
            "SELECT time_ms, version, class, probability, {} FROM predictions
             ORDER BY id DESC LIMIT ?1",
            feature_columns()
        );
        let mut stmt = conn.prepare(&sql).map_err(sql_err(&self.path))?;
        let mut rows: Vec<LoggedPrediction> = stmt
            .query_map([limit as i64], |r| {
                let mut features = [0.0; N_FEATURES];
                for (i, slot) in features.iter_mut().enumerate() {
                    *slot = r.get(4 + i)?;
                }
                Ok(LoggedPrediction {
                    time_ms: r.get(0)?,
                    version: r.get(1)?,
                    class: r.get(2)?,
                    probability: r.get(3)?,
                    features,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(sql_err(&self.path))?;
        rows.reverse();
        Ok(rows)
    }

    /// Counts per (version, class) in time buckets over the whole retained log.
    pub fn time_series(&self, max_buckets: usize) -> Result<TimeSeries, MonitorError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("SELECT time_ms, version, class FROM predictions ORDER BY id")
            .map_err(sql_err(&self.path))?;
        let points: Vec<(i64, String, u8)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(sql_err(&self.path))?;
        Ok(TimeSeries::from_points(&points, max_buckets))
    }
}

fn write_loop(mut conn: Connection, path: &Path, receiver: Receiver<Message>) {
    let insert = format!(
        "INSERT INTO predictions (time_ms, version, class, probability, {}) \
         VALUES (?1, ?2, ?3, ?4{})",
        feature_columns(),
        (5..5 + N_FEATURES)
            .map(|i| format!(", ?{i}"))
            .collect::<String>()
    );
    for message in receiver {
        match message {
            Message::Rows(rows) => {
                if let Err(e) = write_rows(&mut conn, &insert, &rows) {
                    tracing::error!(path = %path.display(), error = %e, "cannot log predictions");
                }
            }
            Message::Flush(ack) => {
                let _ = ack.send(());
            }
        }
    }
}

fn write_rows(
    conn: &mut Connection,
    insert: &str,
    rows: &[LoggedPrediction],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(insert)?;
        for row in rows {
            let mut values: Vec<rusqlite::types::Value> = vec![
                row.time_ms.into(),
                row.version.clone().into(),
                i64::from(row.class).into(),
                row.probability.into(),
            ];
            values.extend(row.features.iter().map(|&v| v.into()));
            stmt.execute(params_from_iter(values))?;
        }
        tx.execute(
            "DELETE FROM predictions WHERE id <= (SELECT MAX(id) FROM predictions) - ?1",
            [MAX_RETAINED],
        )?;
    }
    tx.commit()
}

/// Prediction counts per (version, class) in equal time buckets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeries {
    /// Start of the first bucket, ms since the Unix epoch.
    pub start_ms: i64,
    /// Width of one bucket in ms.
    pub bucket_ms: i64,
    /// One series per (version, class), sorted by version then class.
    pub series: Vec<CountSeries>,
}

/// The counts of one (version, class) pair, one per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct CountSeries {
    /// Model version, e.g. "V1".
    pub version: String,
    /// Predicted class (1 = potable).
    pub class: u8,
    /// Count per bucket.
    pub counts: Vec<u64>,
}

/// Bucket widths tried in order: 1 min, 5 min, 15 min, 1 h, 6 h, 1 day, 1 week.
const BUCKET_WIDTHS_MS: [i64; 7] = [
    60_000,
    300_000,
    900_000,
    3_600_000,
    21_600_000,
    86_400_000,
    604_800_000,
];

impl TimeSeries {
    /// Buckets `(time_ms, version, class)` points with the narrowest width that needs at most
    /// `max_buckets` buckets.
    pub fn from_points(points: &[(i64, String, u8)], max_buckets: usize) -> TimeSeries {
        let (Some(min), Some(max)) = (
            points.iter().map(|p| p.0).min(),
            points.iter().map(|p| p.0).max(),
        ) else {
            return TimeSeries::default();
        };
        let max_buckets = max_buckets.max(1) as i64;
        let width = BUCKET_WIDTHS_MS
            .iter()
            .copied()
            .find(|w| (max / w - min / w) < max_buckets)
            .unwrap_or_else(|| ((max - min) / max_buckets + 1).max(1));
        let start = min - min.rem_euclid(width);
        let buckets = ((max - start) / width + 1) as usize;
        let mut series: Vec<CountSeries> = Vec::new();
        for (time, version, class) in points {
            let pos = match series
                .iter()
                .position(|s| &s.version == version && s.class == *class)
            {
                Some(pos) => pos,
                None => {
                    series.push(CountSeries {
                        version: version.clone(),
                        class: *class,
                        counts: vec![0; buckets],
                    });
                    series.len() - 1
                }
            };
            series[pos].counts[((time - start) / width) as usize] += 1;
        }
        series.sort_by(|a, b| {
            version_key(&a.version)
                .cmp(&version_key(&b.version))
                .then(a.class.cmp(&b.class))
        });
        TimeSeries {
            start_ms: start,
            bucket_ms: width,
            series,
        }
    }
}

/// Sorts "V2" before "V10".
fn version_key(v: &str) -> (u64, String) {
    (
        v.trim_start_matches('V').parse().unwrap_or(u64::MAX),
        v.to_string(),
    )
}

/// Per-feature training values (missing values left out), sorted ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Sorted values per feature, canonical order.
    pub values: Vec<Vec<f64>>,
}

impl Reference {
    /// The reference of `rows` (NaN = missing, skipped).
    pub fn from_rows(rows: &[FeatureVector]) -> Reference {
        let values = (0..N_FEATURES)
            .map(|i| {
                let mut v: Vec<f64> = rows
                    .iter()
                    .map(|r| r[i])
                    .filter(|x| x.is_finite())
                    .collect();
                v.sort_by(f64::total_cmp);
                v
            })
            .collect();
        Reference { values }
    }

    /// The training part of a labelled data file, split exactly as `potable train` splits it
    /// (stratified, `test_size`, `seed`).
    pub fn from_training_part(
        path: &Path,
        test_size: f64,
        seed: u64,
    ) -> Result<Self, MonitorError> {
        let data = read_csv_path(path)?;
        let labels = data.labels.clone().unwrap_or_default();
        let rows = if labels.len() == data.rows.len() && !labels.is_empty() {
            let (train, _) = stratified_split(&labels, test_size, seed)?;
            select(&data.rows, &train)
        } else {
            data.rows
        };
        Ok(Reference::from_rows(&rows))
    }
}

/// Drift of one feature's recent values against the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDrift {
    /// Feature name.
    pub feature: &'static str,
    /// Population stability index over [`PSI_BINS`] reference-quantile bins.
    pub psi: f64,
    /// Two-sample Kolmogorov–Smirnov statistic (largest CDF gap).
    pub ks: f64,
    /// KS critical value at [`KS_ALPHA`] for these sample sizes.
    pub ks_critical: f64,
    /// Reference values used.
    pub reference_n: usize,
    /// Recent values used.
    pub recent_n: usize,
}

impl FeatureDrift {
    /// Whether the PSI or the KS test flags a shift.
    pub fn drifted(&self) -> bool {
        self.psi >= PSI_THRESHOLD || self.ks > self.ks_critical
    }
}

/// Drift of every feature of `recent` against `reference`; `None` per feature without data.
pub fn drift(reference: &Reference, recent: &[FeatureVector]) -> Vec<Option<FeatureDrift>> {
    FEATURES
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let reference = &reference.values[i];
            let mut recent: Vec<f64> = recent
                .iter()
                .map(|r| r[i])
                .filter(|x| x.is_finite())
                .collect();
            recent.sort_by(f64::total_cmp);
            if reference.is_empty() || recent.is_empty() {
                return None;
            }
            Some(FeatureDrift {
                feature: spec.name,
                psi: psi(reference, &recent, PSI_BINS),
                ks: ks_statistic(reference, &recent),
                ks_critical: ks_critical(reference.len(), recent.len(), KS_ALPHA),
                reference_n: reference.len(),
                recent_n: recent.len(),
            })
        })
        .collect()
}

/// Smallest bin share used by the PSI, so empty bins give a large but finite term.
const PSI_FLOOR: f64 = 1e-4;

/// PSI of two share vectors: Σ (actual − expected) · ln(actual / expected).
pub fn psi_of_shares(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let (e, a) = (e.max(PSI_FLOOR), a.max(PSI_FLOOR));
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// Interior bin edges at the reference's quantiles (duplicates removed). Both slices sorted.
fn quantile_edges(reference: &[f64], bins: usize) -> Vec<f64> {
    let mut edges: Vec<f64> = (1..bins)
        .map(|k| reference[(k * reference.len() / bins).min(reference.len() - 1)])
        .collect();
    edges.dedup();
    edges
}

/// Share of `values` (sorted) in each bin: bin j holds values in `[edge[j-1], edge[j])`.
fn bin_shares(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    let mut below_prev = 0;
    let mut shares = Vec::with_capacity(edges.len() + 1);
    for &edge in edges {
        let below = values.partition_point(|&v| v < edge);
        shares.push((below - below_prev) as f64 / n);
        below_prev = below;
    }
    shares.push((values.len() - below_prev) as f64 / n);
    shares
}

/// PSI of `recent` against `reference` (both sorted) over `bins` reference-quantile bins.
pub fn psi(reference: &[f64], recent: &[f64], bins: usize) -> f64 {
    let edges = quantile_edges(reference, bins);
    psi_of_shares(&bin_shares(reference, &edges), &bin_shares(recent, &edges))
}

/// Two-sample KS statistic: the largest gap between the empirical CDFs (both sorted).
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    d
}

/// Asymptotic critical value of the two-sample KS statistic: c(α)·√((n+m)/(n·m)),
/// c(α) = √(−ln(α/2)/2) (1.358 at α = 0.05).
pub fn ks_critical(n: usize, m: usize, alpha: f64) -> f64 {
    let c = (-(alpha / 2.0).ln() / 2.0).sqrt();
    let (n, m) = (n as f64, m as f64);
    c * ((n + m) / (n * m)).sqrt()
}

/// The process-wide monitoring state of a running server.
pub struct Monitor {
    /// Where predictions are logged.
    pub log: PredictionLog,
    /// The training data's distribution, when the data file was available at start.
    pub reference: Option<Reference>,
    /// Where the reference came from (shown on the page), or why there is none.
    pub reference_note: String,
}

static MONITOR: OnceLock<Monitor> = OnceLock::new();

/// Opens `models_dir/predictions.db`, reads the reference (the training part of `data`, split
/// with the active version's parameters) and installs the process's monitor. A missing data
/// file only leaves drift unavailable; a log that cannot be opened is an error.
pub fn start(models_dir: &Path, data: &Path, service: &Service) -> Result<(), MonitorError> {
    let log = PredictionLog::open(&models_dir.join(LOG_FILE))?;
    let (reference, reference_note) = match service.active_model() {
        None => (None, "no active model version".to_string()),
        Some(model) => {
            let p = &model.artifact.params.preprocess;
            match Reference::from_training_part(data, p.test_size, p.random_state) {
                Ok(r) => (
                    Some(r),
                    format!(
                        "training part of {} (test_size {}, seed {}, as {} was trained)",
                        data.display(),
                        p.test_size,
                        p.random_state,
                        model.version
                    ),
                ),
                Err(e) => (None, format!("no reference data: {e}")),
            }
        }
    };
    install(Monitor {
        log,
        reference,
        reference_note,
    });
    Ok(())
}

/// Installs the process's monitor (first call wins; later calls are ignored).
pub fn install(monitor: Monitor) {
    let _ = MONITOR.set(monitor);
}

/// The installed monitor, if any.
pub fn installed() -> Option<&'static Monitor> {
    MONITOR.get()
}

/// Logs served predictions with their inputs (no-op without an installed monitor).
pub fn record(rows: &[FeatureVector], predictions: &[Prediction]) {
    let Some(monitor) = MONITOR.get() else {
        return;
    };
    let time_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    monitor.log.append(
        rows.iter()
            .zip(predictions)
            .map(|(features, p)| LoggedPrediction {
                time_ms,
                version: p.model_version.clone(),
                class: p.potability,
                probability: p.probability_potable,
                features: *features,
            })
            .collect(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(time_ms: i64, version: &str, class: u8, ph: f64) -> LoggedPrediction {
        let mut features = [1.0; N_FEATURES];
        features[0] = ph;
        LoggedPrediction {
            time_ms,
            version: version.into(),
            class,
            probability: if class == 1 { 0.7 } else { 0.3 },
            features,
        }
    }

    #[test]
    fn log_round_trip_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let log = PredictionLog::open(&path).unwrap();
        log.append(vec![
            logged(1_000, "V1", 0, 7.0),
            logged(2_000, "V1", 1, 8.0),
        ]);
        log.append(vec![logged(70_000, "V2", 1, 6.0)]);
        log.flush();
        assert_eq!(log.count().unwrap(), 3);
        let latest = log.latest(2).unwrap();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest[0], logged(2_000, "V1", 1, 8.0));
        assert_eq!(latest[1].version, "V2");
        let mode: String = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let ts = log.time_series(30).unwrap();
        assert_eq!(ts.bucket_ms, 60_000);
        assert_eq!(ts.start_ms, 0);
        let counts: Vec<(&str, u8, Vec<u64>)> = ts
            .series
            .iter()
            .map(|s| (s.version.as_str(), s.class, s.counts.clone()))
            .collect();
        assert_eq!(
            counts,
            [
                ("V1", 0, vec![1, 0]),
                ("V1", 1, vec![1, 0]),
                ("V2", 1, vec![0, 1])
            ]
        );
        assert_eq!(log.dropped(), 0);
    }

    #[test]
    fn time_series_widens_buckets_and_handles_empty() {
        assert_eq!(TimeSeries::from_points(&[], 10), TimeSeries::default());
        let points: Vec<(i64, String, u8)> = (0..48)
            .map(|h| (h * 3_600_000, "V10".to_string(), 0))
            .chain([(0, "V2".to_string(), 1)])
            .collect();
        let ts = TimeSeries::from_points(&points, 24);
        assert_eq!(ts.bucket_ms, 21_600_000);
        assert_eq!(ts.series[0].version, "V2");
        assert_eq!(ts.series[1].counts.iter().sum::<u64>(), 48);
        assert_eq!(ts.series[1].counts.len(), 8);
    }

    #[test]
    fn psi_known_values() {
        // Shares 50/50 against 25/75: (0.25−0.5)·ln(0.5) + (0.75−0.5)·ln(1.5).
        let v = psi_of_shares(&[0.5, 0.5], &[0.25, 0.75]);
        assert!((v - 0.274_653).abs() < 1e-5, "{v}");
        assert_eq!(psi_of_shares(&[0.2, 0.8], &[0.2, 0.8]), 0.0);
        let reference: Vec<f64> = (0..100).map(f64::from).collect();
        assert!(psi(&reference, &reference, 10).abs() < 1e-12);
        // Everything recent falls in the top decile: 9 bins at the floor, one at 100 %.
        let recent = vec![95.0; 10];
        let expected = 9.0 * (1e-4 - 0.1) * (1e-4_f64 / 0.1).ln() + 0.9 * 10.0_f64.ln();
        assert!((psi(&reference, &recent, 10) - expected).abs() < 1e-9);
    }

    #[test]
    fn ks_known_values() {
        assert_eq!(ks_statistic(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
        assert_eq!(ks_statistic(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
        assert!((ks_statistic(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]) - 1.0 / 3.0).abs() < 1e-12);
        assert!((ks_critical(100, 100, 0.05) - 1.358_1 * 0.141_421).abs() < 1e-3);
    }

    #[test]
    fn drift_flags_a_shifted_feature_only() {
        let reference_rows: Vec<FeatureVector> =
            (0..500).map(|i| [f64::from(i % 100); N_FEATURES]).collect();
        let reference = Reference::from_rows(&reference_rows);
        let mut recent: Vec<FeatureVector> =
            (0..200).map(|i| [f64::from(i % 100); N_FEATURES]).collect();
        for row in &mut recent {
            row[0] += 50.0;
            row[1] = f64::NAN;
        }
        let d = drift(&reference, &recent);
        let ph = d[0].as_ref().unwrap();
        assert!(
            ph.drifted() && ph.ks >= 0.5 && ph.psi > PSI_THRESHOLD,
            "{ph:?}"
        );
        assert!(d[1].is_none());
        let solids = d[2].as_ref().unwrap();
        assert!(!solids.drifted(), "{solids:?}");
        assert_eq!((solids.reference_n, solids.recent_n), (500, 200));
    }
}
