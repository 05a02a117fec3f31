//! `AddAssign` for structs of counters, field by field (a stack's shards summed, the
//! counters of finished connections kept), written once for all of them.

/// Implements `AddAssign` for `$type`, adding each listed field (and each sub-struct listed
/// after `groups`, which implements `AddAssign` itself). Destructuring without `..` makes a
/// field added later a compile error here until it is listed.
macro_rules! field_sum {
    ($type:ident { $($field:ident),* $(,)? } $(groups { $($group:ident),* $(,)? })?) => {
        impl core::ops::AddAssign for $type {
            /// Adds `other`'s counts to these, field by field.
            fn add_assign(&mut self, other: $type) {
                let $type { $($field,)* $($($group,)*)? } = other;
                $(self.$field += $field;)*
                $($(self.$group += $group;)*)?
            }
        }
    };
}

pub(crate) use field_sum;
