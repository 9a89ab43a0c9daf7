// Shapes of the API objects (docs/http-api.md). Those of accounts and invitations are
// generated from the server's Rust types (`cargo test -p nichoir-auth -p nichoir-web` writes them).
export type { TwoFactorStatus } from "./generated/auth/TwoFactorStatus.ts";
export type { SessionInfo } from "./generated/auth/SessionInfo.ts";
export type { TotpSetup } from "./generated/auth/TotpSetup.ts";
export type { TokenInfo as ApiToken } from "./generated/auth/TokenInfo.ts";
export type { CreatedToken as NewApiToken } from "./generated/auth/CreatedToken.ts";
export type { InviteInfo as Invite } from "./generated/auth/InviteInfo.ts";
export type { CreatedInvite as NewInvite } from "./generated/auth/CreatedInvite.ts";
export type Registration = "open" | "invite-only" | "closed";

export interface User {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  avatar_color: string;
  is_admin: boolean;
  disabled: boolean;
  created_at: string;
  /** Whether two-factor sign-in is on. */
  two_factor: boolean;
  /** Whether the address was confirmed by its link. */
  email_verified: boolean;
  /** The language chosen in the app, for mail written later; null: the instance's. */
  language?: "en" | "fr" | null;
  /**
   * How the account signs in: "password" (a password kept by Nichoir), "ldap" (the
   * organisation's directory) or "oidc:<provider id>" (an OpenID Connect provider).
   */
  sign_in: string;
}

export interface SessionAnswer {
  user: User;
  csrf_token: string;
}

/** `POST /api/v1/auth/login`: a session, or a challenge to answer with a code (two-factor). */
export type LoginAnswer = SessionAnswer | { second_factor: "totp"; challenge: string };

/** An OpenID Connect provider to sign in with (a button on the login page). */
export interface SsoProvider {
  id: string;
  /** What the button says, as the admin wrote it. */
  label: string;
}

/** Single sign-on of the instance (`GET /api/v1/instance` → `sso`). */
export interface Sso {
  providers: SsoProvider[];
  /** Whether the login form also takes the organisation's directory (LDAP) accounts. */
  directory: boolean;
  /** "admins": only instance admins keep a Nichoir password (nobody registers with one). */
  password_login: "everyone" | "admins" | "off";
}

export interface Instance {
  name: string;
  version: string;
  base_url: string;
  registration: Registration;
  setup_required: boolean;
  default_language: "en" | "fr";
  /** Whether "forgot my password" works here (the instance sends mail). */
  password_reset: boolean;
  /** Who must use two-factor sign-in. */
  require_two_factor: "off" | "admins" | "everyone";
  /** Whether people without an account may create pads, polls and video rooms. */
  guests_can_create: boolean;
  /** Whether deleting an account may also erase what the person wrote that can go alone. */
  deletion_can_erase: boolean;
  /** Single sign-on: provider buttons, directory accounts, who keeps a password. */
  sso: Sso;
  /** The sites that may show pads, polls and wiki pages in a frame (empty: none). */
  embed_allowed_origins: string[];
}

export interface InviteCheck {
  valid: boolean;
  expires_at: string | null;
}

export type Scalar = string | number | boolean | null;

export interface Component {
  name: string;
  version: string;
  license: string | null;
  ecosystem: string;
}

export interface Cookie {
  name: string;
  purpose: string;
  lifetime: string;
  /** The lifetime in days when a setting decides it (the guest cookie). */
  lifetime_days?: number | null;
}

export interface AuthorityRequest {
  date: string;
  authority: string;
  request: string;
  response: string;
}

