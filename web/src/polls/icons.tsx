// Icons of the polls pages (inline SVG, decorative: the text beside them says the same).
import { Svg } from "../components/icons.tsx";
import type { IconProps as P } from "../components/icons.tsx";

export { IconEdit, IconList, IconPlus, IconStar } from "../components/icons.tsx";

export const IconYes = (p: P) => (
  <Svg {...p} width={2.4}>
    <path d="m5 12.5 4.5 4.5L19 7.5" />
  </Svg>
);
/** "If need be": a check between brackets. */
export const IconMaybe = (p: P) => (
  <Svg {...p} width={2}>
    <path d="M6 4.5c-2 2-3 4.5-3 7.5s1 5.5 3 7.5M18 4.5c2 2 3 4.5 3 7.5s-1 5.5-3 7.5" />
    <path d="m8 12.3 2.8 2.8L16.2 9.5" />
  </Svg>
);
export const IconNo = (p: P) => (
  <Svg {...p} width={2.4}>
    <path d="M6.5 6.5 17.5 17.5M17.5 6.5 6.5 17.5" />
  </Svg>
);
export const IconUp = (p: P) => (
  <Svg {...p}>
    <path d="m6 15 6-6 6 6" />
  </Svg>
);
export const IconDown = (p: P) => (
  <Svg {...p}>
    <path d="m6 9 6 6 6-6" />
  </Svg>
);
export const IconTrash = (p: P) => (
  <Svg {...p}>
    <path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" />
  </Svg>
);
export const IconCalendar = (p: P) => (
  <Svg {...p}>
    <rect x="3.5" y="5" width="17" height="15.5" rx="2.5" />
    <path d="M3.5 10h17M8 3v4M16 3v4" />
  </Svg>
);
export const IconLock = (p: P) => (
  <Svg {...p}>
    <rect x="4.5" y="10.5" width="15" height="10" rx="2" />
    <path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" />
  </Svg>
);
