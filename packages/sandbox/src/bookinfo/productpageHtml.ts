// The product page, as pure functions of what productpage fetched. The markup is our own; it
// carries the markers tools and tutorials look for on the current Bookinfo page: the title,
// "Reviews served by:" with the reviews pod, full stars as svg elements with the id
// "glyphicon glyphicon-star" inside a "text-black-500" or "text-red-500" star row, the error
// headings, and sign in / sign out.

export interface ReviewRating {
  stars?: number;
  color?: string;
  error?: string;
}

export interface Review {
  reviewer?: string;
  text?: string;
  rating?: ReviewRating;
}

export interface ReviewsBody {
  podname?: string;
  clustername?: string;
  reviews?: Review[];
}

export type Fetched<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ProductPageModel {
  user: string | undefined;
  product: { title: string; descriptionHtml: string };
  details: Fetched<Record<string, unknown>>;
  reviews: Fetched<ReviewsBody>;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (value: unknown): string =>
  String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A five-pointed star drawn for a 20x20 box. */
const STAR_POINTS = Array.from({ length: 10 }, (_, i) => {
  const radius = i % 2 === 0 ? 9.5 : 4;
  const angle = (Math.PI / 5) * i - Math.PI / 2;
  return `${(10 + radius * Math.cos(angle)).toFixed(2)},${(10.5 + radius * Math.sin(angle)).toFixed(2)}`;
}).join(" ");

const FULL_STAR = `<svg id="glyphicon glyphicon-star" class="star" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><polygon points="${STAR_POINTS}"/></svg>`;
const EMPTY_STAR = `<svg class="star" viewBox="0 0 20 20" fill="none" stroke="currentColor" aria-hidden="true"><polygon points="${STAR_POINTS}"/></svg>`;

// Colours are inline: the marker class names must appear only where the markers are, never in
// the stylesheet, or a page would "contain" red stars it does not show.
const RED = "color:#dc2626";
const BLACK = "color:#111827";

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#1f2937;background:#f9fafb}
nav{display:flex;justify-content:space-between;align-items:center;padding:.75rem 1.5rem;background:#1f2937;color:#f9fafb}
nav a{color:#f9fafb}main{max-width:64rem;margin:0 auto;padding:1.5rem}
.columns{display:flex;flex-wrap:wrap;gap:2rem}.columns>section{flex:1 1 20rem}
h1{font-size:1.9rem}h2{font-size:1.4rem;border-bottom:1px solid #d1d5db}
.review{margin:1rem 0;padding:.75rem;background:#fff;border-radius:.4rem}
.flex{display:flex}.gap-x-1{column-gap:.25rem}.star{width:1.25rem;height:1.25rem}.text-2xl{font-size:1.4rem}
dl{margin:.5rem 0}dt{font-weight:600}dd{margin:0 0 .4rem 0}.muted{color:#6b7280}`;

function nav(user: string | undefined): string {
  const account =
    user !== undefined
      ? `<div class="account"><span class="user">${escapeHtml(user)}</span> <a href="logout">Sign out</a></div>`
      : `<details class="account"><summary>Sign in</summary>` +
        `<form method="post" action="login"><label>User Name <input type="text" name="username"></label> ` +
        `<label>Password <input type="password" name="passwd"></label> <button type="submit">Sign in</button></form></details>`;
  return `<nav><a href="productpage"><strong>BookInfo Sample</strong></a>${account}</nav>`;
}

const DETAIL_FIELDS: [string, string][] = [
  ["type", "Type"],
  ["pages", "Pages"],
  ["publisher", "Publisher"],
  ["language", "Language"],
  ["ISBN-10", "ISBN-10"],
  ["ISBN-13", "ISBN-13"],
];

function fetchError(what: string, error: string): string {
  return `<p class="text-2xl text-red-500" style="${RED}">Error fetching product ${what}</p><p>${escapeHtml(error)}</p>`;
}

function detailsSection(details: Fetched<Record<string, unknown>>): string {
  const body = details.ok
    ? `<dl>${DETAIL_FIELDS.map(([key, label]) => `<dt>${label}:</dt><dd>${escapeHtml(details.value[key])}</dd>`).join("")}</dl>`
    : fetchError("details", details.error);
  return `<section class="details"><h2>Book Details</h2>${body}</section>`;
}

function stars(rating: ReviewRating | undefined): string {
  if (!rating) return "";
  if (typeof rating.stars === "number") {
    const full = Math.max(0, Math.min(5, Math.round(rating.stars)));
    const color = rating.color === "red" ? "red" : "black";
    const style = color === "red" ? RED : BLACK;
    return `<div class="flex gap-x-1 text-${color}-500" style="${style}">${FULL_STAR.repeat(full)}${EMPTY_STAR.repeat(5 - full)}</div>`;
  }
  return `<p class="text-red-500" style="${RED}">${escapeHtml(rating.error ?? "")}</p>`;
}

function review(r: Review, body: ReviewsBody): string {
  const cluster =
    body.clustername && body.clustername !== "null"
      ? ` on cluster <u>${escapeHtml(body.clustername)}</u>`
      : "";
  const servedBy = body.podname
    ? `<dl><dt>Reviews served by:</dt><dd><u>${escapeHtml(body.podname)}</u>${cluster}</dd></dl>`
    : "";
  return (
    `<article class="review"><blockquote><p>${escapeHtml(r.text)}</p>` +
    `<footer class="muted">${escapeHtml(r.reviewer)}</footer></blockquote>${stars(r.rating)}${servedBy}</article>`
  );
}

function reviewsSection(reviews: Fetched<ReviewsBody>): string {
  const body = reviews.ok
    ? (reviews.value.reviews ?? []).map((r) => review(r, reviews.value)).join("")
    : fetchError("reviews", reviews.error);
  return `<section class="reviews"><h2>Book Reviews</h2>${body}</section>`;
}

export function renderProductPage(model: ProductPageModel): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>Simple Bookstore App</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${nav(model.user)}\n<main>\n` +
    `<header><h1>${escapeHtml(model.product.title)}</h1><p>${model.product.descriptionHtml}</p></header>\n` +
    `<div class="columns">${detailsSection(model.details)}${reviewsSection(model.reviews)}</div>\n</main>\n</body>\n</html>\n`
  );
}

/** productpage's front page: what the app is, with links to the product page. */
export function renderIndexPage(): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Simple Bookstore App</title>\n` +
    `<style>${STYLE}</style>\n</head>\n<body>\n<main>\n<h1>Hello! This is a simple bookstore application.</h1>\n` +
    `<p>It is made of four services: productpage (this page), details, reviews and ratings.</p>\n` +
    `<table><tr><th>Name</th><th>Endpoint</th></tr>` +
    `<tr><td>details</td><td>details:9080/details</td></tr>` +
    `<tr><td>reviews</td><td>reviews:9080/reviews</td></tr>` +
    `<tr><td>ratings</td><td>ratings:9080/ratings</td></tr></table>\n` +
    `<p>See the product page as a <a href="productpage?u=normal">normal user</a> ` +
    `or as a <a href="productpage?u=test">test user</a>.</p>\n</main>\n</body>\n</html>\n`
  );
}
