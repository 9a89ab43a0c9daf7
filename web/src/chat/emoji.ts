// A small built-in set of common emoji for reactions (the character is what is sent).
export interface Emoji {
  char: string;
  /** Shortcode (also the English accessible name). */
  name: string;
}

export const EMOJI: readonly Emoji[] = [
  { char: "👍", name: "thumbsup" },
  { char: "👎", name: "thumbsdown" },
  { char: "❤️", name: "heart" },
  { char: "😂", name: "joy" },
  { char: "😄", name: "smile" },
  { char: "🙂", name: "slightly_smiling_face" },
  { char: "😉", name: "wink" },
  { char: "😍", name: "heart_eyes" },
  { char: "😮", name: "open_mouth" },
  { char: "😢", name: "cry" },
  { char: "😡", name: "rage" },
  { char: "🤔", name: "thinking" },
  { char: "🙏", name: "pray" },
  { char: "👏", name: "clap" },
  { char: "🙌", name: "raised_hands" },
  { char: "💪", name: "muscle" },
  { char: "👀", name: "eyes" },
  { char: "🎉", name: "tada" },
  { char: "🔥", name: "fire" },
  { char: "✅", name: "white_check_mark" },
  { char: "❌", name: "x" },
  { char: "⚠️", name: "warning" },
  { char: "💯", name: "100" },
  { char: "🚀", name: "rocket" },
  { char: "⭐", name: "star" },
  { char: "💡", name: "bulb" },
  { char: "📌", name: "pushpin" },
  { char: "👋", name: "wave" },
  { char: "🤝", name: "handshake" },
  { char: "😅", name: "sweat_smile" },
  { char: "😎", name: "sunglasses" },
  { char: "🥳", name: "partying_face" },
  { char: "😴", name: "sleeping" },
  { char: "🤷", name: "shrug" },
  { char: "☕", name: "coffee" },
  { char: "🍕", name: "pizza" },
  { char: "🎂", name: "birthday" },
  { char: "🌞", name: "sun_with_face" },
  { char: "🚲", name: "bike" },
  { char: "➕", name: "heavy_plus_sign" },
];

/** The emojis offered first in the hover bar. */
export const QUICK_EMOJI: readonly string[] = ["👍", "❤️", "😂", "🎉"];

/** A shortcode the server may send instead of the character (e.g. "thumbsup" → 👍). */
export function emojiChar(emoji: string): string {
  const name = emoji.replace(/^:|:$/g, "");
  return EMOJI.find((e) => e.name === name)?.char ?? emoji;
}

export function emojiName(char: string): string {
  return EMOJI.find((e) => e.char === char)?.name ?? char;
}
