//! Starter wikis: a home page, a menu and a few pages with real starter text, in English and
//! French. Placeholders are written in braces ("{date}") for people to replace.

pub struct TemplatePage {
    pub name: &'static str,
    pub text: &'static str,
}

pub struct Template {
    /// Name of the home page, one of `pages`.
    pub home: &'static str,
    /// Markdown of the menu: a list of `[[links]]`.
    pub menu: &'static str,
    /// Every page, the home page first.
    pub pages: &'static [TemplatePage],
}

pub const TEMPLATE_NAMES: &[&str] = &["blank", "project", "association", "event"];

/// The template `name` in `lang` ("fr" is French, anything else English); None for an unknown
/// template.
pub fn template(name: &str, lang: &str) -> Option<&'static Template> {
    let french = lang == "fr";
    let template = match (name, french) {
        ("blank", false) => &BLANK_EN,
        ("blank", true) => &BLANK_FR,
        ("project", false) => &PROJECT_EN,
        ("project", true) => &PROJECT_FR,
        ("association", false) => &ASSOCIATION_EN,
        ("association", true) => &ASSOCIATION_FR,
        ("event", false) => &EVENT_EN,
        ("event", true) => &EVENT_FR,
        _ => return None,
    };
    Some(template)
}

static BLANK_EN: Template = Template {
    home: "Home",
    menu: "- [[Home]]\n",
    pages: &[TemplatePage {
        name: "Home",
        text: r#"# Welcome

This is the home page of your new wiki. Replace this text with what the wiki is for and who it is for.

## Getting started

- To create a page, write a link to it, such as `[[Meeting notes]]`, save, then follow the link.
- To show other words than the page name, write `[[Page name|words shown]]`.
- Edit the menu so that it lists the pages everyone should find.
"#,
    }],
};

static BLANK_FR: Template = Template {
    home: "Accueil",
    menu: "- [[Accueil]]\n",
    pages: &[TemplatePage {
        name: "Accueil",
        text: r#"# Bienvenue

Voici la page d'accueil de votre nouveau wiki. Remplacez ce texte par ce à quoi sert ce wiki et à qui il s'adresse.

## Pour commencer

- Pour créer une page, écrivez un lien vers elle, par exemple `[[Comptes rendus]]`, enregistrez, puis suivez le lien.
- Pour afficher d'autres mots que le nom de la page, écrivez `[[Nom de la page|texte affiché]]`.
- Modifiez le menu pour qu'il liste les pages que tout le monde doit trouver.
"#,
    }],
};

static PROJECT_EN: Template = Template {
    home: "Home",
    menu: "- [[Home]]\n- [[Roadmap]]\n- [[Meetings]]\n- [[Resources]]\n- [[Team]]\n",
    pages: &[
        TemplatePage {
            name: "Home",
            text: r#"# {Project name}

> Replace the text in braces with your own, then delete this line.

## Goal

{One or two sentences: what the project wants to achieve, for whom, and by when.}

## Where we are

- Current phase: {exploring / building / running}
- Next milestone: see the [[Roadmap]]
- Latest decisions: see the [[Meetings]]

## Team

The people involved and their roles are on the [[Team]] page. New here? Start with the [[Resources]].

## Links

- Shared documents: {link}
- Chat or mailing list: {link}
- Code or file repository: {link}
"#,
        },
        TemplatePage {
            name: "Roadmap",
            text: r#"# Roadmap

What we plan to do, in order. Move items from one section to the next as work progresses; the decisions behind changes are in the minutes of our [[Meetings]].

## Now

- [ ] {Task} — {who}, by {date}
- [ ] {Task} — {who}, by {date}

## Next

- {Milestone}: {what "done" means}
- {Milestone}: {what "done" means}

## Later

- {Idea we agreed to keep for later}

## Done

- [x] {Milestone reached} — {date}
"#,
        },
        TemplatePage {
            name: "Meetings",
            text: r#"# Meetings

Minutes of our meetings, newest first. For each meeting, create a page named after its date, such as `[[Meeting 2025-03-14]]`, and copy the outline below into it.

Regular meeting: {day and time}, {place or video link}. Who is on the team: [[Team]].

## Minutes

- {date} — {main topic} — {link to the minutes}

## Outline for minutes

```
# Meeting {date}

Present: {names}
Excused: {names}
Note-taker: {name}

## Agenda
1. {Topic}
2. {Topic}

## Decisions
- {Decision}

## Actions
- [ ] {Action} — {who}, by {date}

## Next meeting
{date, place or link}
```
"#,
        },
        TemplatePage {
            name: "Resources",
            text: r#"# Resources

Everything a newcomer needs, in one place. Add a line when you find something useful.

## Getting started

1. Read the goal on the [[Home]] page.
2. Look at what is planned on the [[Roadmap]].
3. Say hello to the [[Team]].

## Documents

- {Document name}: {link or attachment}

## Tools and accounts

- {Tool}: {what we use it for} — ask {who} for access

## Glossary

- **{Term}**: {meaning}
"#,
        },
        TemplatePage {
            name: "Team",
            text: r#"# Team

| Name | Role | Contact | Availability |
|------|------|---------|--------------|
| {Name} | {Coordination} | {email or handle} | {days} |
| {Name} | {Role} | {contact} | {days} |

## How we work

- Decisions are taken {by consensus / by vote} at our [[Meetings]].
- Tasks are tracked on the [[Roadmap]].

## Joining

{How someone can join the project, and whom to contact.}
"#,
        },
    ],
};

