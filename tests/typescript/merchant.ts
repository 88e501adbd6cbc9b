// A merchant's order page in TypeScript, against the loader's types
// (`www/postsale.d.ts`); `cargo xtask test` compiles it with `tsc --strict`.
import type { Postsale, PostsaleEvents } from "../../www/postsale";

const postsale: Postsale | undefined = window.postsale;
if (postsale) {
  postsale("init", { affiliate: "northlight", locale: "de-CH" });
  postsale("purchase", {
    ticket: "SIGNED-TICKET",
    order: {
      id: "A-1001",
      total: "1299.00",
      currency: "USD",
      items: [{ sku: "CAM-1", name: "Camera", quantity: 1, unit_price: "1299.00" }],
      ship_to: { line1: "Gartenweg 2", city: "Berlin", postal_code: "10115", country: "DE" },
    },
    customer: { first_name: "Ada" },
  });
  postsale("on", "accepted", (detail) => {
    const paid: string = `${detail.amount} ${detail.currency}`;
    const points: number = detail.points;
    console.log(detail.order_id, paid, points);
  });
  postsale("on", "error", (detail: PostsaleEvents["error"]) => console.warn(detail.reason));
}

window.addEventListener("postsale:declined", (event) => {
  const id: string = event.detail.opportunity_id;
  console.log(id);
});

// What the types refuse: each line below must be an error, or tsc fails.
// @ts-expect-error an unknown command
postsale?.("open", {});
// @ts-expect-error an unknown event
postsale?.("on", "clicked", () => {});
// @ts-expect-error a total is a decimal string, not a number
postsale?.("purchase", { ticket: "t", order: { id: "A", total: 5, currency: "USD", items: [] } });
