// Single sign-on helpers: how an account signs in, the provider's label, starting a sign-in at
// an OpenID Connect provider (a full-page navigation: the server answers 303 to the provider).
import { SIGNED_IN_KEY, getItem, setItem } from "./storage.ts";
import type { Instance, User } from "./types.ts";

/** `User.sign_in` of an account that signs in through an OpenID Connect provider. */
export const OIDC_PREFIX = "oidc:";

/** The provider id of an account that signs in through OpenID Connect, else null. */
export function oidcProviderOf(user: Pick<User, "sign_in"> | null | undefined): string | null {
  const s = user?.sign_in;
  return s && s.startsWith(OIDC_PREFIX) ? s.slice(OIDC_PREFIX.length) : null;
}

/** The instance requires a second factor of this account, which has none yet: nothing but its
 * set-up works (the server refuses the rest with two_factor_required). Accounts of an OpenID
 * provider are not concerned: the provider's own second factor applies. */
export function mustSetUpTwoFactor(user: User | null, instance: Pick<Instance, "require_two_factor"> | null): boolean {
  const policy = instance?.require_two_factor ?? "off";
  return !!user && !user.two_factor && oidcProviderOf(user) === null && (policy === "everyone" || (policy === "admins" && user.is_admin));
}

/** Whether the account has a password kept by Nichoir (not a directory's or a provider's). */
export function hasOwnPassword(user: Pick<User, "sign_in"> | null | undefined): boolean {
  // An answer from an older server has no sign_in: a password account.
  return !user?.sign_in || user.sign_in === "password";
}

/** The label the admin gave provider `id`, or the id when the provider is no longer configured. */
export function providerLabel(instance: Pick<Instance, "sso">, id: string): string {
  return instance.sso?.providers.find((p) => p.id === id)?.label || id;
}

/** Where a sign-in at provider `id` starts; `returnTo` is the same-site path to come back to. */
export function oidcStartUrl(id: string, returnTo: string): string {
  return `/api/v1/auth/oidc/${encodeURIComponent(id)}/start?return_to=${encodeURIComponent(returnTo)}`;
}

/**
 * The signed-in mark (`SIGNED_IN_KEY`) while a sign-in at a provider is under way: the browser
 * comes back signed in (a cookie this page never sees), so the next boot asks for the session;
 * unless it comes back to `/login?sso_error=…`, then there is none to ask for.
 */
export const SSO_PENDING = "sso";

/** Leaves for provider `id`'s login page. */
export function startOidcSignIn(id: string, returnTo: string): void {
  // Signed in already (signing in again before deleting the account): the mark stays.
  if (!getItem(SIGNED_IN_KEY)) setItem(SIGNED_IN_KEY, SSO_PENDING);
  window.location.assign(oidcStartUrl(id, returnTo));
}

/** The URL of a provider's logout page from a logout answer, if it is a web address. */
export function providerLogoutUrl(answer: unknown): string | null {
  if (!answer || typeof answer !== "object") return null;
  const url = (answer as { provider_logout?: unknown }).provider_logout;
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}
