//! What the polls mail to an author who gave an address, in the author's language ("fr" or
//! English): their account's choice, else the instance's default as it is now.

/// A new poll's two links.
pub fn ready(
    lang: &str,
    instance: &str,
    title: &str,
    public: &str,
    admin: &str,
) -> (String, String) {
    let subject = format!("[{instance}] {title}");
    let body = if lang == "fr" {
        format!(
            "Votre sondage « {title} » est prêt.\n\nPartagez ce lien avec les participants :\n{public}\n\n\
             Gardez ce lien pour vous : il permet de modifier, clore et supprimer le sondage :\n{admin}\n"
        )
    } else {
        format!(
            "Your poll \"{title}\" is ready.\n\nShare this link with the participants:\n{public}\n\n\
             Keep this link to yourself: it lets you change, close and delete the poll:\n{admin}\n"
        )
    };
    (subject, body)
}

/// Someone answered.
pub fn vote(lang: &str, instance: &str, voter: &str, title: &str, admin: &str) -> (String, String) {
    let voter = name(lang, voter);
    if lang == "fr" {
        (
            format!("[{instance}] {voter} a répondu à « {title} »"),
            format!("{voter} a répondu à votre sondage « {title} ».\n\nRésultats : {admin}\n"),
        )
    } else {
        (
            format!("[{instance}] {voter} answered \"{title}\""),
            format!("{voter} answered your poll \"{title}\".\n\nResults: {admin}\n"),
        )
    }
}

/// Someone commented.
pub fn comment(
    lang: &str,
    instance: &str,
    author: &str,
    title: &str,
    text: &str,
    admin: &str,
) -> (String, String) {
    let author = name(lang, author);
    if lang == "fr" {
        (
            format!("[{instance}] {author} a commenté « {title} »"),
            format!("{author} a écrit :\n\n{text}\n\nSondage : {admin}\n"),
        )
    } else {
        (
            format!("[{instance}] {author} commented on \"{title}\""),
            format!("{author} wrote:\n\n{text}\n\nPoll: {admin}\n"),
        )
    }
}

/// The poll closes soon; `deadline` is RFC 3339, in UTC.
pub fn reminder(
    lang: &str,
    instance: &str,
    title: &str,
    deadline: &str,
    admin: &str,
) -> (String, String) {
    if lang == "fr" {
        (
            format!("[{instance}] « {title} » se termine bientôt"),
            format!("Votre sondage « {title} » se termine le {deadline} (UTC).\n\nRésultats : {admin}\n"),
        )
    } else {
        (
            format!("[{instance}] \"{title}\" closes soon"),
            format!("Your poll \"{title}\" closes at {deadline} (UTC).\n\nResults: {admin}\n"),
        )
    }
}

/// A deleted account's name and an anonymous vote's are markers, said in the reader's language.
fn name<'a>(lang: &str, name: &'a str) -> &'a str {
    match name {
        nichoir_core::departure::DELETED_NAME if lang == "fr" => "Utilisateur supprimé",
        nichoir_core::departure::ANONYMOUS_VOTER if lang == "fr" => "Anonyme",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mail_speaks_the_authors_language() {
        let (s, b) = ready("fr", "Lilas", "AG", "https://p", "https://a");
        assert_eq!(s, "[Lilas] AG");
        assert!(b.starts_with("Votre sondage « AG » est prêt."), "{b}");
        assert!(b.contains("https://p") && b.contains("https://a"), "{b}");
        let (s, _) = vote("fr", "Lilas", "Deleted user", "AG", "https://a");
        assert_eq!(s, "[Lilas] Utilisateur supprimé a répondu à « AG »");
        let (s, _) = vote("en", "Lilas", "Bob", "AG", "https://a");
        assert_eq!(s, "[Lilas] Bob answered \"AG\"");
        let (s, b) = comment("fr", "Lilas", "Bob", "AG", "ok", "https://a");
        assert_eq!(s, "[Lilas] Bob a commenté « AG »");
        assert!(b.starts_with("Bob a écrit :\n\nok\n"), "{b}");
        let (s, _) = reminder("en", "Lilas", "AG", "2026-12-01T10:00:00Z", "https://a");
        assert_eq!(s, "[Lilas] \"AG\" closes soon");
    }
}
