//! Scores where CRMs read them: customer files enriched with influence
//! columns, and the triage policy that turns them into priorities.

pub mod enrich;
pub mod triage;
