// Icons of the chat (inline SVG, decorative: a text or an aria-label says the same).
import type { ComponentChildren } from "preact";
import * as base from "../components/icons.tsx";
import type { IconProps as P } from "../components/icons.tsx";

const Svg = ({ size = 18, ...rest }: { children: ComponentChildren; size?: number; width?: number }) => <base.Svg size={size} {...rest} />;

export const IconPlus = base.withSize(base.IconPlus, 18);
export const IconSearch = base.withSize(base.IconSearch, 18);
export const IconEdit = base.withSize(base.IconEdit, 18);
export const IconTrash = base.withSize(base.IconTrash, 18);
export const IconLink = base.withSize(base.IconLink, 18);
export const IconClose = base.withSize(base.IconClose, 18);
export const IconMenu = base.withSize(base.IconMenu, 18);
export const IconUsers = base.withSize(base.IconUsers, 18);
export const IconDownload = base.withSize(base.IconDownload, 18);

export const IconPrev = (p: P) => (
  <Svg {...p}>
    <path d="m15 5-7 7 7 7" />
  </Svg>
);
export const IconNext = (p: P) => (
  <Svg {...p}>
    <path d="m9 5 7 7-7 7" />
  </Svg>
);

export const IconHash = (p: P) => (
  <Svg {...p}>
    <path d="M5 9h15M4 15h15M10 3 8 21M16 3l-2 18" />
  </Svg>
);
export const IconLock = (p: P) => (
  <Svg {...p}>
    <rect x="5" y="11" width="14" height="9" rx="2" />
    <path d="M8 11V8a4 4 0 0 1 8 0v3" />
  </Svg>
);
export const IconPin = (p: P) => (
  <Svg {...p}>
    <path d="M9 4h6l-1 5 3 3v2H7v-2l3-3zM12 14v6" />
  </Svg>
);
export const IconReply = (p: P) => (
  <Svg {...p}>
    <path d="M10 8 5 12l5 4" />
    <path d="M5 12h9a5 5 0 0 1 5 5v2" />
  </Svg>
);
export const IconSmile = (p: P) => (
  <Svg {...p}>
    <circle cx="12" cy="12" r="8.5" />
    <path d="M8.5 14a4 4 0 0 0 7 0M9 9.5h.01M15 9.5h.01" />
  </Svg>
);
export const IconDots = (p: P) => (
  <Svg {...p} width={2.4}>
    <path d="M5 12h.01M12 12h.01M19 12h.01" />
  </Svg>
);
export const IconSend = (p: P) => (
  <Svg {...p}>
    <path d="M4 12 20 4l-4 16-4-7z" />
    <path d="m12 13 8-9" />
  </Svg>
);
export const IconThreads = (p: P) => (
  <Svg {...p}>
    <path d="M4 5h12v8H8l-4 3z" />
    <path d="M16 9h4v8l-3-2h-6v-2" />
  </Svg>
);
export const IconBell = (p: P) => (
  <Svg {...p}>
    <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z" />
    <path d="M10 20a2 2 0 0 0 4 0" />
  </Svg>
);
export const IconBellOff = (p: P) => (
  <Svg {...p}>
    <path d="M3 3l18 18M8.6 5.4A6 6 0 0 1 18 11v4M6 11v5l-1.5 2H17M10 20a2 2 0 0 0 4 0" />
  </Svg>
);
export const IconArchive = (p: P) => (
  <Svg {...p}>
    <rect x="3.5" y="4" width="17" height="4" rx="1" />
    <path d="M5 8v11h14V8M10 12h4" />
  </Svg>
);
export const IconUserPlus = (p: P) => (
  <Svg {...p}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0M19 8v6M16 11h6" />
  </Svg>
);
export const IconLeave = (p: P) => (
  <Svg {...p}>
    <path d="M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4M9 8l-4 4 4 4M5 12h11" />
  </Svg>
);
export const IconBack = (p: P) => (
  <Svg {...p}>
    <path d="M15 5l-7 7 7 7" />
  </Svg>
);
export const IconDown = (p: P) => (
  <Svg {...p}>
    <path d="M12 5v14M6 13l6 6 6-6" />
  </Svg>
);
export const IconGlobe = (p: P) => (
  <Svg {...p}>
    <circle cx="12" cy="12" r="8.5" />
    <path d="M3.5 12h17M12 3.5c2.5 2.5 3.5 5.5 3.5 8.5s-1 6-3.5 8.5c-2.5-2.5-3.5-5.5-3.5-8.5s1-6 3.5-8.5z" />
  </Svg>
);
export const IconPaperclip = (p: P) => (
  <Svg {...p}>
    <path d="m21 11-8.5 8.5a5 5 0 0 1-7-7L14 4a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L15.5 7" />
  </Svg>
);
export const IconFile = (p: P) => (
  <Svg {...p}>
    <path d="M14 3H6v18h12V7zM14 3v4h4" />
  </Svg>
);
