//! The tracing span of one connection, held in 8 bytes: a span no subscriber records is
//! kept as nothing (entering it would do nothing), a recorded one is shared.

use std::sync::Arc;

/// A disabled span to stand for every connection whose span nobody records.
static DISABLED: tracing::Span = tracing::Span::none();

/// A connection's span. It dereferences to a [`tracing::Span`], so it is entered and used
/// as one; cloning it is cheap (a reference count at most).
#[derive(Debug, Clone)]
pub(crate) struct ConnectionSpan(Option<Arc<tracing::Span>>);

impl ConnectionSpan {
    /// Keeps `span`, or nothing when it is disabled.
    pub(crate) fn new(span: tracing::Span) -> ConnectionSpan {
        ConnectionSpan((!span.is_disabled()).then(|| Arc::new(span)))
    }

    /// Heap bytes held: this connection's share of a recorded span.
    pub(crate) fn allocated(&self) -> usize {
        self.0.as_ref().map_or(0, |span| {
            (2 * size_of::<usize>() + size_of::<tracing::Span>()) / Arc::strong_count(span)
        })
    }
}

impl core::ops::Deref for ConnectionSpan {
    type Target = tracing::Span;

    fn deref(&self) -> &tracing::Span {
        self.0.as_deref().unwrap_or(&DISABLED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_nobody_records_costs_nothing_and_still_enters() {
        let span = ConnectionSpan::new(tracing::debug_span!("tcp", id = 1));
        assert_eq!(size_of::<ConnectionSpan>(), size_of::<usize>());
        assert_eq!(span.allocated(), 0);
        let copy = span.clone();
        let _entered = copy.enter();
        assert!(copy.is_disabled());
    }
}
