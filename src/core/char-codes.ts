/** UTF-16 code units the TOML scanners compare against (charCodeAt, no per-character strings). */
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const HASH = 0x23;
export const APOS = 0x27;
export const COMMA = 0x2c;
export const DOT = 0x2e;
export const EQUALS = 0x3d;
export const LBRACKET = 0x5b;
export const BACKSLASH = 0x5c;
export const RBRACKET = 0x5d;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const BOM = 0xfeff;