static PROJECT_FR: Template = Template {
    home: "Accueil",
    menu: "- [[Accueil]]\n- [[Feuille de route]]\n- [[Réunions]]\n- [[Ressources]]\n- [[Équipe]]\n",
    pages: &[
        TemplatePage {
            name: "Accueil",
            text: r#"# {Nom du projet}

> Remplacez les textes entre accolades par les vôtres, puis supprimez cette ligne.

## Objectif

{Une ou deux phrases : ce que le projet veut accomplir, pour qui, et pour quand.}

## Où en sommes-nous ?

- Phase actuelle : {exploration / réalisation / fonctionnement}
- Prochaine étape : voir la [[Feuille de route]]
- Dernières décisions : voir les [[Réunions]]

## Équipe

Les personnes impliquées et leurs rôles sont sur la page [[Équipe]]. Vous arrivez ? Commencez par les [[Ressources]].

## Liens

- Documents partagés : {lien}
- Discussion ou liste de diffusion : {lien}
- Dépôt de code ou de fichiers : {lien}
"#,
        },
        TemplatePage {
            name: "Feuille de route",
            text: r#"# Feuille de route

Ce que nous prévoyons de faire, dans l'ordre. Déplacez les éléments d'une section à l'autre au fil de l'avancement ; les décisions qui les justifient sont dans les comptes rendus des [[Réunions]].

## En cours

- [ ] {Tâche} — {qui}, pour le {date}
- [ ] {Tâche} — {qui}, pour le {date}

## Ensuite

- {Étape} : {ce que « terminé » veut dire}
- {Étape} : {ce que « terminé » veut dire}

## Plus tard

- {Idée gardée pour plus tard}

## Terminé

- [x] {Étape atteinte} — {date}
"#,
        },
        TemplatePage {
            name: "Réunions",
            text: r#"# Réunions

Comptes rendus de nos réunions, du plus récent au plus ancien. Pour chaque réunion, créez une page nommée d'après sa date, par exemple `[[Réunion 2025-03-14]]`, et copiez-y le modèle ci-dessous.

Réunion régulière : {jour et heure}, {lieu ou lien de visio}. Qui fait partie de l'équipe : [[Équipe]].

## Comptes rendus

- {date} — {sujet principal} — {lien vers le compte rendu}

## Modèle de compte rendu

```
# Réunion du {date}

Présents : {noms}
Excusés : {noms}
Secrétaire de séance : {nom}

## Ordre du jour
1. {Sujet}
2. {Sujet}

## Décisions
- {Décision}

## Actions
- [ ] {Action} — {qui}, pour le {date}

## Prochaine réunion
{date, lieu ou lien}
```
"#,
        },
        TemplatePage {
            name: "Ressources",
            text: r#"# Ressources

Tout ce dont une nouvelle personne a besoin, au même endroit. Ajoutez une ligne quand vous trouvez quelque chose d'utile.

## Pour bien démarrer

1. Lisez l'objectif sur la page d'[[Accueil]].
2. Regardez ce qui est prévu dans la [[Feuille de route]].
3. Présentez-vous à l'[[Équipe]].

## Documents

- {Nom du document} : {lien ou pièce jointe}

## Outils et comptes

- {Outil} : {à quoi il nous sert} — demandez l'accès à {qui}

## Glossaire

- **{Terme}** : {définition}
"#,
        },
        TemplatePage {
            name: "Équipe",
            text: r#"# Équipe

| Nom | Rôle | Contact | Disponibilités |
|-----|------|---------|----------------|
| {Nom} | {Coordination} | {courriel ou pseudo} | {jours} |
| {Nom} | {Rôle} | {contact} | {jours} |

## Comment nous travaillons

- Les décisions sont prises {au consensus / par vote} lors de nos [[Réunions]].
- Les tâches sont suivies dans la [[Feuille de route]].

## Nous rejoindre

{Comment rejoindre le projet, et qui contacter.}
"#,
        },
    ],
};

