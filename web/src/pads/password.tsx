// A pad's password: the form shown to someone opening a protected pad, and the creator's settings
// in the share panel. The server remembers who gave the password (crates/pad/src/service/access.rs).
import { useState } from "preact/hooks";
import { useKeyedSubmit } from "../hooks/submit.ts";
import { ApiError, api, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { IconKey } from "../components/icons.tsx";
import { PasswordGate } from "../components/password-gate.tsx";
import { Alert, Button, Link, TextField } from "../components/ui.tsx";
import type { Translate } from "../i18n/index.ts";

const enc = encodeURIComponent;

/** The message for a failed pad request, with the pad's own wording when there is one. */
export function padRequestError(t: Translate, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "password_required") return t("padError.password_required");
    if (err.code === "payload_too_large") return t("pad.importTooLarge");
  }
  return errorText(t, err);
}

/** The form shown to someone opening a protected pad. */
export function PadPasswordGate({ id, onUnlocked }: { id: string; onUnlocked: () => void }) {
  const { t } = useApp();
  return (
    <PasswordGate
      id="pad-unlock"
      icon={
        <span class="tool-icon tool-pads">
          <IconKey size={28} />
        </span>
      }
      title={t("pad.locked")}
      body={t("pad.lockedBody", { name: id })}
      label={t("pad.password")}
      name="pad-password"
      autocomplete="off"
      submitLabel={t("pad.unlock")}
      wrongPassword={t("pad.wrongPassword")}
      unlock={(password) => api.post(`/api/v1/pads/${enc(id)}/unlock`, { password })}
      onUnlocked={onUnlocked}
    >
      <Link href="/pads" class="btn btn-secondary">
        {t("pad.backToPads")}
      </Link>
    </PasswordGate>
  );
}

/** The creator's (or an admin's) password settings. */
export function PasswordSettings({ id, isProtected, onChange, toast }: { id: string; isProtected: boolean; onChange: (p: boolean) => void; toast: (s: string) => void }) {
  const { t } = useApp();
  const [password, setPassword] = useState("");
  const { busy, error, run } = useKeyedSubmit<"set" | "remove", string>((err) => errorText(t, err));
  const put = (value: string | null) =>
    run(value === null ? "remove" : "set", async () => {
      await api.request("PUT", `/api/v1/pads/${enc(id)}/password`, { password: value });
      setPassword("");
      onChange(value !== null);
      toast(value === null ? t("pad.passwordRemoved") : t("pad.passwordSaved"));
    });
  return (
    <section class="pad-section" aria-labelledby="pad-password-title">
      <h3 class="pad-section-title" id="pad-password-title">
        {t("pad.password")}
      </h3>
      <Alert kind={isProtected ? "success" : "info"}>{isProtected ? t("pad.passwordOn") : t("pad.passwordOff")}</Alert>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void put(password);
        }}
      >
        <TextField
          label={isProtected ? t("pad.passwordNewOne") : t("pad.passwordNew")}
          type="password"
          name="new-pad-password"
          value={password}
          onValue={setPassword}
          minLength={4}
          maxLength={1024}
          autocomplete="new-password"
          hint={t("pad.passwordHint")}
          error={error}
        />
        <div class="form-actions">
          <Button type="submit" size="sm" loading={busy === "set"} disabled={password.length < 4 || busy !== null}>
            {isProtected ? t("pad.passwordChange") : t("pad.passwordSet")}
          </Button>
          {isProtected && (
            <Button variant="secondary" size="sm" loading={busy === "remove"} disabled={busy !== null} onClick={() => void put(null)}>
              {t("pad.passwordRemove")}
            </Button>
          )}
        </div>
      </form>
    </section>
  );
}
