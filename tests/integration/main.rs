//! End-to-end tests: the real `ssoimport` binary on fixtures and generated inputs.

mod convert_csv;
mod interrupt;
mod merge;
mod support;
