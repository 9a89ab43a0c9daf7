// The form shown to someone opening a password-protected pad or poll: the password, sent once to
// the tool's unlock endpoint (the server then remembers this identity), "wrong password" for a
// refusal.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { Button, Card, PageHeader, TextField } from "./ui.tsx";

export interface PasswordGateProps {
  /** The card's id (the browser tests find the form by it). */
  id: string;
  icon: ComponentChildren;
  title: string;
  body: string;
  label: string;
  /** The password field's name and autocomplete hint. */
  name: string;
  autocomplete: string;
  submitLabel: string;
  wrongPassword: string;
  /** Sends the password; a `forbidden` answer is a wrong password. */
  unlock: (password: string) => Promise<unknown>;
  /** After a successful unlock: the page loads what the password opened (the form stays busy). */
  onUnlocked: () => void;
  /** More actions beside the button (a way back). */
  children?: ComponentChildren;
}

export function PasswordGate(p: PasswordGateProps) {
  const { t } = useApp();
  const [password, setPassword] = useState("");
  const { busy, error, onSubmit } = useSubmit((err) => (err instanceof ApiError && err.code === "forbidden" ? p.wrongPassword : errorText(t, err)));
  const submit = onSubmit(async () => {
    await p.unlock(password);
    p.onUnlocked();
    return STAY_BUSY;
  });
  return (
    <div class="container page page-narrow">
      <PageHeader title={p.title} icon={p.icon} />
      <Card id={p.id}>
        <form class="form" onSubmit={submit}>
          <p class="muted">{p.body}</p>
          <TextField label={p.label} type="password" name={p.name} value={password} onValue={setPassword} required autocomplete={p.autocomplete} error={error} />
          <div class="form-actions">
            <Button type="submit" loading={busy} disabled={!password}>
              {p.submitLabel}
            </Button>
            {p.children}
          </div>
        </form>
      </Card>
    </div>
  );
}
