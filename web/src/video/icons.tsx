// Icons of the video tool (inline SVG, decorative: buttons carry their own labels).
import { Svg } from "../components/icons.tsx";
import type { IconProps as P } from "../components/icons.tsx";

export { IconChat, IconClose, IconCopy, IconLink, IconPlus, IconSettings, IconTrash, IconUsers, IconVideo, IconArrowRight } from "../components/icons.tsx";

export const IconMic = (p: P) => (
  <Svg {...p}>
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M8.5 21h7" />
  </Svg>
);
export const IconMicOff = (p: P) => (
  <Svg {...p}>
    <path d="M15 9.5V6a3 3 0 0 0-5.8-1.1M9 9v2a3 3 0 0 0 4.9 2.3" />
    <path d="M5.5 11a6.5 6.5 0 0 0 10.4 5.2M18.4 12.4c.07-.46.1-.93.1-1.4M12 17.5V21M8.5 21h7M3.5 3.5l17 17" />
  </Svg>
);
export const IconCamera = (p: P) => (
  <Svg {...p}>
    <rect x="3" y="6" width="13" height="12" rx="2.5" />
    <path d="m16 10.5 5-3v9l-5-3z" />
  </Svg>
);
export const IconCameraOff = (p: P) => (
  <Svg {...p}>
    <path d="M10 6h3.5A2.5 2.5 0 0 1 16 8.5v3.5M16 16a2.5 2.5 0 0 1-2.5 2H5.5A2.5 2.5 0 0 1 3 15.5v-7A2.5 2.5 0 0 1 5 6" />
    <path d="m16 10.5 5-3v9l-3.5-2.1M3 3l18 18" />
  </Svg>
);
export const IconScreen = (p: P) => (
  <Svg {...p}>
    <rect x="2.5" y="4" width="19" height="13" rx="2" />
    <path d="M8 21h8M12 17v4M12 13.5v-6M9.2 10.2 12 7.5l2.8 2.7" />
  </Svg>
);
export const IconHand = (p: P) => (
  <Svg {...p}>
    <path d="M8 12V5.5a1.5 1.5 0 0 1 3 0V11M11 10.5V4a1.5 1.5 0 0 1 3 0v6.5M14 10.5V5.5a1.5 1.5 0 0 1 3 0V14" />
    <path d="M8 11.5 6.6 10a1.6 1.6 0 0 0-2.4 2.1l3.4 5A7 7 0 0 0 13.3 20h.2A4.5 4.5 0 0 0 17 15.5V13" />
  </Svg>
);
export const IconPhoneOff = (p: P) => (
  <Svg {...p} width={2}>
    <path d="M3.2 13.6c-.5-.5-.5-1.3 0-1.8C5.6 9.4 8.7 8 12 8s6.4 1.4 8.8 3.8c.5.5.5 1.3 0 1.8l-1.7 1.7c-.4.4-1.1.5-1.6.1l-2-1.5a1.2 1.2 0 0 1-.5-1v-1.6a10 10 0 0 0-6 0v1.6c0 .4-.2.8-.5 1l-2 1.5c-.5.4-1.2.3-1.6-.1z" />
  </Svg>
);
export const IconLock = (p: P) => (
  <Svg {...p}>
    <rect x="4.5" y="10.5" width="15" height="10.5" rx="2" />
    <path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" />
  </Svg>
);
export const IconUnlock = (p: P) => (
  <Svg {...p}>
    <rect x="4.5" y="10.5" width="15" height="10.5" rx="2" />
    <path d="M8 10.5V7.5a4 4 0 0 1 7.7-1.5" />
  </Svg>
);
export const IconSend = (p: P) => (
  <Svg {...p}>
    <path d="M21 3 10.5 13.5M21 3l-6.5 18-4-7.5L3 9.5z" />
  </Svg>
);
export const IconMore = (p: P) => (
  <Svg {...p} width={2.4}>
    <path d="M6 12h.01M12 12h.01M18 12h.01" />
  </Svg>
);
export const IconRemove = (p: P) => (
  <Svg {...p}>
    <circle cx="9.5" cy="8" r="4" />
    <path d="M2.5 21a7 7 0 0 1 14 0M16 11h6" />
  </Svg>
);
export const IconDoor = (p: P) => (
  <Svg {...p}>
    <path d="M5 21V4a1 1 0 0 1 1-1h9a1 1 0 0 1 1 1v17M3 21h16M13 12h.01M16 5.5l3 1V21" />
  </Svg>
);