static ASSOCIATION_EN: Template = Template {
    home: "Home",
    menu: "- [[Home]]\n- [[Board]]\n- [[Members]]\n- [[Statutes]]\n- [[Events]]\n- [[Documents]]\n",
    pages: &[
        TemplatePage {
            name: "Home",
            text: r#"# {Association name}

## Who we are

{Association name} is a {non-profit association} founded in {year} in {town}. Our purpose: {one sentence from the [[Statutes]]}.

## What we do

- {Main activity}
- {Main activity}

Our next gatherings are on the [[Events]] page.

## Getting involved

Membership is open to {who}. See [[Members]] to join and for the annual fee. The [[Board]] runs the association between general meetings.

## Useful pages

- [[Documents]]: minutes, reports, forms
- [[Statutes]]: the rules of the association
"#,
        },
        TemplatePage {
            name: "Board",
            text: r#"# Board

The board was elected by the general meeting of {date} for {term}.

| Role | Name | Contact |
|------|------|---------|
| President | {Name} | {contact} |
| Vice-president | {Name} | {contact} |
| Treasurer | {Name} | {contact} |
| Secretary | {Name} | {contact} |

## Board meetings

The board meets {how often}. Minutes are filed in [[Documents]].

- {date}: {topics} — {link}

## Responsibilities

See articles {n} to {n} of the [[Statutes]].
"#,
        },
        TemplatePage {
            name: "Members",
            text: r#"# Members

## Joining

1. Fill in the membership form (in [[Documents]]).
2. Pay the annual fee: {amount} ({reduced amount} reduced rate), by {payment methods}.
3. Send both to the secretary (see [[Board]]).

Membership runs from {start date} to {end date}.

## Member list

Only publish what each member agreed to share.

| Name | Since | Role or group |
|------|-------|---------------|
| {Name} | {year} | {group} |

## Working groups

- {Group}: {what it does} — contact {name}
"#,
        },
        TemplatePage {
            name: "Statutes",
            text: r#"# Statutes

> Paste here the statutes adopted on {date}, or attach the signed PDF and link it from [[Documents]]. Any change is voted by a general meeting.

## Article 1 — Name

An association is founded between the members who adhere to these statutes, under the name {name}.

## Article 2 — Purpose

{Purpose of the association.}

## Article 3 — Registered office

{Address.}

## Article 4 — Members

{Who may become a member, and how membership ends.}

## Article 5 — Resources

The resources of the association are membership fees, grants, donations and {other resources}.

## Article 6 — General meeting

{How often it meets, who votes, quorum and majority.}

## Article 7 — Board

{Composition, election, term of office.} The current board is listed on the [[Board]] page.

## Article 8 — Dissolution

{What becomes of the assets if the association is dissolved.}
"#,
        },
        TemplatePage {
            name: "Events",
            text: r#"# Events

## Upcoming

| Date | Event | Place | Contact |
|------|-------|-------|---------|
| {date} | {General meeting} | {place} | {name} |
| {date} | {Event} | {place} | {name} |

## Past events

- {date} — {event}: {short report; photos in [[Documents]]}

## Organising an event

1. Suggest it to the [[Board]].
2. Add it to the table above.
3. Announce it to the [[Members]].
"#,
        },
        TemplatePage {
            name: "Documents",
            text: r#"# Documents

Attach files to this page, or say where they are kept.

## Official documents

- [[Statutes]]
- Registration receipt: {file}
- Insurance certificate: {file}

## General meetings

- {year}: notice, minutes, activity report, financial report

## Board

- Minutes of board meetings: {link}

## Forms

- Membership form: {file}
- Expense claim: {file}
"#,
        },
    ],
};

