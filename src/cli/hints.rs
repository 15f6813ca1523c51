//! Which flags to reach for after a library error. The library says what
//! went wrong in its own terms (a parameter, a limit, a topic); only the
//! command line knows which flag sets each, so the hint lives here, chosen
//! by the error's type, never by its wording.

use marketrank::job::JobError;
use marketrank::rank::{InvalidParameter, Parameter};

/// A line of flags that address `e`, when there is one.
pub fn hint(e: &anyhow::Error) -> Option<String> {
    if let Some(s) = e
        .chain()
        .find_map(|c| c.downcast_ref::<marketrank::serve::ServeError>())
    {
        use marketrank::serve::ServeError as S;
        return match s {
            S::AuthBoth | S::AuthNotLoopback(_) | S::AuthMissing => Some(
                "hint: --tokens FILE gives the bearer tokens; --insecure-no-auth opens access on a loopback --listen address".into(),
            ),
            _ => None,
        };
    }
    let job = e.chain().find_map(|c| c.downcast_ref::<JobError>());
    if let Some(JobError::Memory(_)) = job {
        return Some(
            "hint: --only-topics T1,T2 ranks fewer markets, --precision f32 halves the score blocks, --max-memory SIZE sets the limit".into(),
        );
    }
    let param = e
        .chain()
        .find_map(|c| c.downcast_ref::<InvalidParameter>())
        .or(match job {
            Some(JobError::Parameter(p)) => Some(p),
            _ => None,
        })?;
    let flag = match param.name {
        Parameter::Damping => "--damping",
        Parameter::Tolerance => "--tol",
        Parameter::MaxIterations => "--max-iter",
        Parameter::TopicBias => "--topic-bias",
    };
    Some(format!("hint: set it with {flag}"))
}
