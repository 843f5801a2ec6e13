import type { ReviewsVersion } from "../model/snapshot.ts";

// Reads which reviews version rendered a Bookinfo product page. Two page generations exist
// (the Tailwind template of images 1.20+ and the Bootstrap one of 1.8 to 1.19), so every marker
// here is one both carry, or a pair of markers with one per generation.

export type PageError = "details" | "reviews" | "ratings";

export interface ProductPageClass {
  version?: ReviewsVersion;
  reviewsPod?: string;
  pageErrors: PageError[];
  /** Present when the page shows someone signed in (its "Sign out" link, either generation). */
  signedIn?: true;
}

// The Tailwind page puts the user's name next to a "Sign out" link to `logout`; the Bootstrap one
// says "sign out" next to the name as well.
const SIGNED_IN = /\bsign out\b|href=["']?logout\b/i;

// Both generations print these headings; only the Bootstrap one adds a "!".
const PAGE_ERROR_MARKERS: [PageError, RegExp][] = [
  ["details", /Error fetching product details/],
  ["reviews", /Error fetching product reviews/],
  ["ratings", /Ratings service is currently unavailable/],
];

// A complete product page, in both generations: the title, the reviews section (its heading, or
// the error shown in its place) and the end of the document. productpage's front page shares the
// title, a mistyped --gateway-url can reach any app at all, and a gateway can cut a page short or
// send garbage: none of that is a page a reviews version can be read from.
const TITLE = /<title>\s*Simple Bookstore App\s*<\/title>/i;
const REVIEWS_SECTION = /Book Reviews|Error fetching product reviews/;
const DOCUMENT_END = /<\/html>\s*$/i;

/** Whether `html` is a whole Bookinfo product page (not another page, not a part of one). */
export function isCompleteProductPage(html: string): boolean {
  return TITLE.test(html) && REVIEWS_SECTION.test(html) && DOCUMENT_END.test(html);
}

const SERVED_BY = /Reviews served by:?/i;
const POD_NAME = /^\s*([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)/;
const VERSION_FROM_POD = /^reviews-(v[123])-/;

// A star row is a coloured element whose content holds star glyphs: a Tailwind
// `<div class="flex gap-x-1 text-red-500">` of svgs, or a Bootstrap `<font color="red">` of
// glyphicon spans. Looking inside the element matters because `text-red-500` also colours the
// error headings and the rating error, which hold text, not stars.
const TAILWIND_COLOURED_TAG = /<([a-z][a-z0-9]*)\b[^>]*?\btext-(black|red)-500\b[^>]*>/gi;
const BOOTSTRAP_COLOURED_TAG = /<(font)\b[^>]*?\bcolor\s*=\s*["']?(black|red)\b[^>]*>/gi;
const STAR_GLYPH = /glyphicon glyphicon-star|<svg\b/i;
// Any star on either generation: the Tailwind svg id, or the Bootstrap span class (full or empty).
const ANY_STAR = /glyphicon glyphicon-star/;
// Far more than a row of five stars; bounds the scan when a coloured element is never closed.
const STAR_ROW_WINDOW = 8000;

type StarColour = "black" | "red";

export function classifyProductPage(code: number, html: string): ProductPageClass {
  if (code !== 200 || !isCompleteProductPage(html)) return { pageErrors: [] };
  const pageErrors = PAGE_ERROR_MARKERS.filter(([, marker]) => marker.test(html)).map(([kind]) => kind);
  const reviewsPod = servedByPod(html);
  const signedIn = SIGNED_IN.test(html);
  const result = (version?: ReviewsVersion): ProductPageClass => ({
    ...(version ? { version } : {}),
    ...(reviewsPod ? { reviewsPod } : {}),
    pageErrors,
    ...(signedIn ? { signedIn: true as const } : {}),
  });

  // The pod name is exact; star markup is only evidence, so it comes second.
  const pinned = reviewsPod ? VERSION_FROM_POD.exec(reviewsPod)?.[1] : undefined;
  if (pinned) return result(pinned as ReviewsVersion);
  if (pageErrors.includes("reviews")) return result();

  const colours = starColours(html);
  if (colours.has("red")) return result("v3");
  if (colours.has("black") || ANY_STAR.test(html)) return result("v2");
  // v1 never calls ratings, so a rating error means v2 or v3 whose colour the page no longer shows.
  if (pageErrors.includes("ratings")) return result();
  return result("v1");
}

function servedByPod(html: string): string | undefined {
  const found = SERVED_BY.exec(html);
  if (!found) return undefined;
  const after = html
    .slice(found.index + found[0].length, found.index + found[0].length + 400)
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ");
  return POD_NAME.exec(after)?.[1];
}

function starColours(html: string): Set<StarColour> {
  const colours = new Set<StarColour>();
  for (const pattern of [TAILWIND_COLOURED_TAG, BOOTSTRAP_COLOURED_TAG]) {
    for (const tag of html.matchAll(pattern)) {
      const [openTag, name, colour] = tag;
      const start = tag.index + openTag.length;
      const window = html.slice(start, start + STAR_ROW_WINDOW);
      const close = window.search(new RegExp(`</${name}\\s*>`, "i"));
      const content = close < 0 ? window : window.slice(0, close);
      if (STAR_GLYPH.test(content)) colours.add(colour!.toLowerCase() as StarColour);
    }
  }
  return colours;
}
