// Chat (Mattermost class): /chat (my teams, create a team, join an open team) and a team's chat
// (/chat/{team}/…: channels, direct messages, threads, permalinks). Signed-in users only. Loaded
// on demand (its own chunk, declared in index.tsx). Contract: docs/chat-api.md.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconArrowRight, IconChat } from "../components/icons.tsx";
import { Badge, Button, Card, EmptyState, ErrorAlert, Link, Loading, PageHeader, TextField, useAsync } from "../components/ui.tsx";
import { navigate } from "../router.ts";
import { chatApi } from "./api.ts";
import { nameProblem, suggestName, teamHref } from "./names.ts";
import type { Team } from "./types.ts";
import { type ChatRoute, ChatWorkspace } from "./workspace.tsx";

function ChatIcon() {
  return (
    <span class="tool-icon tool-chat">
      <IconChat size={28} />
    </span>
  );
}

export function ChatHomePage() {
  const { t } = useApp();
  useTitle(t("tool.chat.name"));
  const mine = useAsync(() => chatApi.teams(), []);
  const open = useAsync(() => chatApi.openTeams(), []);
  const myIds = new Set((mine.data ?? []).map((x) => x.id));
  const joinable = (open.data ?? []).filter((x) => !myIds.has(x.id));
  return (
    <div class="container page chat-home">
      <PageHeader title={t("tool.chat.name")} subtitle={t("chat.subtitle")} icon={<ChatIcon />} />
      <div class="chat-home-grid">
        <div class="stack">
          <Card title={t("chat.myTeams")} id="chat-my-teams">
            {mine.loading ? (
              <Loading />
            ) : mine.error ? (
              <ErrorAlert error={mine.error} />
            ) : !mine.data || !mine.data.length ? (
              <EmptyState>{t("chat.noTeams")}</EmptyState>
            ) : (
              <ul class="chat-team-cards">
                {mine.data.map((tm) => (
                  <li key={tm.id}>
                    <TeamCard team={tm} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title={t("chat.openTeams")} description={t("chat.openTeamsDesc")} id="chat-open-teams">
            {open.loading ? (
              <Loading />
            ) : open.error ? (
              <ErrorAlert error={open.error} />
            ) : !joinable.length ? (
              <EmptyState>{t("chat.noOpenTeams")}</EmptyState>
            ) : (
              <ul class="list">
                {joinable.map((tm) => (
                  <JoinRow key={tm.id} team={tm} />
                ))}
              </ul>
            )}
          </Card>
        </div>
        <aside class="stack">
          <CreateTeam />
        </aside>
      </div>
    </div>
  );
}

function TeamCard({ team }: { team: Team }) {
  const { t } = useApp();
  return (
    <Link href={teamHref(team.name)} class="chat-team-card" data-team={team.name}>
      <span class="chat-team-card-tile" aria-hidden="true">
        {(team.display_name || team.name).slice(0, 2).toUpperCase()}
      </span>
      <span class="chat-team-card-text">
        <span class="chat-team-card-name">
          {team.display_name}
          {team.my_role === "admin" && <Badge tone="accent">{t("chat.role.admin")}</Badge>}
          {team.open && <Badge>{t("chat.openBadge")}</Badge>}
        </span>
        <span class="muted small mono">/chat/{team.name}</span>
        {team.description && <span class="chat-team-card-desc">{team.description}</span>}
      </span>
      <IconArrowRight size={16} />
    </Link>
  );
}

function JoinRow({ team }: { team: Team }) {
  const { t } = useApp();
  const { busy, error, run } = useSubmit();
  return (
    <li class="list-item" data-team={team.name}>
      <div class="list-main">
        <span class="list-title">{team.display_name}</span>
        {team.description && <div class="list-meta">{team.description}</div>}
        {error ? <p class="field-error">{errorText(t, error)}</p> : null}
      </div>
      <Button
        size="sm"
        loading={busy}
        aria-label={t("chat.joinNamed", { name: team.display_name })}
        onClick={async () => {
          await run(async () => {
            await chatApi.joinTeam(team.name);
            navigate(teamHref(team.name));
            return STAY_BUSY;
          });
        }}
      >
        {t("chat.join")}
      </Button>
    </li>
  );
}

function CreateTeam() {
  const { t } = useApp();
  const [display, setDisplay] = useState("");
  const [name, setName] = useState("");
  const [edited, setEdited] = useState(false);
  const [description, setDescription] = useState("");
  const [openTeam, setOpenTeam] = useState(true);
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useSubmit();
  const effName = edited ? name : suggestName(display);
  const problem = nameProblem(effName);
  return (
    <Card title={t("chat.createTeam")} description={t("chat.createTeamDesc")} id="chat-create-team">
      <form
        class="form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setTried(true);
          if (!display.trim() || problem) return;
          await run(async () => {
            const team = await chatApi.createTeam({ name: effName, display_name: display.trim(), description: description.trim() || undefined, open: openTeam });
            navigate(teamHref(team.name));
            return STAY_BUSY;
          });
        }}
      >
        <TextField label={t("chat.teamDisplayName")} value={display} onValue={setDisplay} maxLength={64} error={tried && !display.trim() ? t("chat.needName") : null} />
        <TextField
          id="chat-team-name"
          label={t("chat.teamName")}
          hint={t("chat.teamNameHint", { name: effName || "…" })}
          value={effName}
          onValue={(v) => {
            setEdited(true);
            setName(v.toLowerCase());
          }}
          autoCapitalize="none"
          spellcheck={false}
          maxLength={64}
          error={(tried || edited) && effName && problem ? t(problem === "length" ? "chat.nameLength" : "chat.nameChars") : null}
        />
        <TextField label={t("chat.teamDescription")} value={description} onValue={setDescription} optional maxLength={250} />
        <label class="chat-check">
          <input type="checkbox" checked={openTeam} onChange={(e) => setOpenTeam((e.currentTarget as HTMLInputElement).checked)} />
          <span>
            <strong>{t("chat.teamOpen")}</strong>
            <span class="muted small">{t("chat.teamOpenDesc")}</span>
          </span>
        </label>
        {error ? <p class="field-error">{errorText(t, error)}</p> : null}
        <div class="form-actions">
          <Button type="submit" loading={busy}>
            {t("chat.createTeamButton")}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** A team's chat; stays mounted while moving between channels and teams (one socket). */
export function ChatTeamPage({ params }: { params: Record<string, string> }) {
  const route: ChatRoute = {
    team: params.team ?? "",
    view: (params.view as ChatRoute["view"]) ?? "team",
    channel: params.channel,
    dm: params.dm,
    post: params.post,
  };
  return <ChatWorkspace route={route} />;
}
