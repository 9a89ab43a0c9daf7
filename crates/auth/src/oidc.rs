//! Signing in with OpenID Connect providers (`[[oidc.providers]]`: Keycloak, Authentik,
//! LemonLDAP::NG, Nextcloud…), through the `openidconnect` crate: the authorization code flow
//! with PKCE, the state kept server-side for one use and bound to the browser that started the
//! sign-in by a cookie, the nonce and the ID token's signature, issuer, audience and expiry
//! checked by the crate against the provider's published keys. The discovery document (with the
//! keys) is cached an hour and fetched again, at most once a minute, when a token is signed by
//! a key it does not show (keys rotate).

use std::sync::Arc;
use std::time::{Duration, Instant};

use nichoir_core::config::{OidcConfig, OidcProviderConfig, PasswordLogin};
use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::external::{ExternalPerson, FirstSignIn};
use crate::store;
use crate::store::oidc::Pending;
use crate::{AuthService, LoginOutcome};

/// `User::sign_in` of a provider's accounts starts with it (`"oidc:keycloak"`).
pub const SOURCE_PREFIX: &str = "oidc:";
/// Binds a started sign-in to the browser that started it (against login CSRF: nobody can make
/// someone else's browser finish a sign-in they began).
pub const OIDC_COOKIE: &str = "nichoir_oidc";
/// How long a person has at the provider's login page.
pub const PENDING_MS: i64 = 10 * 60_000;
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(60);

/// Every claim, the standard ones and the others (`groups`, `realm_access`…), by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}
impl AdditionalClaims for OtherClaims {}

type IdFields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type OidcClient = openidconnect::Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// An OpenID Connect provider as the login page shows it (a button).
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "auth/")]
pub struct ProviderInfo {
    pub id: String,
    /// What the button says, as the admin wrote it.
    pub label: String,
}

/// Single sign-on of the instance, as the login page needs it (`GET /api/v1/instance` → `sso`).
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "auth/")]
pub struct Sso {
    /// The providers' buttons.
    pub providers: Vec<ProviderInfo>,
    /// Whether the login form also takes the organisation's directory (LDAP) accounts.
    pub directory: bool,
    /// Who keeps a password of Nichoir's ("admins": only instance admins; nobody registers with
    /// one).
    pub password_login: PasswordLogin,
}

struct Provider {
    config: OidcProviderConfig,
    discovered: tokio::sync::Mutex<Option<(Instant, Arc<ProviderMetadataWithLogout>)>>,
}

/// The configured providers.
pub struct Providers {
    list: Vec<Provider>,
    http: openidconnect::reqwest::Client,
    base_url: String,
}

/// A started sign-in: where to send the browser, and the cookie value that binds it.
#[derive(Debug)]
pub struct OidcStart {
    pub authorize_url: String,
    pub browser_token: String,
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Deserialize)]
pub struct OidcCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn failed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::SsoFailed, message)
}

fn provider_down(e: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %e, "OpenID provider unreachable");
    Error::new(
        ErrorCode::SsoFailed,
        "the sign-in provider does not answer: try again later",
    )
}

/// A same-site path to come back to after signing in; anything else goes home.
pub fn safe_return_to(path: Option<&str>) -> String {
    match path {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control)
                && p.len() <= 512 =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The value at a dotted path (`realm_access.roles`), for a claim nested in objects.
fn claim_at<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut v = claims.get(parts.next()?)?;
    for part in parts {
        v = v.get(part)?;
    }
    Some(v)
}

