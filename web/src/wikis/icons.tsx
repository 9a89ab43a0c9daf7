// Icons of the wiki pages (inline SVG, decorative: a text or an aria-label says the same).
import type { ComponentChildren } from "preact";
import * as base from "../components/icons.tsx";
import type { IconProps as P } from "../components/icons.tsx";

const Svg = ({ size = 18, ...rest }: { children: ComponentChildren; size?: number; width?: number }) => <base.Svg size={size} {...rest} />;

export const IconSearch = base.withSize(base.IconSearch, 18);
export const IconEdit = base.withSize(base.IconEdit, 18);
export const IconTrash = base.withSize(base.IconTrash, 18);
export const IconLink = base.withSize(base.IconLink, 18);
export const IconList = base.withSize(base.IconList, 18);

export const IconHistory = (p: P) => (
  <Svg {...p}>
    <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
    <path d="M3 3v5h5M12 7v5l3 2" />
  </Svg>
);
export const IconRss = (p: P) => (
  <Svg {...p}>
    <path d="M5 11a8 8 0 0 1 8 8M5 5a14 14 0 0 1 14 14" />
    <circle cx="6" cy="18" r="1.2" />
  </Svg>
);
export const IconEye = (p: P) => (
  <Svg {...p}>
    <path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z" />
    <circle cx="12" cy="12" r="3" />
  </Svg>
);
export const IconEyeOff = (p: P) => (
  <Svg {...p}>
    <path d="M3 3l18 18M10.6 5.1A10 10 0 0 1 12 5c6.5 0 10 7 10 7a17 17 0 0 1-3.2 4M6.6 6.6C3.8 8.4 2 12 2 12s3.5 7 10 7a9.6 9.6 0 0 0 5.4-1.6M9.9 9.9a3 3 0 0 0 4.2 4.2" />
  </Svg>
);
export const IconPaperclip = (p: P) => (
  <Svg {...p}>
    <path d="m20 11.5-8.2 8.2a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8" />
  </Svg>
);
export const IconBold = (p: P) => (
  <Svg {...p} width={2.2}>
    <path d="M7 5h6a3.5 3.5 0 0 1 0 7H7zM7 12h7a3.5 3.5 0 0 1 0 7H7z" />
  </Svg>
);
export const IconItalic = (p: P) => (
  <Svg {...p}>
    <path d="M10 5h8M6 19h8M14 5l-4 14" />
  </Svg>
);
export const IconHeading = (p: P) => (
  <Svg {...p} width={2}>
    <path d="M6 4v16M18 4v16M6 12h12" />
  </Svg>
);
export const IconCode = (p: P) => (
  <Svg {...p}>
    <path d="m8 7-5 5 5 5M16 7l5 5-5 5" />
  </Svg>
);
export const IconTable = (p: P) => (
  <Svg {...p}>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="M3 10h18M3 15h18M10 4v16" />
  </Svg>
);
export const IconPlus = (p: P) => (
  <Svg {...p} width={2}>
    <path d="M12 5v14M5 12h14" />
  </Svg>
);
export const IconFile = (p: P) => (
  <Svg {...p}>
    <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
    <path d="M14 3v5h5" />
  </Svg>
);
export const IconPages = (p: P) => (
  <Svg {...p}>
    <path d="M8 3h9a2 2 0 0 1 2 2v12" />
    <rect x="4" y="7" width="12" height="14" rx="2" />
  </Svg>
);
export const IconChanges = (p: P) => (
  <Svg {...p}>
    <path d="M3 12h4l3-8 4 16 3-8h4" />
  </Svg>
);
export const IconLock = (p: P) => (
  <Svg {...p}>
    <rect x="5" y="11" width="14" height="10" rx="2" />
    <path d="M8 11V8a4 4 0 0 1 8 0v3" />
  </Svg>
);
export const IconRename = (p: P) => (
  <Svg {...p}>
    <path d="M4 7V5h10v2M9 5v14M7 19h4M15 13h5M17.5 13v6M16 19h3" />
  </Svg>
);
export const IconBacklinks = (p: P) => (
  <Svg {...p}>
    <path d="M9 14 4 9l5-5" />
    <path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
  </Svg>
);
export const IconShieldPage = (p: P) => (
  <Svg {...p}>
    <path d="M12 21s7-3 7-9V6l-7-3-7 3v6c0 6 7 9 7 9z" />
    <path d="m9 12 2 2 4-4" />
  </Svg>
);
export const IconComment = (p: P) => (
  <Svg {...p}>
    <path d="M20 12.5a7.5 7.5 0 0 1-11 6.6L4 20l1-4.2A7.5 7.5 0 1 1 20 12.5z" />
  </Svg>
);
export const IconBell = (p: P) => (
  <Svg {...p}>
    <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15zM10 20a2 2 0 0 0 4 0" />
  </Svg>
);
export const IconUpload = (p: P) => (
  <Svg {...p}>
    <path d="M12 16V4M7 9l5-5 5 5M4 20h16" />
  </Svg>
);
export const IconRestore = (p: P) => (
  <Svg {...p}>
    <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
    <path d="M3 3v5h5" />
  </Svg>
);
