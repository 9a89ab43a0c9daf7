// Video calls (Jitsi Meet class): /video (start a call, join by link, my rooms) and /video/{room}
// (pre-join, lobby, the call). Loaded on demand (its own chunk, declared in index.tsx). Contract: docs/video-api.md.
import { useApp, useTitle } from "../context.tsx";
import { IconVideo } from "../components/icons.tsx";
import { Card, Link, PageHeader } from "../components/ui.tsx";
import { RoomScreen } from "./room.tsx";
import { JoinByLink, MyRooms, StartCall } from "./start.tsx";

export function VideoHomePage() {
  const { t, user } = useApp();
  useTitle(t("tool.video.name"));
  return (
    <div class="container page video-home">
      <PageHeader
        title={t("tool.video.name")}
        subtitle={t("video.subtitle")}
        icon={
          <span class="tool-icon tool-video">
            <IconVideo size={28} />
          </span>
        }
      />
      <div class="video-home-grid">
        <StartCall />
        <div class="stack">
          <JoinByLink />
          {user ? (
            <MyRooms />
          ) : (
            <Card>
              <p class="muted small">
                {t("video.guestNote")} <Link href="/login?next=%2Fvideo">{t("nav.login")}</Link>
              </p>
            </Card>
          )}
        </div>
      </div>
    </div>
  );
}

export function VideoRoomPage({ id }: { id: string }) {
  return <RoomScreen key={id} id={id} />;
}
