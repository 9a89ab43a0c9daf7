// The left column: team switcher, followed threads, channels (public and private), direct
// messages; unread channels in bold, mention badges, muted ones greyed; create, browse, new
// direct message; the notification setting; the team menu (team admins: members, guests,
// import); my custom status.
// On a phone it is a drawer.
import { useRef, useState } from "preact/hooks";
import { StatusDialog } from "./status.tsx";
import { useApp } from "../context.tsx";
import { FavouriteMark } from "../favourites.tsx";
import { IconDownload, IconSettings } from "../components/icons.tsx";
import { Link, cx } from "../components/ui.tsx";
import { type TeamSettingsTab, TeamSettingsDialog } from "./admin-team.tsx";
import { ChannelIcon } from "./channel.tsx";
import { useChat } from "./ctx.tsx";
import { IconBell, IconBellOff, IconClose, IconPlus, IconSearch, IconThreads, IconUsers } from "./icons.tsx";
import { MenuButton } from "./menu.tsx";
import { channelHref, channelLabel, teamHref, threadsHref } from "./names.ts";
import { badgeCount, sidebarGroups, teamUnread } from "./state.ts";
import type { Channel } from "./types.ts";

function ChannelLink({ ch, current }: { ch: Channel; current: boolean }) {
  const { t } = useApp();
  const { team, meId } = useChat();
  const badge = badgeCount(ch);
  const unread = !!ch.me && ch.me.unread > 0 && !current;
  const label = channelLabel(ch, meId, t);
  return (
    <li>
      <Link
        href={channelHref(team.name, ch, meId)}
        class={cx("chat-side-link", unread && "is-unread", ch.me?.muted && "is-muted", ch.archived && "is-archived")}
        aria-current={current ? "page" : undefined}
        data-channel={ch.name}
      >
        <span class="chat-side-icon">
          <ChannelIcon ch={ch} size={15} />
        </span>
        <span class="chat-side-name">{label}</span>
        <FavouriteMark kind="channel" id={ch.id} />
        {unread && <span class="visually-hidden">{t("chat.unreadMark")}</span>}
        {badge > 0 && !current && (
          <span class="chat-badge" aria-label={t(badge === 1 ? "chat.mentionCount.one" : "chat.mentionCount.other", { count: badge })}>
            {badge}
          </span>
        )}
      </Link>
    </li>
  );
}

