//! Deleting an account: the accounts' part first (sign-in ends at once, personal data goes),
//! then each tool's (`nichoir_core::departure`). A tool that fails leaves the deletion to be
//! finished by running it again (an admin's delete): every part is idempotent.

use nichoir_core::departure::DepartureContributor;
use nichoir_core::Error;
use nichoir_http::Ctx;

/// Each tool's part of deleting `user_id`, whose account is erased already; `erase`: also what
/// they wrote that can go alone (asked for, and allowed by `auth.deletion_can_erase`).
pub async fn forget_everywhere(ctx: &Ctx, user_id: &str, erase: bool) -> Result<(), Error> {
    for part in ctx.departures.iter() {
        if let Err(e) = depart(part.as_ref(), user_id, erase).await {
            tracing::error!(user = %user_id, tool = part.tool(), error = %e.message, "account deletion stopped");
            return Err(e);
        }
    }
    tracing::info!(user = %user_id, "account deleted");
    Ok(())
}

/// One tool's part: its erasure (when asked) before its forgetting, while the rows to erase
/// still name the person.
async fn depart(part: &dyn DepartureContributor, user_id: &str, erase: bool) -> Result<(), Error> {
    if erase {
        part.erase_user(user_id).await?;
    }
    part.forget_user(user_id).await
}

/// Refuses an erasure the instance does not allow.
pub fn check_erase(ctx: &Ctx, erase: bool) -> Result<(), Error> {
    if erase && !ctx.config.auth.deletion_can_erase {
        return Err(Error::forbidden(
            "this instance keeps what people wrote with others: it stays under \"Deleted user\"",
        ));
    }
    Ok(())
}
