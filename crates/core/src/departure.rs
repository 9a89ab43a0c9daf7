//! Deleting an account: each tool says what becomes of what the person did there. What they wrote
//! with others (pad text, chat messages, wiki pages, comments) stays readable under
//! [`DELETED_NAME`]; what was only theirs (memberships, watches, visits, their video rooms) goes;
//! their poll votes stay, anonymous.

/// The name shown for a deleted account wherever its work stays.
pub const DELETED_NAME: &str = "Deleted user";
/// The name a deleted account's poll votes keep.
pub const ANONYMOUS_VOTER: &str = "Anonymous";

/// Implemented by every crate that keeps what people do (accounts and each tool). Must be
/// idempotent: a deletion that stopped half-way is run again whole.
#[async_trait::async_trait]
pub trait DepartureContributor: Send + Sync {
    /// The tool's name, for logs.
    fn tool(&self) -> &'static str;
    async fn forget_user(&self, user_id: &str) -> crate::Result<()>;
    /// When the person asked for it and the instance allows it (`auth.deletion_can_erase`):
    /// removes what they wrote that can go without breaking others' work (chat messages and
    /// files, comments, pad chat lines, poll answers), before `forget_user`. Text written
    /// together (a pad's text, a wiki page's history) stays.
    async fn erase_user(&self, _user_id: &str) -> crate::Result<()> {
        Ok(())
    }
}
