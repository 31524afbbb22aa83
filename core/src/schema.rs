//! The nine input features (names, units, valid ranges): defined in `potable-schema`, which the
//! WASM front end shares, and re-exported here so core code names them `crate::schema`.

pub use potable_schema::*;
