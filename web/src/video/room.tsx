// /video/{room}: loads the room (a missing one can be created with that name), then the pre-join
// screen, the lobby, the call itself and the end screens, all driven by one VideoCall.
import { useEffect, useState } from "preact/hooks";
import { useSubmit } from "../hooks/submit.ts";
import { ApiError } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { Alert, Button, ErrorAlert, Link, Loading, cx } from "../components/ui.tsx";
import { navigate } from "../router.ts";
import { ensureNamedIdentity } from "../hooks/identity.ts";
import { videoApi } from "./api.ts";
import { VideoCall } from "./call.ts";
import { ChatPanel } from "./chat.tsx";
import { Controls, type Panel } from "./controls.tsx";
import { CallGrid } from "./grid.tsx";
import { useCall } from "./hooks.ts";
import { IconDoor, IconLock, IconSettings, IconUsers, IconVideo } from "./icons.tsx";
import { ROOM_NAME, callDuration } from "./layout.ts";
import { PeoplePanel } from "./people.tsx";
import { PreJoin, Waiting, initialName } from "./prejoin.tsx";
import { SettingsPanel } from "./settings.tsx";
import { RemoteAudio } from "./tiles.tsx";
import type { Room } from "./types.ts";

type Load = { state: "loading" } | { state: "missing" } | { state: "error"; error: unknown } | { state: "ready"; room: Room };

export function RoomScreen({ id }: { id: string }) {
  const { t, user } = useApp();
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [tick, setTick] = useState(0);
  useTitle(load.state === "ready" ? load.room.title || load.room.id : t("tool.video.name"));

  useEffect(() => {
    let alive = true;
    setLoad({ state: "loading" });
    (async () => {
      try {
        // The realtime socket needs an identity: the session, or a guest cookie.
        await ensureNamedIdentity(user);
        const room = await videoApi.get(id);
        if (alive) setLoad({ state: "ready", room });
      } catch (e) {
        if (!alive) return;
        if (e instanceof ApiError && e.status === 404) setLoad({ state: "missing" });
        else setLoad({ state: "error", error: e });
      }
    })();
    return () => {
      alive = false;
    };
  }, [id, user?.id, tick]);

  if (load.state === "loading") return <Loading />;
  if (load.state === "error")
    return (
      <div class="container page page-narrow">
        <ErrorAlert error={load.error} />
        <Button variant="secondary" onClick={() => setTick((n) => n + 1)}>
          {t("app.retry")}
        </Button>
      </div>
    );
  if (load.state === "missing") return <MissingRoom id={id} onCreated={() => setTick((n) => n + 1)} />;
  return <CallScreens key={id} room={load.room} />;
}

/** A link to a room that does not exist: offer to create it with that name (as Jitsi does). */
function MissingRoom({ id, onCreated }: { id: string; onCreated: () => void }) {
  const { t } = useApp();
  const { busy, error, run } = useSubmit();
  const valid = ROOM_NAME.test(id);
  const create = () =>
    run(async () => {
      await videoApi.create({ name: id, lobby: false });
      onCreated();
    });
  return (
    <div class="container page page-narrow">
      <div class="card video-center-card" data-missing={id}>
        <span class="tool-icon tool-video">
          <IconVideo size={28} />
        </span>
        <h1>{t("video.missing.title")}</h1>
        <p class="muted">{valid ? t("video.missing.body", { name: id }) : t("video.missing.invalid")}</p>
        <ErrorAlert error={error} />
        <div class="video-center-actions">
          {valid && (
            <Button onClick={create} loading={busy}>
              {t("video.missing.create", { name: id })}
            </Button>
          )}
          <Link href="/video" class="btn btn-secondary">
            {t("video.backToVideo")}
          </Link>
        </div>
      </div>
    </div>
  );
}

function CallScreens({ room }: { room: Room }) {
  const { user } = useApp();
  const [call] = useState(() => {
    const c = new VideoCall(room.id, initialName(user ? user.display_name || user.username : null));
    c.room = room;
    return c;
  });
  useCall(call);
  useEffect(() => {
    call.start();
    const bye = () => call.destroy();
    window.addEventListener("pagehide", bye);
    return () => {
      window.removeEventListener("pagehide", bye);
      call.destroy();
    };
  }, [call]);

  switch (call.phase) {
    case "prejoin":
    case "joining":
      return <PreJoin call={call} />;
    case "waiting":
      return <Waiting call={call} />;
    case "call":
      return <InCall call={call} />;
    case "left":
    case "ended":
      return <Ended call={call} />;
  }
}