export interface About {
  instance: { name: string; version: string; base_url: string; registration: Registration };
  hosting: { provider: Scalar; country: Scalar; data_location: Scalar; backup_location: Scalar };
  contact: { email: Scalar; url: Scalar };
  terms_of_service: string | null;
  privacy_policy: string | null;
  /** The built-in English texts: the page shows its own translation instead. */
  terms_of_service_is_default: boolean;
  privacy_policy_is_default: boolean;
  moderation_policy_is_default: boolean;
  /** Who publishes and who hosts the service (plain text; empty: not given yet). */
  legal_notice: string;
  /** The source of the running version (AGPL §13). */
  source: {
    url: string;
    version: string;
    license: string;
    /** Where this binary serves its own source, and the archive's name (version and commit). */
    download: string;
    file_name: string;
    commit: string;
  };
  /** Facts the host has not given yet (configuration keys). */
  missing: string[];
  components: Component[];
  cookies: Cookie[];
  retention: {
    backup_interval_hours: number | null;
    backup_keep: number | null;
    log_retention_days: number | null;
    log_destination: Scalar;
    log_to_files?: boolean;
    session_idle_hours: number | null;
    session_absolute_days: number | null;
    /** 0 keeps pads forever. */
    pads_expire_unused_days: number | null;
    /** 0 keeps polls forever. */
    polls_purge_after_days: number | null;
    /** 0 keeps chat messages until deleted (a channel may set its own period). */
    chat_retention_days: number;
  };
  security: {
    password_hashing: Scalar;
    https: Scalar;
    csp: Scalar;
    session_cookie_flags: Scalar | Scalar[];
    login_throttling: Scalar;
    third_party_requests: boolean;
    login_throttle?: { per_account: number; per_address: number; window_minutes: number };
  };
  /**
   * `methods`: "password", "password-admins" (only admins have a Nichoir password), "ldap", and
   * "oidc:<label> (<provider host>)" per provider.
   */
  sign_in: {
    methods: string[];
    two_factor: string;
    password_reset: string;
    registration: Registration;
    guests_can_create: boolean;
    /** The codes the page words in the reader's language (the two texts above are English). */
    two_factor_required?: "nobody" | "admins" | "everyone";
    password_reset_by_mail?: boolean;
  };
  /** What reaches people outside the page: mail about missed chat activity; push (not offered). */
  notifications: { mail: boolean; missed_mail_default: "immediately" | "15min" | "hourly" | "never"; missed_mail_after_minutes: number; push: boolean };
  moderation: { policy: string; tools: string; account_deletion: string };
  authority_requests: AuthorityRequest[];
}

/** `GET /api/v1/me/usage`: storage used by my uploads, per tool, and my quota (null: none). */
export interface StorageUsage {
  used_bytes: number;
  limit_bytes: number | null;
  custom_limit: boolean;
  by_tool: Record<string, number>;
}

/** `GET /api/v1/admin/usage`. */
export interface UsageReport {
  total_bytes: number;
  default_limit_bytes: number | null;
  users: { user_id: string; used_bytes: number; limit_bytes: number | null; custom_limit: boolean }[];
}

/** A line of `GET /api/v1/admin/audit`. */
export interface AuditEntry {
  id: number;
  at: string;
  admin_id: string;
  admin_name: string;
  action: string;
  target_kind: string;
  target_id: string;
  target_label: string;
  reason: string;
}

/** `GET /api/v1/admin/moderation/search`: content found by name, title or public message text. */
export interface ModerationFound {
  kind: "pad" | "poll" | "wiki" | "chat_channel" | "chat_message" | "video_room";
  label: string;
  /** A path of this instance: open it, or give it to removal. */
  link: string;
  created_at: number;
}

/** One instance setting (`GET /api/v1/admin/instance-settings`). */
export interface InstanceSetting {
  key: string;
  group: "instance" | "about" | "mail";
  kind: "text" | "long_text" | "choice" | "bool" | "port" | "secret" | "list";
  max_length?: number;
  choices?: string[];
  /** The value in force (absent for a secret). */
  value?: string | number | boolean | string[];
  default?: string | number | boolean | string[];
  /** For a secret: whether one is set. */
  is_set?: boolean;
  /** "file": set by the configuration file, read-only here. */
  source: "default" | "admin" | "file";
}

export interface InstanceSettings {
  settings: InstanceSetting[];
  mail_enabled: boolean;
  /** The About page's facts still to give (setting keys). */
  missing: string[];
}

export interface TestMailResult {
  to: string;
  sent: boolean;
  error?: string;
}
