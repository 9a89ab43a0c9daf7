// A wiki's settings (its admins): general, menu with preview, comments, members, export, lock
// (instance admins), delete.
import { STAY_BUSY, useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { useEffect, useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconDownload } from "../components/icons.tsx";
import { Alert, Button, Card, EmptyState, ErrorAlert, Loading, TextField, useAsync, useConfirm } from "../components/ui.tsx";
import { navigate } from "../router.ts";
import { exportUrl, wikisApi } from "./api.ts";
import { Modal, WikiHtml } from "./content.tsx";
import { EditPolicyField, ThemeColorField, VisibilityField } from "./fields.tsx";
import { IconLock, IconTrash } from "./icons.tsx";
import { HEX_COLOR } from "./names.ts";
import { WikiPageTitle, useWiki } from "./shell.tsx";
import type { EditPolicy, Role, Visibility, WikiPatch } from "./types.ts";

export function SettingsPage() {
  const { t, user } = useApp();
  const { wiki } = useWiki();
  useTitle(`${t("wiki.settings.title")} · ${wiki.title}`);
  if (!wiki.can_admin) {
    return (
      <div class="wiki-article">
        <WikiPageTitle title={t("wiki.settings.title")} />
        <Alert kind="warning">{t("wiki.settings.forbidden")}</Alert>
      </div>
    );
  }
  return (
    <div class="wiki-article stack">
      <WikiPageTitle title={t("wiki.settings.title")} />
      <GeneralCard />
      <MenuCard />
      <MembersCard />
      <Card title={t("wiki.export.title")} description={t("wiki.export.desc")} id="wiki-export">
        <a href={exportUrl(wiki.slug)} class="btn btn-secondary" download={`${wiki.slug}.zip`}>
          <IconDownload size={16} />
          {t("wiki.export.download")}
        </a>
      </Card>
      {user?.is_admin && <LockCard />}
      <DeleteCard />
    </div>
  );
}

function GeneralCard() {
  const { t } = useApp();
  const { wiki, setWiki, reload } = useWiki();
  const [title, setTitle] = useState(wiki.title);
  const [description, setDescription] = useState(wiki.description);
  const [visibility, setVisibility] = useState<Visibility>(wiki.visibility);
  const [policy, setPolicy] = useState<EditPolicy>(wiki.edit_policy);
  const [color, setColor] = useState(wiki.theme_color);
  const [home, setHome] = useState(wiki.home_page);
  const [comments, setComments] = useState(wiki.comments_enabled);
  const [indexable, setIndexable] = useState(wiki.search_indexable);
  const { busy, error, setError, run } = useSubmit();
  const [saved, setSaved] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) {
      setError(t("wiki.form.titleRequired"));
      return;
    }
    if (!HEX_COLOR.test(color)) {
      setError(t("wiki.form.colorInvalid"));
      return;
    }
    setSaved(false);
    const patch: WikiPatch = {};
    if (title.trim() !== wiki.title) patch.title = title.trim();
    if (description !== wiki.description) patch.description = description;
    if (visibility !== wiki.visibility) patch.visibility = visibility;
    if (policy !== wiki.edit_policy) patch.edit_policy = policy;
    if (color.toLowerCase() !== wiki.theme_color.toLowerCase()) patch.theme_color = color;
    if (home.trim() !== wiki.home_page) patch.home_page = home.trim();
    if (comments !== wiki.comments_enabled) patch.comments_enabled = comments;
    // Only a public wiki may be open to search engines; the server closes it on the way out.
    const wantIndexable = indexable && visibility === "public";
    if (wantIndexable !== wiki.search_indexable) patch.search_indexable = wantIndexable;
    await run(async () => {
      const w = await wikisApi.patch(wiki.slug, patch);
      setWiki({ ...wiki, ...w, menu_html: w.menu_html ?? wiki.menu_html, watching: w.watching ?? wiki.watching });
      reload();
      setSaved(true);
    });
  };
  return (
    <Card title={t("wiki.settings.general")} id="wiki-general">
      <form class="form" onSubmit={submit}>
        <TextField label={t("wiki.form.title")} value={title} onValue={setTitle} name="title" maxLength={200} required />
        <div class="field">
          <label for="wiki-set-desc" class="field-label">
            {t("wiki.form.description")}
            <span class="field-optional"> ({t("common.optional")})</span>
          </label>
          <textarea
            id="wiki-set-desc"
            class="input wiki-textarea-sm"
            rows={3}
            maxLength={2000}
            value={description}
            onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </div>
        <TextField label={t("wiki.form.homePage")} hint={t("wiki.form.homePageHint")} value={home} onValue={setHome} name="home_page" maxLength={200} required />
        <VisibilityField value={visibility} onValue={setVisibility} />
        <EditPolicyField value={policy} onValue={setPolicy} />
        <ThemeColorField value={color} onValue={setColor} />
        <label class="wiki-check">
          <input type="checkbox" name="comments_enabled" checked={comments} onChange={(e) => setComments((e.currentTarget as HTMLInputElement).checked)} />
          <span>
            {t("wiki.form.comments")}
            <span class="field-hint wiki-check-hint">{t("wiki.form.commentsHint")}</span>
          </span>
        </label>
        <label class="wiki-check">
          <input
            type="checkbox"
            name="search_indexable"
            checked={indexable && visibility === "public"}
            disabled={visibility !== "public"}
            onChange={(e) => setIndexable((e.currentTarget as HTMLInputElement).checked)}
          />
          <span>
            {t("wiki.form.searchIndexable")}
            <span class="field-hint wiki-check-hint">{t(visibility === "public" ? "wiki.form.searchIndexableHint" : "wiki.form.searchIndexablePublicOnly")}</span>
          </span>
        </label>
        {typeof error === "string" ? <Alert kind="error">{error}</Alert> : <ErrorAlert error={error} />}
        {saved && <Alert kind="success">{t("wiki.settings.saved")}</Alert>}
        <div class="form-actions">
          <Button type="submit" loading={busy}>
            {t("wiki.settings.save")}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function MenuCard() {
  const { t } = useApp();
  const { wiki, setWiki, reload } = useWiki();
  const [menu, setMenu] = useState(wiki.menu);
  const [preview, setPreview] = useState<string | null>(null);
  const { busy, error, run } = useKeyedSubmit<"save" | "preview">();
  const [saved, setSaved] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    await run("save", async () => {
      const w = await wikisApi.patch(wiki.slug, { menu });
      setWiki({ ...wiki, ...w });
      reload();
      setSaved(true);
    });
  };
  const showPreview = () =>
    run("preview", async () => {
      setPreview((await wikisApi.preview(wiki.slug, menu)).html);
    });
  return (
    <Card title={t("wiki.menu.title")} description={t("wiki.menu.desc")} id="wiki-menu-settings">
      <form class="form" onSubmit={save}>
        <div class="field">
          <label for="wiki-menu-text" class="field-label">
            {t("wiki.menu.label")}
          </label>
          <textarea id="wiki-menu-text" class="input wiki-textarea-sm mono" rows={8} value={menu} onInput={(e) => setMenu((e.currentTarget as HTMLTextAreaElement).value)} />
        </div>
        {preview !== null && (
          <div class="wiki-menu-preview" aria-live="polite">
            <p class="section-title">{t("wiki.edit.preview")}</p>
            <WikiHtml class="wiki-menu" html={preview} />
          </div>
        )}
        <ErrorAlert error={error} />
        {saved && <Alert kind="success">{t("wiki.menu.saved")}</Alert>}
        <div class="form-actions">
          <Button variant="secondary" onClick={showPreview} loading={busy === "preview"}>
            {t("wiki.edit.preview")}
          </Button>
          <Button type="submit" loading={busy === "save"}>
            {t("wiki.menu.save")}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** The add form's key in MembersCard's busy slot. */
const ADD = "+add";

function MembersCard() {
  const { t, user } = useApp();
  const { wiki, reload } = useWiki();
  const list = useAsync(() => wikisApi.members(wiki.slug), [wiki.slug]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("editor");
  // Busy names the member whose row runs, or ADD for the add form (no username has a "+").
  const { busy, error, run } = useKeyedSubmit((err, key: string) =>
    key === ADD
      ? err instanceof ApiError && err.status === 404
        ? t("wiki.members.noUser", { name: username.trim().replace(/^@/, "") })
        : err
      : err instanceof ApiError && err.status === 409
        ? t("wiki.members.lastAdmin")
        : err,
  );
  const [dialog, confirm] = useConfirm();
  const add = async (e: Event) => {
    e.preventDefault();
    const u = username.trim().replace(/^@/, "");
    if (!u) return;
    await run(ADD, async () => {
      await wikisApi.setMember(wiki.slug, u, role);
      setUsername("");
      list.reload();
    });
  };
  const change = async (name: string, r: Role) => {
    const ok = await run(name, async () => {
      await wikisApi.setMember(wiki.slug, name, r);
      list.reload();
      if (name === user?.username) reload();
    });
    if (!ok) list.reload();
  };
  const remove = async (name: string) => {
    if (!(await confirm({ title: t("wiki.members.removeConfirm", { name }), body: t("wiki.members.removeBody"), confirmLabel: t("wiki.members.remove"), danger: true }))) return;
    await run(name, async () => {
      await wikisApi.removeMember(wiki.slug, name);
      list.reload();
      if (name === user?.username) reload();
    });
  };
  return (
    <Card title={t("wiki.members.title")} description={t("wiki.members.desc")} id="wiki-members">
      {dialog}
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : !list.data || list.data.length === 0 ? (
        <EmptyState>{t("wiki.members.none")}</EmptyState>
      ) : (
        <ul class="list wiki-members">
          {list.data.map((m) => (
            <li key={m.user_id} class="list-item" data-member={m.username}>
              <div class="list-main">
                <span class="list-title">{m.display_name || m.username}</span>
                <span class="muted small">@{m.username}</span>
              </div>
              <div class="row-actions">
                <label for={`wiki-role-${m.user_id}`} class="visually-hidden">
                  {t("wiki.members.roleOf", { name: m.username })}
                </label>
                <select
                  id={`wiki-role-${m.user_id}`}
                  class="select select-sm"
                  value={m.role}
                  disabled={busy === m.username}
                  onChange={(e) => change(m.username, (e.currentTarget as HTMLSelectElement).value as Role)}
                >
                  <option value="admin">{t("wiki.role.admin")}</option>
                  <option value="editor">{t("wiki.role.editor")}</option>
                </select>
                <Button variant="ghost" size="sm" class="btn-ghost-danger" onClick={() => remove(m.username)} aria-label={t("wiki.members.removeOf", { name: m.username })}>
                  <IconTrash />
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form wiki-member-add" onSubmit={add}>
        <div class="field">
          <label for="wiki-member-name" class="field-label">
            {t("wiki.members.username")}
          </label>
          <input
            id="wiki-member-name"
            class="input"
            name="username"
            autocomplete="off"
            autoCapitalize="none"
            spellcheck={false}
            value={username}
            onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field field-compact">
          <label for="wiki-member-role" class="field-label">
            {t("wiki.members.role")}
          </label>
          <select id="wiki-member-role" class="select" value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as Role)}>
            <option value="editor">{t("wiki.role.editor")}</option>
            <option value="admin">{t("wiki.role.admin")}</option>
          </select>
        </div>
        <Button type="submit" loading={busy === ADD}>
          {t("wiki.members.add")}
        </Button>
      </form>
      <p class="muted small">{t("wiki.members.rolesHelp")}</p>
      {typeof error === "string" ? <Alert kind="error">{error}</Alert> : <ErrorAlert error={error} />}
    </Card>
  );
}

function LockCard() {
  const { t } = useApp();
  const { wiki, setWiki } = useWiki();
  const { busy, error, run } = useSubmit();
  const toggle = async () => {
    await run(async () => {
      await wikisApi.lock(wiki.slug, !wiki.locked);
      setWiki({ ...wiki, locked: !wiki.locked });
    });
  };
  return (
    <Card title={t("wiki.lock.title")} description={wiki.locked ? t("wiki.lock.lockedDesc") : t("wiki.lock.desc")} id="wiki-lock" icon={<IconLock />}>
      <Button variant="secondary" onClick={toggle} loading={busy}>
        {wiki.locked ? t("wiki.lock.unlock") : t("wiki.lock.lock")}
      </Button>
      {error ? <p class="field-error">{errorText(t, error)}</p> : null}
    </Card>
  );
}

function DeleteCard() {
  const { t } = useApp();
  const { wiki } = useWiki();
  const [open, setOpen] = useState(false);
  return (
    <Card title={t("wiki.delete.title")} description={t("wiki.delete.desc")} id="wiki-delete" class="card-danger" icon={<IconTrash />}>
      <Button variant="danger" onClick={() => setOpen(true)}>
        {t("wiki.delete.button")}
      </Button>
      {open && <DeleteDialog slug={wiki.slug} onClose={() => setOpen(false)} />}
    </Card>
  );
}

function DeleteDialog({ slug, onClose }: { slug: string; onClose: () => void }) {
  const { t } = useApp();
  const [typed, setTyped] = useState("");
  const { busy, error, setError, run } = useSubmit();
  useEffect(() => setError(null), [typed]);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (typed.trim() !== slug) return;
    await run(async () => {
      await wikisApi.remove(slug);
      onClose();
      navigate("/wikis");
      return STAY_BUSY;
    });
  };
  return (
    <Modal title={t("wiki.delete.confirmTitle")} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <p class="dialog-body">{t("wiki.delete.confirmBody")}</p>
        <div class="field">
          <label for="wiki-delete-slug" class="field-label">
            {t("wiki.delete.typeSlug", { slug })}
          </label>
          <input
            id="wiki-delete-slug"
            class="input mono"
            autocomplete="off"
            autoCapitalize="none"
            spellcheck={false}
            value={typed}
            onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <ErrorAlert error={error} />
        <div class="dialog-actions">
          <Button variant="secondary" onClick={onClose} autoFocus>
            {t("common.cancel")}
          </Button>
          <Button type="submit" variant="danger" disabled={typed.trim() !== slug} loading={busy}>
            {t("wiki.delete.confirm")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