fn claim_str(claims: &Map<String, Value>, path: &str) -> Option<String> {
    match claim_at(claims, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether the admin claim holds one of the admin values (a string or a list of strings).
pub fn holds_admin_value(claims: &Map<String, Value>, path: &str, admin_values: &[String]) -> bool {
    let held: Vec<&str> = match claim_at(claims, path) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    held.iter().any(|h| admin_values.iter().any(|a| a == h))
}

/// The person the claims describe, as `provider` maps them.
pub fn person_from_claims(
    provider: &OidcProviderConfig,
    claims: &Map<String, Value>,
) -> Option<ExternalPerson> {
    let subject = claim_str(claims, "sub")?;
    let username = claim_str(claims, &provider.username_claim);
    let verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    Some(ExternalPerson {
        source: format!("{SOURCE_PREFIX}{}", provider.id),
        login: username.clone().unwrap_or_else(|| subject.clone()),
        subject,
        username,
        display_name: claim_str(claims, "name").or_else(|| {
            let parts: Vec<String> = ["given_name", "family_name"]
                .iter()
                .filter_map(|k| claim_str(claims, k))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }),
        email: claim_str(claims, "email"),
        email_verified: verified,
        is_admin: (!provider.admin_values.is_empty())
            .then(|| holds_admin_value(claims, &provider.admin_claim, &provider.admin_values)),
    })
}

impl Providers {
    pub fn new(config: &OidcConfig, base_url: &str) -> Result<Providers, Error> {
        // Redirects are not followed: a provider's answer comes from the URL it published.
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::internal(format!("OpenID HTTP client: {e}")))?;
        Ok(Providers {
            list: config
                .providers
                .iter()
                .map(|p| Provider {
                    config: p.clone(),
                    discovered: tokio::sync::Mutex::new(None),
                })
                .collect(),
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }

    pub fn info(&self) -> Vec<ProviderInfo> {
        self.list
            .iter()
            .map(|p| ProviderInfo {
                id: p.config.id.clone(),
                label: if p.config.label.is_empty() {
                    p.config.id.clone()
                } else {
                    p.config.label.clone()
                },
            })
            .collect()
    }

    fn get(&self, id: &str) -> Result<&Provider, Error> {
        self.list
            .iter()
            .find(|p| p.config.id == id)
            .ok_or_else(|| Error::not_found("no such sign-in provider"))
    }

    fn redirect_url(&self, id: &str) -> String {
        format!("{}/api/v1/auth/oidc/{id}/callback", self.base_url)
    }

    /// The provider's discovery document, from the cache unless it is old or `refresh` (and
    /// the last fetch is older than a minute).
    async fn metadata(
        &self,
        p: &Provider,
        refresh: bool,
    ) -> Result<Arc<ProviderMetadataWithLogout>, Error> {
        let mut cached = p.discovered.lock().await;
        if let Some((at, meta)) = cached.as_ref() {
            let age = at.elapsed();
            if age < DISCOVERY_TTL && !(refresh && age >= REFRESH_AT_MOST_EVERY) {
                return Ok(meta.clone());
            }
        }
        let issuer = IssuerUrl::new(p.config.issuer.clone()).map_err(provider_down)?;
        match ProviderMetadataWithLogout::discover_async(issuer, &self.http).await {
            Ok(meta) => {
                let meta = Arc::new(meta);
                *cached = Some((Instant::now(), meta.clone()));
                Ok(meta)
            }
            // A provider down for a moment: the last document still serves.
            Err(e) => match cached.as_ref() {
                Some((_, meta)) => {
                    tracing::warn!(provider = %p.config.id, error = %e, "discovery failed; using the cached document");
                    Ok(meta.clone())
                }
                None => Err(provider_down(e)),
            },
        }
    }

    fn client(&self, p: &Provider, meta: &ProviderMetadataWithLogout) -> Result<OidcClient, Error> {
        let secret = (!p.config.client_secret.is_empty())
            .then(|| ClientSecret::new(p.config.client_secret.clone()));
        let redirect = RedirectUrl::new(self.redirect_url(&p.config.id))
            .map_err(|e| Error::internal(format!("redirect URL: {e}")))?;
        Ok(OidcClient::from_provider_metadata(
            meta.clone(),
            ClientId::new(p.config.client_id.clone()),
            secret,
        )
        .set_redirect_uri(redirect))
    }

    /// The claims of a verified ID token (and of the user info endpoint, for those the token
    /// lacks).
    async fn verified_claims(
        &self,
        p: &Provider,
        code: String,
        nonce: &str,
        verifier: String,
    ) -> Result<Map<String, Value>, Error> {
        let meta = self.metadata(p, false).await?;
        let client = self.client(p, &meta)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| failed(format!("the provider has no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::info!(provider = %p.config.id, error = %e, "code exchange refused");
                failed("the provider did not accept this sign-in's code")
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| failed("the provider sent no ID token"))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(c) => c.clone(),
            Err(ClaimsVerificationError::SignatureVerification(first)) => {
                // Maybe the keys rotated since discovery: once more with a fresh document.
                let fresh = self.metadata(p, true).await?;
                let client = self.client(p, &fresh)?;
                let c = id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| {
                        tracing::warn!(provider = %p.config.id, error = %e, before = %first, "ID token refused");
                        failed("the provider's ID token does not verify")
                    })?;
                c.clone()
            }
            Err(e) => {
                tracing::warn!(provider = %p.config.id, error = %e, "ID token refused");
                return Err(failed("the provider's ID token does not verify"));
            }
        };
        let subject = claims.subject().clone();
        let mut all = match serde_json::to_value(&claims) {
            Ok(Value::Object(m)) => m,
            _ => return Err(failed("the provider's ID token has no claims")),
        };
        if let Ok(request) = client.user_info(tokens.access_token().clone(), Some(subject)) {
            let info: Result<UserInfoClaims<OtherClaims, CoreGenderClaim>, _> =
                request.request_async(&self.http).await;
            match info.map(|i| serde_json::to_value(&i)) {
                Ok(Ok(Value::Object(more))) => {
                    for (k, v) in more {
                        all.entry(k).or_insert(v);
                    }
                }
                Ok(_) => {}
                // The ID token's claims suffice; the rest is a courtesy.
                Err(e) => tracing::info!(provider = %p.config.id, error = %e, "user info not read"),
            }
        }
        Ok(all)
    }
}

impl AuthService {
    /// The providers people may sign in with (the login page's buttons).
    pub fn oidc_providers(&self) -> Vec<ProviderInfo> {
        self.providers().map(|p| p.info()).unwrap_or_default()
    }

    /// Single sign-on as the login page needs it; `password_login` is the live configuration's
    /// (`auth.password_login`).
    pub fn sso(&self, password_login: PasswordLogin) -> Sso {
        Sso {
            providers: self.oidc_providers(),
            directory: self.has_directory(),
            password_login,
        }
    }

    /// Starts a sign-in with provider `id`: the URL of its login page, and the cookie that
    /// binds the sign-in to this browser.
    pub async fn oidc_start(&self, id: &str, return_to: Option<&str>) -> Result<OidcStart, Error> {
        let providers = self
            .providers()
            .ok_or_else(|| Error::not_found("no such sign-in provider"))?;
        let p = providers.get(id)?;
        let meta = providers.metadata(p, false).await?;
        let client = providers.client(p, &meta)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in p.config.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let browser_token = random_token(32);
        let now = now_ms();
        let row = Pending {
            state_hash: hash_token(state.secret()),
            provider: id.to_string(),
            browser_hash: hash_token(&browser_token),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            return_to: safe_return_to(return_to),
            expires_at: now + PENDING_MS,
        };
        self.db()
            .write(move |tx| {
                // Abandoned sign-ins go as new ones come.
                store::oidc::delete_expired(tx, now)?;
                store::oidc::insert(tx, &row)
            })
            .await?;
        Ok(OidcStart {
            authorize_url: url.to_string(),
            browser_token,
        })
    }

    /// Finishes a sign-in with provider `id` from what it sent back: a session, and where to
    /// go. The state is used up whatever happens next, so a replayed answer is refused.
    pub async fn oidc_finish(
        &self,
        id: &str,
        answer: OidcCallback,
        browser_token: Option<&str>,
        ip: &str,
        user_agent: &str,
    ) -> Result<(LoginOutcome, String), Error> {
        let providers = self
            .providers()
            .ok_or_else(|| Error::not_found("no such sign-in provider"))?;
        let p = providers.get(id)?;
        let state = answer
            .state
            .as_deref()
            .ok_or_else(|| failed("the provider's answer has no state"))?;
        let (state_hash, provider) = (hash_token(state), id.to_string());
        let now = now_ms();
        let pending = self
            .db()
            .write(move |tx| {
                let row = store::oidc::pending(tx, &state_hash, &provider)?;
                store::oidc::delete(tx, &state_hash)?;
                Ok(row)
            })
            .await?;
        let Some(Pending {
            browser_hash,
            nonce,
            verifier,
            return_to,
            expires_at,
            ..
        }) = pending
        else {
            return Err(failed(
                "this sign-in is unknown or was used already: start again",
            ));
        };
        if expires_at < now {
            return Err(failed("this sign-in took too long: start again"));
        }
        if browser_token.map(hash_token).as_deref() != Some(browser_hash.as_str()) {
            return Err(failed(
                "this sign-in was started in another browser: start again",
            ));
        }
        if let Some(error) = answer.error {
            let why = answer.error_description.unwrap_or_default();
            tracing::info!(provider = %id, error = %error, description = %why, "provider refused the sign-in");
            return Err(failed(format!(
                "the provider refused the sign-in ({error})"
            )));
        }
        let code = answer
            .code
            .ok_or_else(|| failed("the provider's answer has no code"))?;
        let claims = providers.verified_claims(p, code, &nonce, verifier).await?;
        let person = person_from_claims(&p.config, &claims)
            .ok_or_else(|| failed("the provider's ID token names nobody"))?;
        let source = person.source.clone();
        let user = self
            .external_account(
                person,
                FirstSignIn {
                    create_accounts: p.config.create_accounts,
                    link_by_email: p.config.link_by_email,
                },
            )
            .await?;
        let out = self
            .start_external_session(user, &source, ip, user_agent)
            .await?;
        Ok((out, return_to))
    }

    /// Where to send the browser to sign out at the provider too, after the session of
    /// `source` ended; None when the provider offers no RP-initiated logout.
    pub async fn oidc_logout_url(&self, source: &str) -> Option<String> {
        let id = source.strip_prefix(SOURCE_PREFIX)?;
        let providers = self.providers()?;
        let p = providers.get(id).ok()?;
        let meta = providers.metadata(p, false).await.ok()?;
        let end = meta.additional_metadata().end_session_endpoint.clone()?;
        let back = PostLogoutRedirectUrl::new(format!("{}/login", providers.base_url)).ok()?;
        Some(
            LogoutRequest::from(end)
                .set_client_id(ClientId::new(p.config.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn provider() -> OidcProviderConfig {
        OidcProviderConfig {
            id: "kc".into(),
            issuer: "https://sso.example.org".into(),
            client_id: "nichoir".into(),
            admin_claim: "realm_access.roles".into(),
            admin_values: vec!["nichoir-admin".into()],
            ..OidcProviderConfig::default()
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn claims_map_to_a_person() {
        let c = claims(json!({
            "sub": "f3a1", "preferred_username": "zoe", "given_name": "Zoé", "family_name": "Roux",
            "email": "zoe@asso.fr", "email_verified": true,
            "realm_access": {"roles": ["member", "nichoir-admin"]}
        }));
        let p = person_from_claims(&provider(), &c).expect("a person");
        assert_eq!(p.source, "oidc:kc");
        assert_eq!((p.subject.as_str(), p.login.as_str()), ("f3a1", "zoe"));
        assert_eq!(p.display_name.as_deref(), Some("Zoé Roux"));
        assert!(p.email_verified);
        assert_eq!(p.is_admin, Some(true));

        let c = claims(
            json!({"sub": "x", "email_verified": "false", "realm_access": {"roles": "member"}}),
        );
        let p = person_from_claims(&provider(), &c).expect("a person");
        assert_eq!(
            (p.login.as_str(), p.email_verified, p.is_admin),
            ("x", false, Some(false))
        );
        let unmanaged = OidcProviderConfig {
            admin_values: vec![],
            ..provider()
        };
        assert_eq!(
            person_from_claims(&unmanaged, &c).and_then(|p| p.is_admin),
            None
        );
        assert!(person_from_claims(&provider(), &claims(json!({"name": "nobody"}))).is_none());
    }

    #[test]
    fn only_same_site_paths_are_returned_to() {
        assert_eq!(safe_return_to(Some("/p/notes?x=1")), "/p/notes?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "javascript:x",
            "/a\nb",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
    }
}
