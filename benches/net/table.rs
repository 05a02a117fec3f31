//! The markdown table: absolute figures, each with its ratio to the baseline row
//! (kernel -> kernel, offloads off).

use std::fmt::Write;

use crate::rows::Row;

/// One figure of one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    /// Measured.
    Value(f64),
    /// Does not apply to this row (or this system cannot do it here).
    NotApplicable,
    /// Not asked for on the command line.
    NotRun,
    /// Tried and failed; the reason is listed under the table.
    Failed,
}

/// Every figure of one row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    /// Bulk throughput, Gbit/s (median of the repeats).
    pub(crate) bulk: Cell,
    /// CPU seconds of the whole process per GB of bulk data (median of the repeats).
    pub(crate) cpu_per_gb: Cell,
    /// Round trip median, microseconds.
    pub(crate) rr_p50: Cell,
    /// Round trip 99th percentile, microseconds.
    pub(crate) rr_p99: Cell,
    /// Bytes per idle connection by the engine's own accounting.
    pub(crate) memory_engine: Cell,
    /// Bytes per idle connection end by measured growth (RSS, or kernel slab).
    pub(crate) memory_growth: Cell,
}

impl Figures {
    /// Marks the cells of `figure` as not applying to this row.
    pub(crate) fn not_applicable(&mut self, figure: crate::options::Figure) {
        use crate::options::Figure;
        let cells = match figure {
            Figure::Bulk => [&mut self.bulk, &mut self.cpu_per_gb],
            Figure::RoundTrips => [&mut self.rr_p50, &mut self.rr_p99],
            Figure::Memory => [&mut self.memory_engine, &mut self.memory_growth],
        };
        for cell in cells {
            *cell = Cell::NotApplicable;
        }
    }
}

impl Default for Figures {
    fn default() -> Figures {
        Figures {
            bulk: Cell::NotRun,
            cpu_per_gb: Cell::NotRun,
            rr_p50: Cell::NotRun,
            rr_p99: Cell::NotRun,
            memory_engine: Cell::NotRun,
            memory_growth: Cell::NotRun,
        }
    }
}

/// A column: its heading, the decimals shown, and which figure it shows.
struct Column {
    title: &'static str,
    decimals: usize,
    figure: fn(&Figures) -> Cell,
}

/// The columns after the row's name.
const COLUMNS: [Column; 6] = [
    Column {
        title: "bulk Gbit/s",
        decimals: 2,
        figure: |f| f.bulk,
    },
    Column {
        title: "RR p50 µs",
        decimals: 1,
        figure: |f| f.rr_p50,
    },
    Column {
        title: "RR p99 µs",
        decimals: 1,
        figure: |f| f.rr_p99,
    },
    Column {
        title: "mem/conn engine B",
        decimals: 0,
        figure: |f| f.memory_engine,
    },
    Column {
        title: "mem/conn measured B",
        decimals: 0,
        figure: |f| f.memory_growth,
    },
    Column {
        title: "CPU s/GB",
        decimals: 2,
        figure: |f| f.cpu_per_gb,
    },
];

/// The table for `rows`; ratios are to the [`Row::KernelToKernel`] row when it was
/// measured.
pub(crate) fn render(rows: &[(Row, Figures)]) -> String {
    let baseline = rows
        .iter()
        .find(|(row, _)| *row == Row::KernelToKernel)
        .map(|(_, figures)| *figures);
    let mut out = String::from("| row |");
    for column in &COLUMNS {
        let _ = write!(out, " {} |", column.title);
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(COLUMNS.len()));
    out.push('\n');
    for (row, figures) in rows {
        let _ = write!(out, "| {} |", row.label());
        for column in &COLUMNS {
            let base = baseline.map(|b| (column.figure)(&b));
            let _ = write!(
                out,
                " {} |",
                cell((column.figure)(figures), base, column.decimals)
            );
        }
        out.push('\n');
    }
    out
}

/// A cell's text: `1.23 (×0.45)`, or why there is no number.
pub(crate) fn cell(value: Cell, baseline: Option<Cell>, decimals: usize) -> String {
    match (value, baseline) {
        (Cell::Value(v), Some(Cell::Value(b))) if b != 0.0 => {
            format!("{v:.decimals$} (×{:.2})", v / b)
        }
        (Cell::Value(v), _) => format!("{v:.decimals$}"),
        (Cell::NotApplicable, _) => "n/a".to_string(),
        (Cell::NotRun, _) => "–".to_string(),
        (Cell::Failed, _) => "failed".to_string(),
    }
}