static ASSOCIATION_FR: Template = Template {
    home: "Accueil",
    menu: "- [[Accueil]]\n- [[Bureau]]\n- [[Membres]]\n- [[Statuts]]\n- [[Événements]]\n- [[Documents]]\n",
    pages: &[
        TemplatePage {
            name: "Accueil",
            text: r#"# {Nom de l'association}

## Qui sommes-nous ?

{Nom de l'association} est une {association loi 1901} fondée en {année} à {ville}. Son objet : {une phrase reprise des [[Statuts]]}.

## Ce que nous faisons

- {Activité principale}
- {Activité principale}

Nos prochains rendez-vous sont sur la page [[Événements]].

## Participer

L'adhésion est ouverte à {qui}. Voir la page [[Membres]] pour adhérer et connaître la cotisation. Le [[Bureau]] fait vivre l'association entre deux assemblées générales.

## Pages utiles

- [[Documents]] : comptes rendus, rapports, formulaires
- [[Statuts]] : les règles de l'association
"#,
        },
        TemplatePage {
            name: "Bureau",
            text: r#"# Bureau

Le conseil d'administration élu par l'assemblée générale du {date} a désigné ce bureau pour {durée du mandat}.

| Fonction | Nom | Contact |
|----------|-----|---------|
| Président·e | {Nom} | {contact} |
| Vice-président·e | {Nom} | {contact} |
| Trésorier·ère | {Nom} | {contact} |
| Secrétaire | {Nom} | {contact} |

## Conseil d'administration

- {Nom}, {Nom}, {Nom}

## Réunions du bureau

Le bureau se réunit {fréquence}. Les comptes rendus sont rangés dans [[Documents]].

- {date} : {sujets} — {lien}

## Rôles

Voir les articles {n} à {n} des [[Statuts]].
"#,
        },
        TemplatePage {
            name: "Membres",
            text: r#"# Membres

## Adhérer

1. Remplissez le bulletin d'adhésion (dans [[Documents]]).
2. Réglez la cotisation annuelle : {montant} ({montant réduit} au tarif réduit), par {moyens de paiement}.
3. Envoyez le tout au secrétariat (voir [[Bureau]]).

L'adhésion court du {date de début} au {date de fin}.

## Liste des membres

Ne publiez que ce que chaque membre a accepté de partager.

| Nom | Depuis | Rôle ou groupe |
|-----|--------|----------------|
| {Nom} | {année} | {groupe} |

## Groupes de travail

- {Groupe} : {ce qu'il fait} — contact : {nom}
"#,
        },
        TemplatePage {
            name: "Statuts",
            text: r#"# Statuts

> Collez ici les statuts adoptés le {date}, ou joignez le PDF signé et mettez-en le lien dans [[Documents]]. Toute modification est votée en assemblée générale.

## Article 1 — Nom

Il est fondé entre les adhérents aux présents statuts une association régie par {la loi du 1er juillet 1901 et le décret du 16 août 1901}, ayant pour titre : {nom}.

## Article 2 — Objet

{Objet de l'association.}

## Article 3 — Siège social

{Adresse.}

## Article 4 — Membres

{Qui peut devenir membre, et comment la qualité de membre se perd.}

## Article 5 — Ressources

Les ressources de l'association comprennent les cotisations, les subventions, les dons et {autres ressources}.

## Article 6 — Assemblée générale

{Périodicité, qui vote, quorum et majorité.}

## Article 7 — Conseil d'administration et bureau

{Composition, élection, durée du mandat.} Le bureau actuel figure sur la page [[Bureau]].

## Article 8 — Dissolution

{Dévolution des biens en cas de dissolution.}
"#,
        },
        TemplatePage {
            name: "Événements",
            text: r#"# Événements

## À venir

| Date | Événement | Lieu | Contact |
|------|-----------|------|---------|
| {date} | {Assemblée générale} | {lieu} | {nom} |
| {date} | {Événement} | {lieu} | {nom} |

## Événements passés

- {date} — {événement} : {court bilan ; photos dans [[Documents]]}

## Organiser un événement

1. Proposez-le au [[Bureau]].
2. Ajoutez-le au tableau ci-dessus.
3. Annoncez-le aux [[Membres]].
"#,
        },
        TemplatePage {
            name: "Documents",
            text: r#"# Documents

Joignez les fichiers à cette page, ou indiquez où ils sont rangés.

## Documents officiels

- [[Statuts]]
- Récépissé de déclaration : {fichier}
- Attestation d'assurance : {fichier}

## Assemblées générales

- {année} : convocation, procès-verbal, rapport moral, rapport financier

## Bureau

- Comptes rendus des réunions du bureau : {lien}

## Formulaires

- Bulletin d'adhésion : {fichier}
- Note de frais : {fichier}
"#,
        },
    ],
};

static EVENT_EN: Template = Template {
    home: "Home",
    menu: "- [[Home]]\n- [[Programme]]\n- [[Practical information]]\n- [[Registration]]\n- [[Volunteers]]\n",
    pages: &[
        TemplatePage {
            name: "Home",
            text: r#"# {Event name}

## What

{One paragraph: what the event is, who it is for, and what people will get out of it.}

## When

From {start date and time} to {end date and time} ({time zone}).

## Where

{Venue name}, {address}. How to get there: [[Practical information]].

## Taking part

- See the [[Programme]].
- [[Registration]] is open until {date}.
- Want to help? Join the [[Volunteers]].

## Contact

{Name}, {email or phone}.
"#,
        },
        TemplatePage {
            name: "Programme",
            text: r#"# Programme

Times are local ({time zone}). The programme may change; last update: {date}.

## {Day 1, date}

| Time | Session | Speaker or host | Room |
|------|---------|-----------------|------|
| 09:00 | Welcome and coffee | | {room} |
| 09:30 | {Session} | {name} | {room} |
| 12:30 | Lunch | | |
| 14:00 | {Session} | {name} | {room} |

## {Day 2, date}

| Time | Session | Speaker or host | Room |
|------|---------|-----------------|------|
| 09:30 | {Session} | {name} | {room} |

Rooms and access: [[Practical information]].
"#,
        },
        TemplatePage {
            name: "Practical information",
            text: r#"# Practical information

## Venue

{Venue name}\
{Street address}\
{Postcode and town}

## Getting there

- By public transport: {lines and stop}
- By bike: {bike parking}
- By car: {parking, car sharing}

## Accessibility

{Step-free access, lifts, accessible toilets, hearing loop, quiet room.}

## Accommodation

- {Hotel or hostel}, {distance}, {price range}
- Staying with locals: ask the [[Volunteers]] team

## Food

{Meals provided or not. Dietary needs: tell us when you fill in the [[Registration]].}

## On site

- Wi-Fi: {network}
- Emergency contact: {name and phone}
"#,
        },
        TemplatePage {
            name: "Registration",
            text: r#"# Registration

Registration is {free / {price}} and open until {date}. Places are limited to {number}.

## How to register

1. Fill in the form: {link to the form or poll}.
2. You will receive a confirmation by {email} within {delay}.

## Tell us about

- Your dietary needs
- Your accessibility needs (see [[Practical information]])
- Whether you need accommodation

## Cancelling

If you cannot come, tell {contact} before {date} so someone else can have your place.

Questions? The contact is on the [[Home]] page.
"#,
        },
        TemplatePage {
            name: "Volunteers",
            text: r#"# Volunteers

Thank you for helping! Write your name in a slot; we will get in touch before the event.

## Slots

| Task | When | Needed | Names |
|------|------|--------|-------|
| Setting up | {day, time} | {n} | |
| Welcome desk | {day, time} | {n} | |
| Catering | {day, time} | {n} | |
| Tidying up | {day, time} | {n} | |

## Briefing

{Date, time and place of the volunteers' briefing.} Read the [[Programme]] and the [[Practical information]] beforehand.

## Coordinator

{Name}, {phone}.
"#,
        },
    ],
};

static EVENT_FR: Template = Template {
    home: "Accueil",
    menu: "- [[Accueil]]\n- [[Programme]]\n- [[Infos pratiques]]\n- [[Inscription]]\n- [[Bénévoles]]\n",
    pages: &[
        TemplatePage {
            name: "Accueil",
            text: r#"# {Nom de l'événement}

## Quoi ?

{Un paragraphe : ce qu'est l'événement, à qui il s'adresse, et ce que l'on y trouvera.}

## Quand ?

Du {date et heure de début} au {date et heure de fin}.

## Où ?

{Nom du lieu}, {adresse}. Pour venir : [[Infos pratiques]].

## Participer

- Consultez le [[Programme]].
- L'[[Inscription]] est ouverte jusqu'au {date}.
- Envie d'aider ? Rejoignez les [[Bénévoles]].

## Contact

{Nom}, {courriel ou téléphone}.
"#,
        },
        TemplatePage {
            name: "Programme",
            text: r#"# Programme

Horaires en heure locale. Le programme peut évoluer ; dernière mise à jour : {date}.

## {Jour 1, date}

| Heure | Séance | Intervenant·e | Salle |
|-------|--------|---------------|-------|
| 9 h 00 | Accueil et café | | {salle} |
| 9 h 30 | {Séance} | {nom} | {salle} |
| 12 h 30 | Déjeuner | | |
| 14 h 00 | {Séance} | {nom} | {salle} |

## {Jour 2, date}

| Heure | Séance | Intervenant·e | Salle |
|-------|--------|---------------|-------|
| 9 h 30 | {Séance} | {nom} | {salle} |

Salles et accès : [[Infos pratiques]].
"#,
        },
        TemplatePage {
            name: "Infos pratiques",
            text: r#"# Infos pratiques

## Lieu

{Nom du lieu}\
{Adresse}\
{Code postal et ville}

## Venir

- En transports en commun : {lignes et arrêt}
- À vélo : {stationnement}
- En voiture : {parking, covoiturage}

## Accessibilité

{Accès de plain-pied, ascenseurs, toilettes accessibles, boucle magnétique, espace calme.}

## Hébergement

- {Hôtel ou auberge}, {distance}, {fourchette de prix}
- Hébergement chez l'habitant : demandez à l'équipe des [[Bénévoles]]

## Repas

{Repas fournis ou non. Régimes particuliers : signalez-les lors de l'[[Inscription]].}

## Sur place

- Wi-Fi : {réseau}
- Contact en cas d'urgence : {nom et téléphone}
"#,
        },
        TemplatePage {
            name: "Inscription",
            text: r#"# Inscription

L'inscription est {gratuite / à {prix}} et ouverte jusqu'au {date}. Le nombre de places est limité à {nombre}.

## S'inscrire

1. Remplissez le formulaire : {lien vers le formulaire ou le sondage}.
2. Vous recevrez une confirmation par {courriel} sous {délai}.

## Précisez-nous

- Votre régime alimentaire
- Vos besoins d'accessibilité (voir [[Infos pratiques]])
- Si vous avez besoin d'un hébergement

## Désistement

Si vous ne pouvez plus venir, prévenez {contact} avant le {date} pour libérer votre place.

Des questions ? Le contact est sur la page d'[[Accueil]].
"#,
        },
        TemplatePage {
            name: "Bénévoles",
            text: r#"# Bénévoles

Merci de votre aide ! Inscrivez votre nom sur un créneau ; nous vous contacterons avant l'événement.

## Créneaux

| Mission | Quand | Besoin | Noms |
|---------|-------|--------|------|
| Installation | {jour, heure} | {n} | |
| Accueil | {jour, heure} | {n} | |
| Restauration | {jour, heure} | {n} | |
| Rangement | {jour, heure} | {n} | |

## Réunion de préparation

{Date, heure et lieu du briefing des bénévoles.} Lisez le [[Programme]] et les [[Infos pratiques]] avant de venir.

## Coordination

{Nom}, {téléphone}.
"#,
        },
    ],
};
#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{page_key, validate_page_name};
    use crate::render::linked_pages;
    use std::collections::HashSet;

    fn all() -> Vec<(&'static str, &'static str, &'static Template)> {
        let mut out = Vec::new();
        for name in TEMPLATE_NAMES {
            for lang in ["en", "fr"] {
                match template(name, lang) {
                    Some(t) => out.push((*name, lang, t)),
                    None => panic!("{name}/{lang} is missing"),
                }
            }
        }
        out
    }

    #[test]
    fn names_are_valid_and_distinct() {
        for (name, lang, t) in all() {
            let mut keys = HashSet::new();
            for page in t.pages {
                assert_eq!(
                    validate_page_name(page.name).ok().as_deref(),
                    Some(page.name),
                    "{name}/{lang}: {}",
                    page.name
                );
                assert!(
                    keys.insert(page_key(page.name)),
                    "{name}/{lang}: {}",
                    page.name
                );
                assert!(page.text.starts_with("# "), "{name}/{lang}: {}", page.name);
                assert!(page.text.ends_with('\n'), "{name}/{lang}: {}", page.name);
            }
            assert_eq!(
                t.pages.first().map(|p| p.name),
                Some(t.home),
                "{name}/{lang}"
            );
        }
    }

    #[test]
    fn every_link_points_to_a_page_of_the_template() {
        for (name, lang, t) in all() {
            let keys: HashSet<String> = t.pages.iter().map(|p| page_key(p.name)).collect();
            let texts = t.pages.iter().map(|p| p.text).chain([t.menu]);
            for text in texts {
                for link in linked_pages(text) {
                    assert!(keys.contains(&page_key(&link)), "{name}/{lang}: [[{link}]]");
                }
            }
            let menu: HashSet<String> = linked_pages(t.menu).iter().map(|l| page_key(l)).collect();
            assert_eq!(menu, keys, "{name}/{lang}: the menu lists every page");
        }
    }

    #[test]
    fn pages_are_linked_from_somewhere_else_than_the_menu() {
        for (name, lang, t) in all() {
            if t.pages.len() == 1 {
                continue;
            }
            for page in t.pages.iter().skip(1) {
                let linked = t.pages.iter().filter(|p| p.name != page.name).any(|p| {
                    linked_pages(p.text)
                        .iter()
                        .any(|l| page_key(l) == page_key(page.name))
                });
                assert!(linked, "{name}/{lang}: nothing links to {}", page.name);
            }
        }
    }

    #[test]
    fn languages_and_shapes() {
        assert_eq!(template("blank", "en").map(|t| t.pages.len()), Some(1));
        assert_eq!(template("project", "de").map(|t| t.home), Some("Home"));
        assert_eq!(template("project", "fr").map(|t| t.home), Some("Accueil"));
        assert!(template("wedding", "en").is_none());
        for name in TEMPLATE_NAMES {
            let en = template(name, "en").map(|t| t.pages.len());
            let fr = template(name, "fr").map(|t| t.pages.len());
            assert_eq!(en, fr, "{name}");
        }
        let fr: Vec<_> = template("project", "fr")
            .map(|t| t.pages.iter().map(|p| p.name).collect())
            .unwrap_or_default();
        assert_eq!(
            fr,
            [
                "Accueil",
                "Feuille de route",
                "Réunions",
                "Ressources",
                "Équipe"
            ]
        );
        let fr: Vec<_> = template("event", "fr")
            .map(|t| t.pages.iter().map(|p| p.name).collect())
            .unwrap_or_default();
        assert_eq!(
            fr,
            [
                "Accueil",
                "Programme",
                "Infos pratiques",
                "Inscription",
                "Bénévoles"
            ]
        );
        let fr: Vec<_> = template("association", "fr")
            .map(|t| t.pages.iter().map(|p| p.name).collect())
            .unwrap_or_default();
        assert!(fr.contains(&"Bureau") && fr.contains(&"Statuts"));
    }

    #[test]
    fn examples_in_code_are_not_links() {
        let t = template("blank", "en")
            .map(|t| t.pages[0].text)
            .unwrap_or_default();
        assert!(t.contains("`[[Meeting notes]]`"));
        assert!(linked_pages(t).is_empty());
    }
}
