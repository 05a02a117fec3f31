//! Sans-IO TCP engine (being built).
