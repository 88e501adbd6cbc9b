/**
 * Types of the postsale loader's API (`postsale.js`): the calls a merchant's
 * order page makes and the events it hears. Served beside the loader.
 */

/** `postsale('init', ...)`: who the page is and where the hub is. */
export interface PostsaleInit {
  /** Your affiliate id at the hub. */
  affiliate: string;
  /** The hub's origin; the loader's own by default. */
  hub?: string;
  /** The customer's language (BCP 47, `de-CH`); else the page's `<html lang>`. */
  locale?: string;
  /** A CSS selector of the element the IFRAME presentation goes into. */
  slot?: string;
}

/** A postal address (`country` is ISO 3166-1 alpha-2). */
export interface PostsaleAddress {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postal_code: string;
  country: string;
}

/** One line of the order the customer just placed. */
export interface PostsaleLine {
  sku: string;
  name?: string;
  quantity: number;
  /** A decimal string, `"1299.00"`. */
  unit_price: string;
  /** Lower numbers matter more when the offer is assembled. */
  priority?: number;
}

/** `postsale('purchase', ...)`: the order and your server's signed ticket. */
export interface PostsalePurchase {
  ticket: string;
  order: {
    id: string;
    /** A decimal string; the sum of the lines. */
    total: string;
    /** ISO 4217. */
    currency: string;
    items: PostsaleLine[];
    ship_to?: PostsaleAddress;
    promotion_id?: string;
  };
  /** Stays in the page: fills `{{first_name}}` in the offer's copy. */
  customer?: { first_name?: string };
  /** The customer's language, before `init`'s and the page's. */
  locale?: string;
}

/** What each event tells. */
export interface PostsaleEvents {
  shown: { opportunity_id: string };
  accepted: {
    opportunity_id: string;
    order_id: string;
    /** A decimal string. */
    amount: string;
    currency: string;
    points: number;
  };
  declined: { opportunity_id: string };
  closed: { opportunity_id: string };
  error: { opportunity_id?: string; reason: string };
}

/** The loader's function, under the name the snippet gives it. */
export interface Postsale {
  (command: "init", config: PostsaleInit): void;
  (command: "purchase", purchase: PostsalePurchase): void;
  <E extends keyof PostsaleEvents>(command: "on", event: E, listener: (detail: PostsaleEvents[E]) => void): void;
}

declare global {
  interface Window {
    postsale?: Postsale;
  }
  interface WindowEventMap {
    "postsale:shown": CustomEvent<PostsaleEvents["shown"]>;
    "postsale:accepted": CustomEvent<PostsaleEvents["accepted"]>;
    "postsale:declined": CustomEvent<PostsaleEvents["declined"]>;
    "postsale:closed": CustomEvent<PostsaleEvents["closed"]>;
    "postsale:error": CustomEvent<PostsaleEvents["error"]>;
  }
}
