// The bell in the app shell (notifications across the tools, live over `notify:<user id>`), and
// the account page's card for push notifications and preferences. Types: generated from crates/notify.
import { useEffect, useRef, useState } from "preact/hooks";
import { useSubmit } from "./hooks/submit.ts";
import { api } from "./api.ts";
import { useApp } from "./context.tsx";
import { Alert, Button, Card, ErrorAlert, useAsync } from "./components/ui.tsx";
import { navigate } from "./router.ts";
import { reportIdleness } from "./idle.ts";
import { TopicSocket } from "./realtime.ts";
import { startRingtone } from "./ringtone.ts";
import type { MessageKey } from "./i18n/index.ts";

import type { Frame } from "./generated/notify/Frame.ts";
import type { Level } from "./generated/notify/Level.ts";
import type { MarkBody } from "./generated/notify/MarkBody.ts";
import type { NotificationPage } from "./generated/notify/NotificationPage.ts";
import type { NotificationView } from "./generated/notify/NotificationView.ts";
import type { PreferencesBody } from "./generated/notify/PreferencesBody.ts";
import type { PreferencesView as Preferences } from "./generated/notify/PreferencesView.ts";
import type { PushKey } from "./generated/notify/PushKey.ts";
import type { ScheduleBody as Schedule } from "./generated/notify/ScheduleBody.ts";
import type { SubscriptionView as Device } from "./generated/notify/SubscriptionView.ts";
import type { TestBody } from "./generated/notify/TestBody.ts";
import type { Unread } from "./generated/notify/Unread.ts";

/** The preferences a person sets (the view adds whether it is quiet now). */
type Wanted = Pick<Preferences, "tools" | "dnd_until" | "schedule">;

export type { Level };
export type NotificationItem = NotificationView;

function BellIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** The bell: unread count, the list, "mark all read"; alerts for new ones outside quiet hours. */
export function Bell() {
  const { t, user, lang } = useApp();
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState<NotificationPage | null>(null);
  const [unread, setUnread] = useState(0);
  const [toast, setToast] = useState<NotificationItem | null>(null);
  const [ringing, setRinging] = useState<NotificationItem | null>(null);
  const box = useRef<HTMLDivElement>(null);

  /** The newest page; false when it could not be read (the bell stays as it was). */
  const load = async (): Promise<boolean> => {
    try {
      const p = await api.get<NotificationPage>("/api/v1/notifications?limit=30");
      setPage(p);
      setUnread(p.unread);
      return true;
    } catch {
      return false;
    }
  };

  useEffect(() => {
    if (!user) return;
    let socket: TopicSocket | null = null;
    let alive = true;
    // This page's idleness, for the person's presence in every tool (see idle.ts).
    const idleness = reportIdleness((frame) => socket?.publish(frame));
    // The socket opens once the bell's first page proved the session (a socket refused at its
    // handshake is an error in the console, and says nothing the HTTP answer did not).
    void (async () => {
      if (!(await load()) || !alive) return;
      socket = new TopicSocket(`notify:${user.id}`, {
        onSubscribed: () => idleness.resend(),
        onEvent: (data) => {
          const f = data as unknown as Frame;
          if (f.type === "new") {
            setPage((p) => (p ? { ...p, items: [f.notification, ...p.items] } : p));
            setUnread((n) => n + 1);
            if (!f.quiet) {
              if (f.notification.kind === "call") setRinging(f.notification);
              else setToast(f.notification);
            }
          } else if (f.type === "cancel") {
            setRinging((r) => (r && r.scope === f.scope ? null : r));
          } else if (f.type === "read") {
            setUnread(f.unread);
            void load();
          }
        },
        onPresence: () => undefined,
        onFrameError: () => undefined,
        onState: () => undefined,
        onClosed: () => undefined,
      });
      socket.start();
    })();
    return () => {
      alive = false;
      idleness.stop();
      socket?.stop();
    };
  }, [user?.id]);

  // Opening the place a notification is about reads it there.
  useEffect(() => {
    const onNav = () => {
      const here = window.location.pathname;
      const ids = (page?.items ?? []).filter((n) => !n.read && n.url === here).map((n) => n.id);
      if (ids.length) void api.post("/api/v1/notifications/read", { ids } satisfies MarkBody).catch(() => undefined);
    };
    onNav();
    window.addEventListener("popstate", onNav);
    window.addEventListener("nichoir:navigate", onNav);
    return () => {
      window.removeEventListener("popstate", onNav);
      window.removeEventListener("nichoir:navigate", onNav);
    };
  }, [page]);

  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(timer);
  }, [toast]);

  // A call rings for 45 s at most, with a sound while it does.
  useEffect(() => {
    if (!ringing) return;
    const timer = setTimeout(() => setRinging(null), 45_000);
    const stopSound = startRingtone();
    return () => {
      clearTimeout(timer);
      stopSound();
    };
  }, [ringing]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    const onClick = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("mousedown", onClick);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("mousedown", onClick);
    };
  }, [open]);

  if (!user) return null;
  const go = async (n: NotificationItem) => {
    setOpen(false);
    setToast(null);
    if (!n.read) await api.post("/api/v1/notifications/read", { ids: [n.id] } satisfies MarkBody).catch(() => undefined);
    navigate(n.url);
  };
  const readAll = async () => {
    try {
      const r = await api.post<Unread>("/api/v1/notifications/read", { all: true } satisfies MarkBody);
      setUnread(r.unread);
      setPage((p) => (p ? { ...p, items: p.items.map((n) => ({ ...n, read: true })) } : p));
    } catch {
      /* kept as it was */
    }
  };
  const stopRinging = async (n: NotificationItem, answer: boolean) => {
    setRinging(null);
    const channel = n.scope.startsWith("call:") ? n.scope.slice(5) : "";
    if (channel) await api.post(`/api/v1/chat/channels/${encodeURIComponent(channel)}/call/stop`, {}).catch(() => undefined);
    if (answer) await go(n);
  };
  const label = unread > 0 ? t("bell.labelUnread", { count: unread }) : t("bell.label");
  const when = (iso: string) => new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
  return (
    <div class="bell" ref={box}>
      <button
        type="button"
        class="icon-btn bell-btn"
        aria-label={label}
        title={label}
        aria-expanded={open ? "true" : "false"}
        aria-controls="bell-panel"
        onClick={() => setOpen(!open)}
        data-unread={unread}
      >
        <BellIcon />
        {unread > 0 && (
          <span class="bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div id="bell-panel" class="bell-panel" role="dialog" aria-label={t("bell.title")}>
          <div class="bell-head">
            <strong>{t("bell.title")}</strong>
            <Button variant="ghost" size="sm" onClick={readAll} disabled={unread === 0}>
              {t("bell.readAll")}
            </Button>
          </div>
          {page && page.items.length === 0 && <p class="muted bell-empty">{t("bell.empty")}</p>}
          <ul class="bell-list">
            {(page?.items ?? []).map((n) => (
              <li key={n.id}>
                <button type="button" class={n.read ? "bell-item" : "bell-item unread"} onClick={() => go(n)}>
                  <span class="bell-kind">{t(`bell.kind.${n.kind}` as MessageKey)}</span>
                  <span class="bell-title">{n.title}</span>
                  {n.body && <span class="bell-body">{n.body}</span>}
                  <span class="bell-when">{when(n.created_at)}</span>
                </button>
              </li>
            ))}
          </ul>
          <a class="bell-settings" href="/account#notifications" onClick={() => setOpen(false)}>
            {t("bell.settings")}
          </a>
        </div>
      )}
      {ringing && (
        <div class="bell-ring" role="alertdialog" aria-label={t("bell.ringing", { name: ringing.title })}>
          <strong>{t("bell.ringing", { name: ringing.title })}</strong>
          <div class="row-actions">
            <Button onClick={() => stopRinging(ringing, true)}>{t("bell.answer")}</Button>
            <Button variant="secondary" onClick={() => stopRinging(ringing, false)}>
              {t("bell.decline")}
            </Button>
          </div>
        </div>
      )}
      {toast && (
        <div role="status">
          <button type="button" class="bell-toast" onClick={() => go(toast)}>
            <span class="bell-kind">{t(`bell.kind.${toast.kind}` as MessageKey)}</span>
            <span class="bell-title">{toast.title}</span>
            {toast.body && <span class="bell-body">{toast.body}</span>}
          </button>
        </div>
      )}
    </div>
  );
}

