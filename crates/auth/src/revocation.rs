//! What ends a credential. The account operations announce each end here right after it is
//! committed; the realtime hub listens and closes the sockets opened with that credential, so
//! nobody keeps receiving or publishing after their session, token or account is gone.

use std::sync::Arc;

use parking_lot::RwLock;

/// One end of access, as the sockets that depended on it must see it (on every node of a
/// cluster: it crosses the bus).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Revocation {
    /// One session ended: logout, revoked from the sessions list, expired or idle.
    Session(String),
    /// Every session of a user but `except` (logout everywhere; a password change keeps the
    /// session it was made from).
    SessionsOf {
        user_id: String,
        except: Option<String>,
    },
    /// One API token was deleted.
    Token(String),
    /// The account was disabled or deleted: every session and token of it.
    Account(String),
    /// The account's rights changed (admin granted or removed): what its sockets were allowed
    /// was decided with the old rights, so they reconnect and get the new ones.
    RightsChanged(String),
}

type Listener = Arc<dyn Fn(&Revocation) + Send + Sync>;

/// The listeners of [`Revocation`]s. Called synchronously after the commit, before the HTTP
/// answer leaves: when the person sees "logged out", their other tabs are already closed.
#[derive(Default, Clone)]
pub struct Revocations {
    listeners: Arc<RwLock<Vec<Listener>>>,
}

impl Revocations {
    pub fn listen(&self, listener: impl Fn(&Revocation) + Send + Sync + 'static) {
        self.listeners.write().push(Arc::new(listener));
    }

    /// Drops every listener (they hold the hub, which holds services holding this): at shutdown.
    pub fn forget_listeners(&self) {
        self.listeners.write().clear();
    }

    pub(crate) fn announce(&self, revocation: Revocation) {
        // Cloned out so a listener may register another without deadlocking.
        let listeners: Vec<Listener> = self.listeners.read().clone();
        for l in listeners {
            l(&revocation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_listener_hears_every_revocation_in_order() {
        let r = Revocations::default();
        let heard = Arc::new(Mutex::new(Vec::new()));
        for n in 0..2 {
            let heard = heard.clone();
            r.listen(move |rev| heard.lock().expect("lock").push((n, rev.clone())));
        }
        r.announce(Revocation::Token("t1".into()));
        r.announce(Revocation::Account("u1".into()));
        let heard = heard.lock().expect("lock").clone();
        assert_eq!(
            heard,
            vec![
                (0, Revocation::Token("t1".into())),
                (1, Revocation::Token("t1".into())),
                (0, Revocation::Account("u1".into())),
                (1, Revocation::Account("u1".into())),
            ]
        );
    }
}
