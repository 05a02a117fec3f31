//! Every figure asked for, for one row: runs the scenarios and turns what they return into
//! table cells, keeping the reason for each failure.

use crate::engine_memory::EngineMemory;
use crate::family::{self, Family};
use crate::figures::{Outcome, Work, median, percentile_micros};
use crate::loss::Loss;
use crate::options::{Figure, Options};
use crate::rows::{Row, System};
use crate::table::{Cell, Figures};
use crate::{idle, scenario};

/// A row's cells, and what went wrong where a cell says "failed".
pub(crate) struct Measured {
    /// The cells.
    pub(crate) figures: Figures,
    /// One line per failed figure.
    pub(crate) failures: Vec<String>,
}

/// Measures `row`. `engine` is the engine's own memory accounting, when it was measured.
pub(crate) fn row(row: Row, options: &Options, engine: &Result<EngineMemory, String>) -> Measured {
    let mut measured = Measured {
        figures: Figures::default(),
        failures: Vec::new(),
    };
    let ipv6 = family::current() == Family::V6;
    for &figure in &options.figures {
        if ipv6 && (figure == Figure::Memory || row.client() == System::Smoltcp) {
            measured.figures.not_applicable(figure);
            continue;
        }
        eprintln!("net bench: {}: {figure:?}", row.label());
        let result = match figure {
            Figure::Bulk => bulk(row, options, &mut measured.figures),
            Figure::RoundTrips => round_trips(row, &mut measured.figures),
            Figure::Memory => memory(row, engine, &mut measured.figures),
        };
        if let Err(reason) = result {
            measured
                .failures
                .push(format!("{}, {figure:?}: {reason}", row.label()));
        }
    }
    measured
}

/// Bulk throughput and CPU per GB: medians over the repeats.
fn bulk(row: Row, options: &Options, figures: &mut Figures) -> Result<(), String> {
    (figures.bulk, figures.cpu_per_gb) = (Cell::Failed, Cell::Failed);
    let transfers = scenario::bulk(row, Loss::NONE, options.bulk_duration, options.repeats)
        .map_err(|e| e.to_string())?;
    let gbps = transfers.iter().map(|t| t.gbit_per_second()).collect();
    let cpu = transfers.iter().map(|t| t.cpu_seconds_per_gb()).collect();
    figures.bulk = value(median(gbps));
    figures.cpu_per_gb = value(median(cpu));
    Ok(())
}

/// Round-trip median and 99th percentile.
fn round_trips(row: Row, figures: &mut Figures) -> Result<(), String> {
    (figures.rr_p50, figures.rr_p99) = (Cell::Failed, Cell::Failed);
    let Outcome::RoundTrips(mut samples) =
        scenario::run(row, Loss::NONE, Work::RoundTrips).map_err(|e| e.to_string())?
    else {
        return Err("the client measured something else".to_string());
    };
    figures.rr_p50 = value(percentile_micros(&mut samples, 50.0));
    figures.rr_p99 = value(percentile_micros(&mut samples, 99.0));
    Ok(())
}

/// Memory per idle connection: the engine's accounting for this stack's rows, measured
/// growth (in a child process) for every row but smoltcp's.
fn memory(
    row: Row,
    engine: &Result<EngineMemory, String>,
    figures: &mut Figures,
) -> Result<(), String> {
    let mut failure = None;
    figures.memory_engine = match (row, engine) {
        (Row::StackToKernel | Row::StackToKernelOffloads, Ok(engine)) => {
            Cell::Value(engine.connecting)
        }
        (Row::KernelToStack | Row::KernelToStackOffloads, Ok(engine)) => {
            Cell::Value(engine.accepting)
        }
        (_, Err(reason)) if row.client() == System::Stack || row.server() == System::Stack => {
            failure = Some(format!("engine accounting: {reason}"));
            Cell::Failed
        }
        _ => Cell::NotApplicable,
    };
    figures.memory_growth = if row.client() == System::Smoltcp {
        Cell::NotApplicable
    } else {
        match idle::in_child(row) {
            Ok(bytes) => Cell::Value(bytes),
            Err(error) => {
                failure = Some(format!("measured growth: {error}"));
                Cell::Failed
            }
        }
    };
    failure.map_or(Ok(()), Err)
}

/// A computed statistic as a cell.
fn value(statistic: Option<f64>) -> Cell {
    statistic.map_or(Cell::Failed, Cell::Value)
}