function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS/.test(ua) ? "macOS" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return os ? `${browser} · ${os}` : browser;
}

const TOOL_LEVELS: { tool: string; levels: Level[] }[] = [
  { tool: "chat", levels: ["all", "mentions", "none"] },
  { tool: "polls", levels: ["all", "none"] },
  { tool: "wikis", levels: ["all", "none"] },
  { tool: "pads", levels: ["all", "none"] },
  { tool: "video", levels: ["all", "none"] },
];
const DAYS = [0, 1, 2, 3, 4, 5, 6];

/** Push on this device, my devices, per-tool levels, do not disturb. */
export function NotificationsCard() {
  const { t, lang } = useApp();
  const key = useAsync(() => api.get<PushKey>("/api/v1/push/key"), []);
  const devices = useAsync(() => api.get<Device[]>("/api/v1/push/subscriptions"), []);
  const prefs = useAsync(() => api.get<Preferences>("/api/v1/notifications/preferences"), []);
  // Turning push on is the busy action; a browser's refusal (a DOMException) is told plainly.
  const { busy, error, setError, run } = useSubmit((err) => (err instanceof DOMException ? new Error(t("push.failed")) : err));
  const [note, setNote] = useState<string | null>(null);
  const supported = typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  const turnOn = async () => {
    setNote(null);
    await run(async () => {
      if ((await Notification.requestPermission()) !== "granted") {
        setNote(t("push.denied"));
        return;
      }
      const reg = await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key.data?.public_key ?? "" });
      await api.post("/api/v1/push/subscriptions", { ...(sub.toJSON() as object), label: deviceLabel() });
      devices.reload();
      setNote(t("push.on"));
    });
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await api.del(`/api/v1/push/subscriptions/${encodeURIComponent(id)}`);
      devices.reload();
    } catch (err) {
      setError(err);
    }
  };
  const test = async () => {
    setError(null);
    try {
      await api.post("/api/v1/push/test", { title: t("push.testTitle"), body: t("push.testBody") } satisfies TestBody);
      setNote(t("push.testSent"));
    } catch (err) {
      setError(err);
    }
  };
  // What was last asked for, while saves are on their way: a change made before the previous one
  // is answered (pausing right after choosing a level) builds on it, and the changes are sent
  // one after the other. Built on the server's last answer, the pause undid the level.
  const [draft, setDraft] = useState<Wanted | null>(null);
  const latest = useRef<Wanted | null>(null);
  const sending = useRef<Promise<void>>(Promise.resolve());
  const save = (next: Partial<Wanted>) => {
    const cur = latest.current ?? prefs.data;
    if (!cur) return;
    setError(null);
    const body: Wanted = {
      tools: next.tools ?? cur.tools,
      dnd_until: next.dnd_until !== undefined ? next.dnd_until : cur.dnd_until,
      schedule: next.schedule !== undefined ? next.schedule : cur.schedule,
    };
    latest.current = body;
    setDraft(body);
    sending.current = sending.current.then(async () => {
      try {
        // The answer is the stored preferences: no second request to read them again.
        const stored = await api.put<Preferences>("/api/v1/notifications/preferences", body satisfies PreferencesBody);
        if (latest.current === body) {
          latest.current = null;
          setDraft(null);
          prefs.setData(stored);
        }
        setNote(t("push.saved"));
      } catch (err) {
        latest.current = null;
        setDraft(null);
        setError(err);
      }
    });
  };
  const pause = (hours: number | null) => save({ dnd_until: hours === null ? null : new Date(Date.now() + hours * 3600_000).toISOString() });
  const p = prefs.data && (draft ? { ...prefs.data, ...draft } : prefs.data);
  const schedule: Schedule = p?.schedule ?? { start: "22:00", end: "07:00", days: [0, 1, 2, 3, 4, 5, 6], zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" };
  const dayName = (d: number) => new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { weekday: "short" }).format(new Date(Date.UTC(2024, 0, 1 + d)));
  return (
    <Card id="notifications" title={t("push.title")} description={t("push.desc")}>
      <ErrorAlert error={error ?? key.error ?? prefs.error} />
      {note && <Alert kind="success">{note}</Alert>}
      <h3 class="card-subtitle">{t("push.devices")}</h3>
      {key.data && !key.data.enabled && <p class="muted">{t("push.disabled")}</p>}
      {key.data?.enabled && !supported && <p class="muted">{t("push.unsupported")}</p>}
      {key.data?.enabled && supported && (
        <div class="row-actions">
          <Button onClick={turnOn} loading={busy}>
            {t("push.turnOn")}
          </Button>
          {(devices.data?.length ?? 0) > 0 && (
            <Button variant="secondary" onClick={test}>
              {t("push.test")}
            </Button>
          )}
        </div>
      )}
      <ul class="plain-list push-devices">
        {(devices.data ?? []).map((d) => (
          <li key={d.id} class="row-between">
            <span>
              <strong>{d.label}</strong> <span class="muted">· {d.service}</span>
            </span>
            <Button variant="ghost" size="sm" onClick={() => remove(d.id)} aria-label={t("push.removeDevice", { name: d.label })}>
              {t("push.remove")}
            </Button>
          </li>
        ))}
      </ul>
      <p class="muted small">{t("push.privacy")}</p>
      {p && (
        <>
          <h3 class="card-subtitle">{t("push.perTool")}</h3>
          <div class="prefs-grid">
            {TOOL_LEVELS.map(({ tool, levels }) => (
              <div class="field field-compact" key={tool}>
                <label for={`notify-${tool}`} class="field-label">
                  {t(`tool.${tool}.name` as MessageKey)}
                </label>
                <select
                  id={`notify-${tool}`}
                  class="select"
                  value={p.tools[tool] ?? "all"}
                  onChange={(e) => save({ tools: { ...p.tools, [tool]: (e.currentTarget as HTMLSelectElement).value as Level } })}
                >
                  {levels.map((l) => (
                    <option key={l} value={l}>
                      {t(`push.level.${l}` as MessageKey)}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </div>
          <h3 class="card-subtitle">{t("push.dnd")}</h3>
          <p class="muted" data-quiet={p.quiet_now ? "yes" : "no"}>
            {p.dnd_until
              ? t("push.dndUntil", { when: new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(p.dnd_until)) })
              : p.quiet_now
                ? t("push.quietNow")
                : t("push.dndOff")}
          </p>
          <div class="row-actions">
            <Button variant="secondary" size="sm" onClick={() => pause(1)}>
              {t("push.pause1h")}
            </Button>
            <Button variant="secondary" size="sm" onClick={() => pause(8)}>
              {t("push.pause8h")}
            </Button>
            {p.dnd_until && (
              <Button variant="ghost" size="sm" onClick={() => pause(null)}>
                {t("push.resume")}
              </Button>
            )}
          </div>
          <fieldset class="dnd-schedule">
            <legend>{t("push.schedule")}</legend>
            <label class="check">
              <input type="checkbox" checked={!!p.schedule} onChange={(e) => save({ schedule: (e.currentTarget as HTMLInputElement).checked ? schedule : null })} />
              {t("push.scheduleOn")}
            </label>
            {p.schedule && (
              <div class="row-actions">
                <label>
                  {t("push.from")}{" "}
                  <input type="time" value={schedule.start} onChange={(e) => save({ schedule: { ...schedule, start: (e.currentTarget as HTMLInputElement).value } })} />
                </label>
                <label>
                  {t("push.to")} <input type="time" value={schedule.end} onChange={(e) => save({ schedule: { ...schedule, end: (e.currentTarget as HTMLInputElement).value } })} />
                </label>
                {DAYS.map((d) => (
                  <label class="check" key={d}>
                    <input
                      type="checkbox"
                      checked={schedule.days.includes(d)}
                      onChange={(e) =>
                        save({ schedule: { ...schedule, days: (e.currentTarget as HTMLInputElement).checked ? [...schedule.days, d] : schedule.days.filter((x) => x !== d) } })
                      }
                    />
                    {dayName(d)}
                  </label>
                ))}
              </div>
            )}
          </fieldset>
        </>
      )}
    </Card>
  );
}
