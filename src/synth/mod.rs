//! Synthetic topic-tagged follower graphs with planted ground truth.
//!
//! [`generate()`] builds a Chung–Lu-like organic graph (heavy-tailed
//! attractiveness, log-normal out-degree, topic homophily) and plants
//! structure a topic-personalized ranking should see through: per-topic
//! **experts**, globally followed **celebrities** with one home topic, and
//! three kinds of **follow farm** (untagged, self-tagged, ring). [`Truth`]
//! records what was planted. The same [`PlantedConfig`] always gives the same
//! bytes, whatever the thread count: every parallel chunk has its own
//! random stream derived from the seed and the chunk index.
//!
//! Layout: `config` (what to plant), `rng` (the random stream), `generate`
//! (the planting, phase by phase), `planted` (the result types), `write`
//! (the files), `attacks` (the attack layer on top), `quality` (scoring a
//! ranking against the truth), `scale` (a twitter-2010-sized graph streamed
//! to disk, without planted truth).

mod attacks;
mod config;
mod generate;
mod planted;
pub mod quality;
mod rng;
mod scale;
#[cfg(test)]
mod tests;
mod write;

pub use attacks::{plant_attacks, Attack, AttackConfig, Attacked, HonestPlant};
pub use config::{topic_name, PlantedConfig};
pub use generate::generate;
pub use planted::{Celebrity, Farm, Planted, Truth};
pub use scale::{write_scale_graph, ScaleConfig, ScaleReport};
pub(crate) use write::push_u32;

/// The attack layer draws from the same generator as [`generate()`].
use rng::Rng;