function InCall({ call }: { call: VideoCall }) {
  const { t } = useApp();
  const [panel, setPanel] = useState<Panel>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  // Keep the page from scrolling behind the full-screen call.
  useEffect(() => {
    document.documentElement.classList.add("video-in-call");
    return () => document.documentElement.classList.remove("video-in-call");
  }, []);
  const room = call.room;
  const knocks = call.moderator ? [...call.knocks.values()] : [];
  return (
    <div class={cx("video-call", panel && "has-panel")} data-phase="call" data-self={call.selfId ?? ""}>
      <header class="video-topbar">
        <div class="video-topbar-title">
          <strong>{room?.title || call.roomId}</strong>
          {room?.locked && (
            <span class="video-topbar-lock" role="img" aria-label={t("video.locked")} title={t("video.locked")}>
              <IconLock size={14} />
            </span>
          )}
        </div>
        <div class="video-topbar-meta">
          {call.joinedAt && <span class="video-duration">{callDuration(now - call.joinedAt)}</span>}
          <span class="video-count" title={t("video.ctl.people")}>
            <IconUsers size={14} /> {call.people.size}
          </span>
          <button
            type="button"
            class="icon-btn video-settings-btn"
            aria-label={t("video.settings.title")}
            title={t("video.settings.title")}
            aria-pressed={panel === "settings" ? "true" : "false"}
            onClick={() => setPanel(panel === "settings" ? null : "settings")}
          >
            <IconSettings size={18} />
          </button>
        </div>
      </header>
      {call.reconnecting && (
        <div class="video-banner" role="status" data-banner="reconnecting">
          <span class="spinner" aria-hidden="true" />
          {t("video.reconnecting")}
        </div>
      )}
      <div class="video-body">
        <main class="video-main" aria-label={t("video.tiles")}>
          <CallGrid call={call} />
        </main>
        {/* Outside the grid, so that a change of layout does not cut anyone's sound. */}
        {call.others.map((p) => (
          <RemoteAudio key={p.id} call={call} p={p} />
        ))}
        {panel === "chat" && <ChatPanel call={call} onClose={() => setPanel(null)} />}
        {panel === "people" && <PeoplePanel call={call} onClose={() => setPanel(null)} />}
        {panel === "settings" && <SettingsPanel call={call} onClose={() => setPanel(null)} />}
      </div>
      <Controls call={call} panel={panel} setPanel={setPanel} />
      <div class="video-toasts" aria-live="polite">
        {knocks.map((k) => (
          <div key={k.id} class="video-toast video-knock" data-knock-toast={k.id}>
            <span>{t("video.knock", { name: k.name })}</span>
            <span class="video-toast-actions">
              <button type="button" class="btn btn-primary btn-sm" onClick={() => call.admit(k.id)}>
                {t("video.people.admit")}
              </button>
              <button type="button" class="btn btn-ghost btn-sm" onClick={() => call.reject(k.id)}>
                {t("video.people.reject")}
              </button>
            </span>
          </div>
        ))}
        {call.notices.map((n) => (
          <div key={n.id} class={cx("video-toast", `is-${n.kind}`)} data-notice={n.key}>
            <span>{t(n.key, n.params)}</span>
            <button type="button" class="icon-btn" aria-label={t("video.panel.close")} onClick={() => call.dismiss(n.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function Ended({ call }: { call: VideoCall }) {
  const { t } = useApp();
  const reason = call.phase === "left" ? "left" : call.denied === "removed" ? "removed" : "ended";
  return (
    <div class="container page page-narrow">
      <div class="card video-center-card" data-phase={call.phase} data-reason={reason}>
        <span class="tool-icon tool-video">
          <IconDoor size={28} />
        </span>
        <h1>{t(`video.end.${reason}.title`)}</h1>
        <p class="muted">{t(`video.end.${reason}.body`)}</p>
        {call.gone && <Alert kind="info">{t("video.gone")}</Alert>}
        <div class="video-center-actions">
          {reason === "left" && <Button onClick={() => void call.rejoin()}>{t("video.end.rejoin")}</Button>}
          <Button variant="secondary" onClick={() => navigate("/video")}>
            {t("video.backToVideo")}
          </Button>
        </div>
      </div>
    </div>
  );
}
