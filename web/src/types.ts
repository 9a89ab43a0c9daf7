// Shapes of the API objects (docs/http-api.md). Those of accounts and invitations are
// generated from the server's Rust types (`cargo test -p nichoir-auth -p nichoir-web` writes them).
import type { Registration } from "./generated/core/Registration.ts";
import type { Sso } from "./generated/auth/Sso.ts";
export type { TwoFactorStatus } from "./generated/auth/TwoFactorStatus.ts";
export type { SessionInfo } from "./generated/auth/SessionInfo.ts";
export type { TotpSetup } from "./generated/auth/TotpSetup.ts";
export type { TokenInfo as ApiToken } from "./generated/auth/TokenInfo.ts";
export type { CreatedToken as NewApiToken } from "./generated/auth/CreatedToken.ts";
export type { InviteInfo as Invite } from "./generated/auth/InviteInfo.ts";
export type { CreatedInvite as NewInvite } from "./generated/auth/CreatedInvite.ts";
export type { User } from "./generated/auth/User.ts";
export type { SessionAnswer } from "./generated/auth/SessionAnswer.ts";
/** `GET /api/v1/me`: as a session answer, with no CSRF token for a bearer-token client. */
export type { Me } from "./generated/auth/Me.ts";
/** `POST /api/v1/auth/login`: a session, or a challenge to answer with a code (two-factor). */
export type { LoginAnswer } from "./generated/auth/LoginAnswer.ts";
export type { InviteCheck } from "./generated/auth/InviteCheck.ts";
export type { ProviderInfo as SsoProvider } from "./generated/auth/ProviderInfo.ts";
export type { Registration, Sso };

export type { Instance } from "./generated/web/Instance.ts";
export type { About } from "./generated/web/About.ts";
export type { Component } from "./generated/web/Component.ts";
export type { Cookie } from "./generated/web/Cookie.ts";
export type { AuthorityRequest } from "./generated/web/AuthorityRequest.ts";
/** A fact of the About page as the page formats it. */
export type Scalar = string | number | boolean | null;

export type { StorageUsage } from "./generated/core/StorageUsage.ts";
export type { UsageReport } from "./generated/core/UsageReport.ts";
export type { AuditEntry } from "./generated/auth/AuditEntry.ts";
export type { ModerationFound } from "./generated/core/ModerationFound.ts";

export type { InstanceSetting } from "./generated/web/InstanceSetting.ts";
export type { InstanceSettings } from "./generated/web/InstanceSettings.ts";
export type { TestMailResult } from "./generated/core/TestMailResult.ts";
