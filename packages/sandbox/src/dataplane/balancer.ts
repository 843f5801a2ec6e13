export type Random = () => number;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Decks larger than this fall back to independent draws; weights like 1/999999 are rare. */
const MAX_DECK = 1000;

/**
 * Picks among weighted choices by dealing from a shuffled deck that holds each choice as
 * often as its (reduced) weight. Each pick looks random, yet every round of the deck hits the
 * weights exactly, so a 50/50 split or three equal endpoints even out within a few requests
 * instead of drifting the way independent coin flips do. Decks are keyed by the config
 * object they were built for and vanish with it.
 */
export class Decks {
  readonly #decks = new WeakMap<object, { cards: number[]; next: number }>();
  readonly #random: Random;

  constructor(random: Random = Math.random) {
    this.#random = random;
  }

  /** Index of the chosen entry; `weights` must stay the same for the same `key`. */
  pick(key: object, weights: readonly number[]): number {
    if (weights.length <= 1) return 0;
    let deck = this.#decks.get(key);
    if (!deck) {
      const cards = dealCards(weights);
      if (!cards) return this.#draw(weights);
      deck = { cards, next: cards.length };
      this.#decks.set(key, deck);
    }
    if (deck.next >= deck.cards.length) {
      shuffle(deck.cards, this.#random);
      deck.next = 0;
    }
    return deck.cards[deck.next++]!;
  }

  /** Like `pick` with `count` equal weights (endpoints of one cluster), without building them. */
  pickEven(key: object, count: number): number {
    if (count <= 1) return 0;
    let deck = this.#decks.get(key);
    if (!deck || deck.cards.length !== count) {
      deck = { cards: Array.from({ length: count }, (_, i) => i), next: count };
      this.#decks.set(key, deck);
    }
    if (deck.next >= count) {
      shuffle(deck.cards, this.#random);
      deck.next = 0;
    }
    return deck.cards[deck.next++]!;
  }

  #draw(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let r = this.#random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

function dealCards(weights: readonly number[]): number[] | undefined {
  const ints = weights.map((w) => Math.max(0, Math.round(w)));
  const divisor = ints.reduce((g, w) => (w > 0 ? gcd(g, w) : g), 0);
  if (divisor === 0) return undefined;
  const counts = ints.map((w) => w / divisor);
  const total = counts.reduce((s, c) => s + c, 0);
  if (total > MAX_DECK) return undefined;
  const cards: number[] = [];
  counts.forEach((count, index) => {
    for (let i = 0; i < count; i++) cards.push(index);
  });
  return cards;
}

function shuffle(cards: number[], random: Random): void {
  for (let i = cards.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [cards[i], cards[j]] = [cards[j]!, cards[i]!];
  }
}

/**
 * Route weights as Envoy gets them from Istio: a lone destination takes everything, a missing
 * weight counts as 0, and weights are shares of their sum (all-zero means equal shares).
 */
export function routeWeights(weights: readonly (number | undefined)[]): number[] {
  if (weights.length === 1) return [1];
  const ws = weights.map((w) => (typeof w === "number" && w > 0 ? w : 0));
  return ws.every((w) => w === 0) ? ws.map(() => 1) : ws;
}
