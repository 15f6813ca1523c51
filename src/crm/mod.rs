//! Scores where CRMs read them: customer files enriched with influence
//! columns, and the triage policy that turns them into priorities.

pub mod dialect;
pub mod enrich;
pub mod handles;
pub mod triage;
pub mod values;