export function Sidebar({
  currentId,
  threadsActive,
  onCreate,
  onBrowse,
  onDirect,
  notifyOn,
  onNotify,
  onClose,
}: {
  currentId: string | null;
  threadsActive: boolean;
  onCreate: () => void;
  onBrowse: () => void;
  onDirect: () => void;
  notifyOn: boolean;
  onNotify: (on: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useApp();
  const { store, team } = useChat();
  const all = Object.values(store.state.channels);
  const groups = sidebarGroups(all, team.id);
  const followed = store.state.followed ?? [];
  const threadUnread = followed.some((f) => f.unread_replies > 0);
  const threadMentions = followed.reduce((n, f) => n + f.unread_mentions, 0);
  const [teamDialog, setTeamDialog] = useState<TeamSettingsTab | null>(null);
  const [statusOpen, setStatusOpen] = useState(false);
  const teamHead = useRef<HTMLDivElement>(null);
  return (
    <nav class="chat-sidebar-inner" aria-label={t("chat.sidebar")}>
      <div class="chat-teams" role="list" aria-label={t("chat.teams")}>
        {store.state.teams.map((tm) => {
          const u = teamUnread(all, tm.id);
          return (
            <div role="listitem" key={tm.id}>
              <Link
                href={teamHref(tm.name)}
                class={cx("chat-team-tile", tm.id === team.id && "is-current", u.unread && "is-unread")}
                aria-current={tm.id === team.id ? "true" : undefined}
                title={tm.display_name}
              >
                {/* The name as hidden text rather than aria-label, which would contradict the visible initials. */}
                <span aria-hidden="true">{(tm.display_name || tm.name).slice(0, 2).toUpperCase()}</span>
                <span class="visually-hidden">
                  {tm.display_name + (u.mentions ? ` — ${t(u.mentions === 1 ? "chat.mentionCount.one" : "chat.mentionCount.other", { count: u.mentions })}` : "")}
                </span>
                {u.mentions > 0 && tm.id !== team.id && (
                  <span class="chat-badge chat-team-badge" aria-hidden="true">
                    {u.mentions}
                  </span>
                )}
              </Link>
            </div>
          );
        })}
        <div role="listitem">
          <Link href="/chat" class="chat-team-tile chat-team-add" aria-label={t("chat.allTeams")} title={t("chat.allTeams")}>
            <IconPlus size={16} />
          </Link>
        </div>
      </div>
      <div class="chat-side-main">
        <div class="chat-side-team" ref={teamHead}>
          <h2 class="chat-side-teamname">{team.display_name}</h2>
          <button type="button" class="icon-btn chat-status-btn" aria-label={t("chat.status.title")} title={t("chat.status.title")} onClick={() => setStatusOpen(true)}>
            <span aria-hidden="true">🙂</span>
          </button>
          {statusOpen && <StatusDialog onClose={() => setStatusOpen(false)} />}
          {team.my_role === "admin" && (
            <MenuButton
              class="chat-team-menu"
              label={t("chat.admin.team.menu")}
              icon={<IconSettings size={18} />}
              items={[
                { label: t("chat.admin.team.manage"), icon: <IconUsers size={16} />, onSelect: () => setTeamDialog("members") },
                { label: t("chat.admin.team.import"), icon: <IconDownload size={16} />, onSelect: () => setTeamDialog("import") },
              ]}
            />
          )}
          <button type="button" class="icon-btn chat-drawer-close" aria-label={t("chat.closeSidebar")} onClick={onClose}>
            <IconClose />
          </button>
        </div>
        <div class="chat-side-scroll">
          <ul class="chat-side-list">
            <li>
              <Link href={threadsHref(team.name)} class={cx("chat-side-link", threadUnread && "is-unread")} aria-current={threadsActive ? "page" : undefined}>
                <span class="chat-side-icon">
                  <IconThreads size={15} />
                </span>
                <span class="chat-side-name">{t("chat.threads")}</span>
                {threadMentions > 0 && <span class="chat-badge">{threadMentions}</span>}
              </Link>
            </li>
          </ul>
          <section class="chat-side-section" aria-labelledby="chat-side-channels">
            <div class="chat-side-heading">
              <h3 id="chat-side-channels">{t("chat.channels")}</h3>
              <button type="button" class="icon-btn chat-side-add" aria-label={t("chat.browseChannels")} title={t("chat.browseChannels")} onClick={onBrowse}>
                <IconSearch size={15} />
              </button>
              <button type="button" class="icon-btn chat-side-add" aria-label={t("chat.createChannel")} title={t("chat.createChannel")} onClick={onCreate}>
                <IconPlus size={15} />
              </button>
            </div>
            <ul class="chat-side-list">
              {groups.channels.map((c) => (
                <ChannelLink key={c.id} ch={c} current={c.id === currentId} />
              ))}
            </ul>
          </section>
          <section class="chat-side-section" aria-labelledby="chat-side-dms">
            <div class="chat-side-heading">
              <h3 id="chat-side-dms">{t("chat.directMessages")}</h3>
              <button type="button" class="icon-btn chat-side-add" aria-label={t("chat.newDirect")} title={t("chat.newDirect")} onClick={onDirect}>
                <IconPlus size={15} />
              </button>
            </div>
            {groups.direct.length ? (
              <ul class="chat-side-list">
                {groups.direct.map((c) => (
                  <ChannelLink key={c.id} ch={c} current={c.id === currentId} />
                ))}
              </ul>
            ) : (
              <p class="chat-side-empty">{t("chat.noDirect")}</p>
            )}
          </section>
        </div>
        <div class="chat-side-foot">
          <label class="chat-switch">
            <input type="checkbox" checked={notifyOn} onChange={(e) => onNotify((e.currentTarget as HTMLInputElement).checked)} />
            {notifyOn ? <IconBell size={16} /> : <IconBellOff size={16} />}
            <span>{t("chat.desktopNotifications")}</span>
          </label>
        </div>
      </div>
      {teamDialog && (
        <TeamSettingsDialog
          initial={teamDialog}
          onClose={() => {
            setTeamDialog(null);
            // Back to the team menu's button once the dialog is gone.
            setTimeout(() => teamHead.current?.querySelector<HTMLButtonElement>(".chat-menu > button")?.focus(), 0);
          }}
        />
      )}
    </nav>
  );
}
